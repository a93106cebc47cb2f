import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

it("depends at run time on zod only", async () => {
  const manifest = JSON.parse(await readFile(join(root, "package.json"), "utf8"));
  expect(Object.keys(manifest.dependencies ?? {})).toEqual(["zod"]);
  expect(manifest.peerDependencies).toBeUndefined();
});

it("imports nothing from Node in its sources, so it runs on Deno, Bun and Workers", async () => {
  const files = (await readdir(join(root, "src"), { recursive: true })).filter(
    (file) => file.endsWith(".ts") && !file.endsWith(".test.ts"),
  );
  expect(files.length).toBeGreaterThan(10);
  for (const file of files) {
    const source = await readFile(join(root, "src", file), "utf8");
    expect(source, file).not.toMatch(/from\s+["'](node:|fs|path|crypto|buffer|stream)["'/]/);
  }
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
