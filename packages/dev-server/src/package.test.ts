import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ERROR_CODES, Routes } from "@assmbl/core";
import { expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

async function sources(): Promise<Array<[file: string, source: string]>> {
  const files = (await readdir(join(root, "src"), { recursive: true })).filter(
    (file) => file.endsWith(".ts") && !file.endsWith(".test.ts") && !file.startsWith("testing"),
  );
  return Promise.all(
    files.map(async (file) => {
      const source = await readFile(join(root, "src", file), "utf8");
      // Code only: doc comments may show a concrete path to readers.
      const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
      return [file, code] as [string, string];
    }),
  );
}

// transport-ses brings the MIME composer, so SendEmail captures and /send messages are built as
// the SDK builds them; postal-mime lists a received message's attachment parts.
// crypto (openpgp.js) verifies the self-certifications of registered keys' user ids.
it("depends on core, crypto, transport-ses, hono, its node adapter, postal-mime and zod only", async () => {
  const manifest = JSON.parse(await readFile(join(root, "package.json"), "utf8"));
  expect(Object.keys(manifest.dependencies).sort()).toEqual([
    "@assmbl/core",
    "@assmbl/crypto",
    "@assmbl/transport-ses",
    "@hono/node-server",
    "hono",
    "postal-mime",
    "zod",
  ]);
  expect(manifest.bin).toEqual({ "agentmail-dev": "./dist/bin.js" });
});

it("takes every path from core's route table instead of spelling it out", async () => {
  const prefixes = new Set(
    Object.values(Routes).map((route) => route.path.split("{")[0]?.replace(/\/$/, "") ?? ""),
  );
  const files = await sources();
  expect(files.length).toBeGreaterThan(8);
  for (const [file, source] of files) {
    for (const prefix of prefixes) {
      for (const quote of ['"', "'", "`"]) expect(source, file).not.toContain(`${quote}${prefix}`);
    }
  }
});

it("answers only with error codes core documents", async () => {
  const used = new Set<string>();
  for (const [, source] of await sources()) {
    for (const match of source.matchAll(
      /(?:HttpProblem\(|problemResponse\(\s*c,|errorBody\(|code: )\s*"(\w+)"/g,
    )) {
      used.add(match[1] ?? "");
    }
    for (const match of source.matchAll(/\[\d{3}, "[^"]+", "(\w+)"/g)) used.add(match[1] ?? "");
  }
  expect(used.size).toBeGreaterThan(8);
  for (const code of used) expect(Object.keys(ERROR_CODES), code).toContain(code);
});
