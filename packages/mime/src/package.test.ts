import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

async function sources(): Promise<Array<[file: string, source: string]>> {
  const files = (await readdir(join(root, "src"), { recursive: true })).filter(
    (file) => file.endsWith(".ts") && !file.endsWith(".test.ts") && !file.startsWith("testing"),
  );
  return Promise.all(
    files.map(async (file) => {
      const source = await readFile(join(root, "src", file), "utf8");
      // Code only: doc comments may name modules in their prose and examples.
      const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
      return [file, code] as [string, string];
    }),
  );
}

// The wire format and nothing else: no transport, no HTTP client, no OpenPGP, no AWS. The
// transports and the dev server depend on this package, never the other way round.
it("depends on core, nodemailer, postal-mime and zod only", async () => {
  const manifest = JSON.parse(await readFile(join(root, "package.json"), "utf8"));
  const allowed = ["@assmbl/core", "nodemailer", "postal-mime", "zod"];
  const dependencies = Object.keys(manifest.dependencies ?? {});
  expect(dependencies.filter((name) => !allowed.includes(name))).toEqual([]);
  expect(dependencies).toContain("@assmbl/core");
  expect(dependencies).toContain("nodemailer");
  expect(manifest.peerDependencies).toBeUndefined();
});

// nodemailer brings Node's Buffer and streams; this package's own code takes nothing from Node
// at load time, so nothing here reaches the file system or the network unasked. The one
// exception is openMessage's `downloadDir`, which loads node:fs when (and only when) it is used.
const LAZY_NODE_IMPORTS: Record<string, string[]> = {
  "download-dir.ts": ["node:fs/promises", "node:path"],
};

it("imports nothing from Node in its own sources, but for downloadDir's lazy node:fs", async () => {
  const files = await sources();
  expect(files.length).toBeGreaterThan(5);
  for (const [file, source] of files) {
    expect(source, file).not.toMatch(
      /from\s+["'](node:|fs|path|crypto|buffer|stream|http|https|net|os|child_process)["'/]/,
    );
    const lazy = new Set(
      [...source.matchAll(/import\(\s*["'](node:[^"']+)["']/g)].map((m) => m[1]),
    );
    expect([...lazy].sort(), file).toEqual(LAZY_NODE_IMPORTS[file] ?? []);
  }
});

it("imports (statically) only its own files, core, nodemailer's MIME modules, postal-mime and zod", async () => {
  const imported = new Set<string>();
  for (const [, source] of await sources()) {
    // Static imports only (the lazy node: ones are pinned above).
    for (const match of source.matchAll(
      /^(?:import|export)\b(?:[^;]*?\sfrom)?\s*["']([^"']+)["']/gm,
    )) {
      const specifier = match[1] ?? "";
      if (!specifier.startsWith(".")) imported.add(specifier);
    }
  }
  expect(imported).toContain("@assmbl/core");
  expect(imported).toContain("nodemailer/lib/mime-node");
  for (const specifier of imported) {
    expect(specifier).toMatch(
      /^(@assmbl\/core|zod|postal-mime(\/.*)?|nodemailer\/lib\/(mime-funcs|mime-node))$/,
    );
  }
});

// @assmbl/testing is private (never published): a published package may only devDepend on it.
it("never depends on the private @assmbl/testing outside devDependencies", async () => {
  const manifest = JSON.parse(
    await readFile(fileURLToPath(new URL("../package.json", import.meta.url)), "utf8"),
  );
  for (const field of ["dependencies", "peerDependencies", "optionalDependencies"]) {
    expect(Object.keys(manifest[field] ?? {}), field).not.toContain("@assmbl/testing");
  }
  expect(manifest.devDependencies?.["@assmbl/testing"]).toBe("workspace:*");
});
