import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.shared.js";

// ESM only: the package is a command line (and its MCP server), not a library for CJS callers.
// The bin gets its shebang from src/bin.ts, which tsup keeps and marks executable.
export default defineConfig({
  ...packageBuild,
  entry: ["src/index.ts", "src/bin.ts"],
  format: ["esm"],
});
