// A module hook for child processes that run a workspace package from its source (Node's
// --experimental-transform-types): the sources import each other as "./x.js", as TypeScript's
// NodeNext resolution wants; this maps such an import from a .ts file outside node_modules to
// the .ts file beside it. Every other import resolves as usual, to what is installed (the built
// dist of the workspace packages). Used like the README tests' `self`: the package under test
// needs no build of its own before its tests.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export async function resolve(specifier, context, next) {
  const parent = context.parentURL;
  if (
    parent?.startsWith("file:") &&
    parent.endsWith(".ts") &&
    !parent.includes("/node_modules/") &&
    /^\.\.?\/.*\.js$/.test(specifier)
  ) {
    const ts = new URL(specifier.replace(/\.js$/, ".ts"), parent);
    if (existsSync(fileURLToPath(ts))) return next(ts.href, context);
  }
  return next(specifier, context);
}
