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

// mime brings the MIME composer, so SendEmail captures and /send messages are built as the SDK
// builds them; postal-mime lists a received message's attachment parts. crypto (openpgp.js)
// verifies the self-certifications of registered keys' user ids. No transport: the server is a
// peer of the SDK's transports, not a user of them, and never loads the AWS SDK.
it("depends on core, crypto, mime, hono, its node adapter, postal-mime and zod only", async () => {
  const manifest = JSON.parse(await readFile(join(root, "package.json"), "utf8"));
  expect(Object.keys(manifest.dependencies).sort()).toEqual([
    "@assmbl/core",
    "@assmbl/crypto",
    "@assmbl/mime",
    "@hono/node-server",
    "hono",
    "postal-mime",
    "zod",
  ]);
  expect(manifest.bin).toEqual({ "agentmail-dev": "./dist/bin.js" });
});

// The AWS SDK clients are devDependencies only: the tests use them as real SES peers.
it("imports no AWS SDK package and no transport in the code it ships", async () => {
  const manifest = JSON.parse(await readFile(join(root, "package.json"), "utf8"));
  for (const name of Object.keys(manifest.dependencies)) expect(name).not.toMatch(/^@aws-sdk\//);
  expect(manifest.peerDependencies).toBeUndefined();
  const files = await sources();
  expect(files.length).toBeGreaterThan(8);
  for (const [file, source] of files) {
    expect(source, file).not.toMatch(/["']@aws-sdk\//);
    expect(source, file).not.toMatch(/["']@assmbl\/transport-(ses|api)["']/);
  }
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
