import { fileURLToPath } from "node:url";
import { runReadmeSnippet } from "@assmbl/testing/readme";
import { expect, it } from "vitest";

// The README opens with a snippet users copy; it must run as printed (this package from its
// source, everything else as installed).
it("the README's opening snippet runs and prints what its comments say", async () => {
  const logged = await runReadmeSnippet(fileURLToPath(new URL("../README.md", import.meta.url)), {
    self: fileURLToPath(new URL("./index.ts", import.meta.url)),
  });
  expect(logged).toEqual([["Task 42: the numbers are in.", "valid"]]);
});
