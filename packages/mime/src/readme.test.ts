import { fileURLToPath } from "node:url";
import { runReadmeSnippet } from "@assmbl/testing/readme";
import { expect, it } from "vitest";

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// The README opens with a snippet users copy; it must run as printed: this package from its
// source, @assmbl/core as installed (its built dist).
it("the README's opening snippet runs and prints what its comments say", async () => {
  const logged = await runReadmeSnippet(source("../README.md"), { self: source("./index.ts") });
  expect(logged).toEqual([[true, false], ["X-AgentMail-Correlation-Id: corr-42"]]);
});

it("the README's reading snippet runs and prints what its comments say", async () => {
  const logged = await runReadmeSnippet(source("../README.md"), {
    self: source("./index.ts"),
    section: "## Reading",
  });
  expect(logged).toEqual([
    ["report-bot@agents.example.com", "Task 42", false],
    ["The numbers are in.", false],
  ]);
});
