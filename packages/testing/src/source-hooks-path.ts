import { fileURLToPath } from "node:url";

/**
 * The file to pass to `node --import` so a child process runs a workspace package's TypeScript
 * source (with `--experimental-transform-types`): "./x.js" imports between its .ts files are
 * mapped to the .ts files (see source-hooks.mjs).
 *
 * @example
 * spawn(process.execPath, ["--experimental-transform-types", "--import", sourceHooksPath, "entry.ts"]);
 */
export const sourceHooksPath = fileURLToPath(
  new URL("./register-source-hooks.mjs", import.meta.url),
);
