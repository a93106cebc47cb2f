import { fileURLToPath } from "node:url";
import { runReadmeSnippet } from "@assmbl/testing/readme";
import { expect, it } from "vitest";

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// The README opens with a snippet users copy; it must run as printed: this package from its
// source, @assmbl/crypto and @assmbl/dev-server as installed (devDependencies, built dist).
it("the README's opening snippet runs and prints what its comments say", async () => {
  const logged = await runReadmeSnippet(source("../README.md"), { self: source("./index.ts") });
  expect(logged).toEqual([["other-agent", 1, 1]]);
});

it("the README's registration example runs and prints what its comments say", async () => {
  const logged = await runReadmeSnippet(source("../README.md"), {
    self: source("./index.ts"),
    section: "## Registering your agent's key",
  });
  expect(logged).toEqual([[1, true, true]]);
});
