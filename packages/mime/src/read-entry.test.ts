// `@assmbl/mime/read` is the reader without the composer: bundled for a Worker (browser platform,
// no Node built-ins), it builds, and takes in neither nodemailer nor any `node:` module statically.
// The package root stays the superset: every name the reader entry exports, it exports too.
import { fileURLToPath } from "node:url";
import { build, type Metafile } from "esbuild";
import { expect, it } from "vitest";

const entry = (name: string) => fileURLToPath(new URL(`./${name}.ts`, import.meta.url));

async function bundle(name: string, platform: "browser" | "node"): Promise<Metafile> {
  const result = await build({
    entryPoints: [entry(name)],
    bundle: true,
    write: false,
    metafile: true,
    format: "esm",
    platform,
    conditions: ["workerd", "worker", "browser"],
    outfile: `${name}.js`,
    logLevel: "silent",
  });
  return result.metafile;
}

const exportsOf = (metafile: Metafile) =>
  Object.values(metafile.outputs).flatMap((output) => output.exports);

it("bundles for a Worker without nodemailer or Node built-ins", async () => {
  const metafile = await bundle("read", "browser");
  const inputs = Object.keys(metafile.inputs);
  expect(exportsOf(metafile)).toContain("openMessage");
  expect(inputs.some((input) => /(^|\/)postal-mime\//.test(input))).toBe(true);
  expect(inputs.filter((input) => /nodemailer/.test(input))).toEqual([]);
  const imports = Object.values(metafile.inputs).flatMap((input) => input.imports);
  expect(imports.filter((i) => i.path.startsWith("node:") && i.kind !== "dynamic-import")).toEqual(
    [],
  );
});

it("the root entry fails that bundle (the composer needs nodemailer), and exports all of the reader", async () => {
  await expect(bundle("index", "browser")).rejects.toThrow(/node:/);
  const root = exportsOf(await bundle("index", "node"));
  expect(root).toContain("composeMime");
  for (const name of exportsOf(await bundle("read", "node"))) expect(root).toContain(name);
});
