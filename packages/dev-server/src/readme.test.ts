import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { runReadmeSnippet } from "../../../scripts/readme-snippet.js";

const readme = fileURLToPath(new URL("../README.md", import.meta.url));
const imports = {
  "@assmbl/dev-server": fileURLToPath(new URL("./index.ts", import.meta.url)),
  "@aws-sdk/client-ses": createRequire(import.meta.url).resolve("@aws-sdk/client-ses"),
};

// The README opens with a snippet users copy; it must run as printed.
it("the README's opening snippet runs and prints what its comments say", async () => {
  const logged = await runReadmeSnippet(readme, imports);
  expect(logged).toEqual([[200, 1, "active"], [1]]);
});

it("the README's SES example runs and prints what its comments say", async () => {
  const section = (await readFile(readme, "utf8")).split("## SES-compatible endpoint")[1] ?? "";
  const dir = await mkdtemp(join(tmpdir(), "readme-ses-"));
  try {
    const file = join(dir, "README.md");
    await writeFile(file, section);
    expect(await runReadmeSnippet(file, imports)).toEqual([[true, true], ["Encrypted task"]]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
