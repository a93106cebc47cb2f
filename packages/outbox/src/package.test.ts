import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const manifest = async () =>
  JSON.parse(await readFile(fileURLToPath(new URL("../package.json", import.meta.url)), "utf8"));

// The outbox is where Redis comes in: BullMQ and ioredis live here only
// (packages/testing's workspace-graph test checks no other package has them).
it("depends on core, bullmq, ioredis and zod only", async () => {
  expect(Object.keys((await manifest()).dependencies).sort()).toEqual([
    "@assmbl/core",
    "bullmq",
    "ioredis",
    "zod",
  ]);
});

// @assmbl/testing is private (never published): a published package may only devDepend on it.
it("never depends on the private @assmbl/testing outside devDependencies", async () => {
  const pkg = await manifest();
  for (const field of ["dependencies", "peerDependencies", "optionalDependencies"]) {
    expect(Object.keys(pkg[field] ?? {}), field).not.toContain("@assmbl/testing");
  }
  expect(pkg.devDependencies?.["@assmbl/testing"]).toBe("workspace:*");
});
