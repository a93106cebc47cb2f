import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it, vi } from "vitest";

const dir = await mkdtemp(join(tmpdir(), "core-readme-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

// The README opens with a snippet users copy; it must run as printed.
it("the README's opening snippet runs and prints what its comments say", async () => {
  const readme = await readFile(fileURLToPath(new URL("../README.md", import.meta.url)), "utf8");
  const snippet = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(snippet).toBeDefined();
  // Point the package import at this checkout's sources; vitest compiles the TypeScript.
  const index = fileURLToPath(new URL("./index.ts", import.meta.url));
  const file = join(dir, "snippet.ts");
  await writeFile(
    file,
    (snippet as string).replaceAll('from "@assmbl/core"', `from ${JSON.stringify(index)}`),
  );
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  try {
    await import(file);
    expect(log.mock.calls).toEqual([["<1@memory.local>", "résumé.txt"], ["crypto_not_configured"]]);
  } finally {
    log.mockRestore();
  }
});
