// Runs the first ```ts block of a package README, as users would paste it, with the package
// imports pointed at this checkout's sources; returns what it printed with console.log.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { vi } from "vitest";

export async function runReadmeSnippet(
  readmePath: string,
  imports: Record<string, string>,
): Promise<unknown[][]> {
  const readme = await readFile(readmePath, "utf8");
  const snippet = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!snippet) throw new Error(`${readmePath} has no ts snippet`);
  let source = snippet;
  for (const [specifier, path] of Object.entries(imports)) {
    source = source.replaceAll(`from "${specifier}"`, `from ${JSON.stringify(path)}`);
  }
  const dir = await mkdtemp(join(tmpdir(), "readme-snippet-"));
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  try {
    const file = join(dir, "snippet.ts");
    await writeFile(file, source);
    // vitest compiles the TypeScript on import.
    await import(file);
    return log.mock.calls;
  } finally {
    log.mockRestore();
    await rm(dir, { recursive: true, force: true });
  }
}
