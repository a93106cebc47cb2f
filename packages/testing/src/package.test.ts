import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const manifest = JSON.parse(
  await readFile(fileURLToPath(new URL("../package.json", import.meta.url)), "utf8"),
);

// Test helpers only: published packages must never pull this in (each asserts it too).
it("is private and never published", () => {
  expect(manifest.private).toBe(true);
  expect(manifest.publishConfig).toBeUndefined();
});

// turbo refuses cycles: the packages whose tests use these fixtures devDepend on this one, so it
// names them as peers only (which turbo does not follow).
it("depends on no @assmbl package except as a peer", () => {
  for (const field of ["dependencies", "devDependencies", "optionalDependencies"]) {
    const names = Object.keys(manifest[field] ?? {});
    expect(
      names.filter((name) => name.startsWith("@assmbl/")),
      field,
    ).toEqual([]);
  }
});
