// Runs the first ```ts block of a package README (or of one of its sections) as a user's code
// would run it: the snippet is written into the package's own folder, so each `@assmbl/*` or
// other import resolves through that package's node_modules to what is installed there (the
// built dist of the workspace packages it depends on), never to another package's source. Only
// the package under test may be pointed at its own source (`self`), so its tests need no build
// of it (turbo builds a package's dependencies before its tests, not the package itself).
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { vi } from "vitest";

/** How {@link runReadmeSnippet} finds the snippet and what it maps. */
export interface ReadmeSnippetOptions {
  /**
   * Path of the package's own entry source (e.g. `src/index.ts`): imports of the package's own
   * name (read from the package.json of the package folder) go there. Without it, the package's own
   * name resolves as any other import (its built dist, by self-reference).
   */
  self?: string;
  /** Run the first ts block after this heading instead of the README's first one. */
  section?: string;
  /**
   * The package folder whose node_modules the imports resolve from; default the README's folder
   * (give it for the repository's root README, whose folder installs no package).
   */
  from?: string;
}

/**
 * Runs a README's snippet and returns what it printed with console.log (one array per call).
 * Fails with the snippet's own error when it does not run.
 *
 * @example
 * const logged = await runReadmeSnippet(fileURLToPath(new URL("../README.md", import.meta.url)), {
 *   self: fileURLToPath(new URL("./index.ts", import.meta.url)),
 * });
 */
export async function runReadmeSnippet(
  readmePath: string,
  options: ReadmeSnippetOptions = {},
): Promise<unknown[][]> {
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  try {
    await importReadmeSnippet(readmePath, options);
    return log.mock.calls;
  } finally {
    log.mockRestore();
  }
}

/**
 * Imports a README's snippet as a module (resolved as {@link runReadmeSnippet} resolves it) and
 * returns its exports: for snippets that define what a test then calls.
 *
 * @example
 * const { sendSafely } = await importReadmeSnippet(rootReadme, { section: "## Retrying" });
 */
export async function importReadmeSnippet(
  readmePath: string,
  options: ReadmeSnippetOptions = {},
): Promise<Record<string, unknown>> {
  const packageDir = options.from ?? dirname(readmePath);
  let readme = await readFile(readmePath, "utf8");
  if (options.section !== undefined) {
    const at = readme.indexOf(options.section);
    if (at === -1) throw new Error(`${readmePath} has no section ${options.section}`);
    readme = readme.slice(at + options.section.length);
  }
  const snippet = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!snippet) throw new Error(`${readmePath} has no ts snippet`);
  let source = snippet;
  if (options.self !== undefined) {
    const { name } = JSON.parse(await readFile(join(packageDir, "package.json"), "utf8")) as {
      name: string;
    };
    source = source.replaceAll(`from "${name}"`, `from ${JSON.stringify(options.self)}`);
  }
  // Inside the package folder (not the OS temp dir): bare imports resolve from its node_modules.
  const dir = await mkdtemp(join(packageDir, ".readme-snippet-"));
  try {
    const file = join(dir, "snippet.ts");
    await writeFile(file, source);
    // vitest compiles the TypeScript on import.
    return (await import(file)) as Record<string, unknown>;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
