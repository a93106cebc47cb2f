import { execFile } from "node:child_process";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The repository's root. */
export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

/** A workspace package that is published (not `private`), with its manifest. */
export interface PublishedPackage {
  name: string;
  dir: string;
  manifest: Record<string, unknown>;
}

/**
 * Every package under `packages/` that is not private: the set a release publishes.
 *
 * @example
 * const names = (await publishedPackages()).map((pkg) => pkg.name);
 */
export async function publishedPackages(): Promise<PublishedPackage[]> {
  const found: PublishedPackage[] = [];
  for (const entry of await readdir(join(repoRoot, "packages"), { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = join(repoRoot, "packages", entry.name);
    const manifest = JSON.parse(await readFile(join(dir, "package.json"), "utf8"));
    if (manifest.private !== true) found.push({ name: manifest.name, dir, manifest });
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

// Children get no npm_config_* / npm_package_* variables: pnpm sets them for the test process,
// and npm would read them as its own settings for the empty project.
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !/^npm_(config|package|lifecycle)_/i.test(key) && key !== "npm_execpath",
    ),
  );
}

/**
 * Packs one package with `pnpm pack` (which rewrites `workspace:` ranges to versions, as
 * `pnpm publish` does) into `destination`; returns the tarball's path.
 *
 * @example
 * const tarball = await pack(pkg.dir, tmp);
 */
export async function pack(dir: string, destination: string): Promise<string> {
  const { stdout } = await run("pnpm", ["pack", "--pack-destination", destination], {
    cwd: dir,
    env: cleanEnv(),
  });
  const path = stdout.trim().split("\n").pop() ?? "";
  if (!path.endsWith(".tgz")) throw new Error(`pnpm pack in ${dir} printed no tarball: ${stdout}`);
  return path;
}

/**
 * The files a tarball holds, without the `package/` prefix.
 *
 * @example
 * expect(await tarballFiles(tarball)).toContain("LICENSE");
 */
export async function tarballFiles(tarball: string): Promise<string[]> {
  const { stdout } = await run("tar", ["-tzf", tarball]);
  return stdout
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => line.replace(/^package\//, ""));
}

/**
 * One file of a tarball, as text.
 *
 * @example
 * const manifest = JSON.parse(await tarballFile(tarball, "package.json"));
 */
export async function tarballFile(tarball: string, path: string): Promise<string> {
  const { stdout } = await run("tar", ["-xzOf", tarball, `package/${path}`], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

/**
 * An empty project in `dir` with the tarballs, TypeScript and Node's types installed by npm from
 * the registry, the way a user installs the SDK.
 *
 * @example
 * await installProject(tmp, tarballs);
 */
export async function installProject(dir: string, tarballs: readonly string[]): Promise<void> {
  await writeFile(
    join(dir, "package.json"),
    `${JSON.stringify({ name: "consumer", version: "0.0.0", private: true, type: "module" })}\n`,
  );
  await run(
    "npm",
    [
      "install",
      "--no-audit",
      "--no-fund",
      "--loglevel=error",
      ...tarballs,
      "typescript@~5.9",
      "@types/node",
    ],
    { cwd: dir, env: cleanEnv(), maxBuffer: 16 * 1024 * 1024 },
  );
}

/** What a `tsc` run printed, and whether it passed. */
export interface TscResult {
  ok: boolean;
  output: string;
}

/**
 * Runs the project's own `tsc -p <config>`.
 *
 * @example
 * const { ok, output } = await tsc(tmp, "tsconfig.bundler.json");
 */
export async function tsc(dir: string, config: string): Promise<TscResult> {
  try {
    const { stdout } = await run(
      process.execPath,
      [join(dir, "node_modules", "typescript", "bin", "tsc"), "-p", config],
      { cwd: dir, env: cleanEnv(), maxBuffer: 16 * 1024 * 1024 },
    );
    return { ok: true, output: stdout };
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${stdout}${stderr}` };
  }
}

/**
 * Runs `npx <args>` in the project, as a user runs an installed package's bin; `--no-install`
 * so npx never fetches from the registry what the tarballs should have installed.
 *
 * @example
 * const { stdout } = await npx(tmp, ["agentmail", "--help"]);
 */
export async function npx(
  dir: string,
  args: readonly string[],
): Promise<{ stdout: string; stderr: string }> {
  return run("npx", ["--no-install", ...args], {
    cwd: dir,
    env: cleanEnv(),
    maxBuffer: 16 * 1024 * 1024,
  });
}
