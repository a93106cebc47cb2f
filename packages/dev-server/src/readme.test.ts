import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { runReadmeSnippet } from "../../../scripts/readme-snippet.js";

// The README opens with a snippet users copy; it must run as printed.
it("the README's opening snippet runs and prints what its comments say", async () => {
  const logged = await runReadmeSnippet(fileURLToPath(new URL("../README.md", import.meta.url)), {
    "@assmbl/dev-server": fileURLToPath(new URL("./index.ts", import.meta.url)),
  });
  expect(logged).toEqual([[200, 1, "active"], [1]]);
});
