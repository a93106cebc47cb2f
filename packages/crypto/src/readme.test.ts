import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { runReadmeSnippet } from "../../../scripts/readme-snippet.js";

// The README opens with a snippet users copy; it must run as printed.
it("the README's opening snippet runs and prints what its comments say", async () => {
  const logged = await runReadmeSnippet(fileURLToPath(new URL("../README.md", import.meta.url)), {
    "@assmbl/crypto": fileURLToPath(new URL("./index.ts", import.meta.url)),
  });
  expect(logged).toEqual([["Task 42: the numbers are in.", "valid"]]);
});
