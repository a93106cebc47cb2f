import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

// The directory client speaks HTTP through ky; openpgp.js and the AWS SDK never come in through here.
it("depends on core, ky and zod only", async () => {
  const manifest = JSON.parse(
    await readFile(fileURLToPath(new URL("../package.json", import.meta.url)), "utf8"),
  );
  expect(Object.keys(manifest.dependencies).sort()).toEqual(["@assmbl/core", "ky", "zod"]);
});

// @assmbl/testing is private (never published): a published package may only devDepend on it.
it("never depends on the private @assmbl/testing outside devDependencies", async () => {
  const manifest = JSON.parse(
    await readFile(fileURLToPath(new URL("../package.json", import.meta.url)), "utf8"),
  );
  for (const field of ["dependencies", "peerDependencies", "optionalDependencies"]) {
    expect(Object.keys(manifest[field] ?? {}), field).not.toContain("@assmbl/testing");
  }
  expect(manifest.devDependencies?.["@assmbl/testing"]).toBe("workspace:*");
});
