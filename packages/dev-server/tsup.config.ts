import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.shared.js";

// The shared build plus the `agentmail-dev` executable (src/bin.ts keeps its shebang).
export default defineConfig({
  ...packageBuild,
  entry: ["src/index.ts", "src/bin.ts"],
});
