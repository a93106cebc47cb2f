import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { runReadmeSnippet } from "../../../scripts/readme-snippet.js";

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// The README opens with a snippet users copy; it must run as printed.
it("the README's opening snippet runs and prints what its comments say", async () => {
  const logged = await runReadmeSnippet(source("../README.md"), {
    "@assmbl/transport-api": source("./index.ts"),
    "@assmbl/core": source("../../core/src/index.ts"),
    "@assmbl/crypto": source("../../crypto/src/index.ts"),
    "@assmbl/dev-server": source("../../dev-server/src/index.ts"),
    "@assmbl/directory": source("../../directory/src/index.ts"),
  });
  expect(logged).toEqual([["The numbers are in.", "numbers.csv"]]);
});
