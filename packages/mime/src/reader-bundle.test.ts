// `openMessage` is importable without an HTTP client: bundling this package's entry (its own
// sources and the built dependencies they pull in) takes in no ky, no transport and no directory.
// transport-api re-exports openMessage from here; its API client is not needed to read a message.
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { expect, it } from "vitest";

it("bundles openMessage with no ky, no transport and no directory among its inputs", async () => {
  const result = await build({
    entryPoints: [fileURLToPath(new URL("./index.ts", import.meta.url))],
    bundle: true,
    write: false,
    metafile: true,
    format: "esm",
    platform: "node",
    outfile: "reader.js",
    logLevel: "silent",
  });
  const inputs = Object.keys(result.metafile.inputs);
  const exports = Object.values(result.metafile.outputs).flatMap((output) => output.exports);
  expect(exports).toContain("openMessage");
  // What the bundle did take in: the reader's parser and core (so the check above saw them).
  expect(inputs.some((input) => /(^|\/)postal-mime\//.test(input))).toBe(true);
  expect(inputs.some((input) => /(^|\/)core\/dist\//.test(input))).toBe(true);
  expect(inputs.filter((input) => /(^|\/)ky\/|node_modules\/\.pnpm\/ky@/.test(input))).toEqual([]);
  expect(
    inputs.filter((input) => /(transport-api|transport-ses|directory|dev-server)\//.test(input)),
  ).toEqual([]);
});
