// A module hook for the MCP test's child processes, which run this package from its source (with
// Node's --experimental-transform-types): the sources import each other as "./x.js", as
// TypeScript wants; this maps such an import from a .ts file under src/ to the .ts file beside
// it. Every other import (core, crypto, the MCP SDK) resolves as usual, to what is installed
// (the built dist of the workspace packages). As packages/directory/src/testing does.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const src = new URL("../../", import.meta.url).href;

export async function resolve(specifier, context, next) {
  const parent = context.parentURL;
  if (parent?.startsWith(src) && parent.endsWith(".ts") && /^\.\.?\/.*\.js$/.test(specifier)) {
    const ts = new URL(specifier.replace(/\.js$/, ".ts"), parent);
    if (existsSync(fileURLToPath(ts))) return next(ts.href, context);
  }
  return next(specifier, context);
}
