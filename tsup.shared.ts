import type { Options } from "tsup";

/** The build every published package shares: ESM + CJS + declarations from src/index.ts. */
export const packageBuild: Options = {
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "es2022",
  treeshake: true,
  // Keep `node:` in built imports (tsup 8 strips it by default): Cloudflare Workers resolve
  // Node built-ins only by their `node:` names, and only with `nodejs_compat`.
  removeNodeProtocol: false,
};
