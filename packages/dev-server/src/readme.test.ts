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

/** Runs the first ts snippet after `heading`. */
async function runSection(heading: string): Promise<unknown[][]> {
  const section = (await readFile(readme, "utf8")).split(heading)[1] ?? "";
  const dir = await mkdtemp(join(tmpdir(), "readme-section-"));
  try {
    const file = join(dir, "README.md");
    await writeFile(file, section);
    return await runReadmeSnippet(file, imports);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

it("the README's SES example runs and prints what its comments say", async () => {
  expect(await runSection("## SES-compatible endpoint")).toEqual([
    [true, true],
    ["Encrypted task"],
  ]);
});

it("the README's platform example runs and prints what its comments say", async () => {
  expect(await runSection("## Platform routes")).toEqual([
    [204],
    ["true", 1],
    ["Notes", true],
    ["notes.txt", 5],
  ]);
});
