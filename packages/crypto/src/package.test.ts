import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

// openpgp.js lives here and nowhere else; the AWS SDK and HTTP clients never come in through here.
// @openpgp/web-stream-tools: types only (openpgp's own .d.ts imports it; openpgp bundles the code),
// so a consumer type-checks with skipLibCheck: false.
it("depends on core, openpgp (with its stream types) and zod only", async () => {
  const manifest = JSON.parse(
    await readFile(fileURLToPath(new URL("../package.json", import.meta.url)), "utf8"),
  );
  expect(Object.keys(manifest.dependencies).sort()).toEqual([
    "@assmbl/core",
    "@openpgp/web-stream-tools",
    "openpgp",
    "zod",
  ]);
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
