import { fileURLToPath } from "node:url";
import { runReadmeSnippet } from "@assmbl/testing/readme";
import { expect, it } from "vitest";

const readme = fileURLToPath(new URL("../README.md", import.meta.url));
// This package from its source; the AWS SDK (a devDependency) as installed.
const self = fileURLToPath(new URL("./index.ts", import.meta.url));

// The README opens with a snippet users copy; it must run as printed.
it("the README's opening snippet runs and prints what its comments say", async () => {
  const logged = await runReadmeSnippet(readme, { self });
  expect(logged).toEqual([[200, 1, "active"], [1]]);
});

/** Runs the first ts snippet after `heading`. */
function runSection(heading: string): Promise<unknown[][]> {
  return runReadmeSnippet(readme, { self, section: heading });
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
