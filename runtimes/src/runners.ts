import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Miniflare, type MiniflareOptions, supportedCompatibilityDate } from "miniflare";
import { type Bundle, bundleFor } from "./bundle.js";
import { runChild } from "./child.js";
import type { ScenarioInput, ScenarioOutcome } from "./scenario/types.js";

const require = createRequire(import.meta.url);

/**
 * One run of the scenario on a runtime: its outcome and the bundle it ran.
 *
 * @example
 * const { outcome, bundle } = await runWorkerd(input);
 */
export interface RuntimeRun {
  outcome: ScenarioOutcome;
  bundle: Bundle;
}

/**
 * The Worker's configuration: ES modules, the newest compatibility date the installed workerd
 * supports, and no compatibility flags at all (so no `nodejs_compat`).
 *
 * @example
 * const mf = new Miniflare(workerdOptions(code));
 */
export function workerdOptions(script: string): MiniflareOptions {
  return {
    // The module is handed over as is: Miniflare refuses a string `script` holding any import,
    // and the bundle keeps transport-api's dynamic `import("node:fs/promises")` (downloadDir).
    modules: [{ type: "ESModule", path: "scenario.js", contents: script }],
    compatibilityDate: supportedCompatibilityDate,
  };
}

/**
 * Runs the scenario in workerd through Miniflare: the Worker is triggered by a POST carrying the
 * input; its fetches to the dev server leave workerd for Node's loopback listener.
 *
 * @example
 * const { outcome } = await runWorkerd(platform.inputFor("workerd"));
 */
export async function runWorkerd(input: ScenarioInput): Promise<RuntimeRun> {
  const bundle = await bundleFor("workerd");
  const options = workerdOptions(bundle.code);
  const mf = new Miniflare(options);
  try {
    const response = await mf.dispatchFetch("http://scenario.invalid/", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(input),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`the Worker answered ${response.status}: ${text}`);
    return { outcome: JSON.parse(text) as ScenarioOutcome, bundle };
  } finally {
    await mf.dispose();
  }
}

/**
 * Runs the scenario with `bun run --no-install bundle.js` (input on stdin).
 *
 * @example
 * const { outcome } = await runBun(platform.inputFor("bun"));
 */
export async function runBun(input: ScenarioInput): Promise<RuntimeRun> {
  const bun = binaryOf("bun", "bin/bun.exe");
  return inChildProcess("bun", input, (file) => [bun, ["run", "--no-install", file]]);
}

/**
 * Runs the scenario with `deno run`, allowed nothing but connections to the dev server's host
 * and port (reading stdin needs no permission), and no config, lock file or npm resolution.
 *
 * @example
 * const { outcome } = await runDeno(platform.inputFor("deno"));
 */
export async function runDeno(input: ScenarioInput): Promise<RuntimeRun> {
  const deno = binaryOf("deno", "deno");
  const { host } = new URL(input.baseUrl);
  return inChildProcess("deno", input, (file) => [
    deno,
    ["run", "--no-prompt", "--no-config", "--no-lock", "--no-npm", `--allow-net=${host}`, file],
  ]);
}

async function inChildProcess(
  runtime: "bun" | "deno",
  input: ScenarioInput,
  commandFor: (file: string) => [string, string[]],
): Promise<RuntimeRun> {
  const bundle = await bundleFor(runtime);
  const dir = await mkdtemp(join(tmpdir(), `assmbl-${runtime}-`));
  try {
    const file = join(dir, "bundle.js");
    await writeFile(file, bundle.code);
    const [command, args] = commandFor(file);
    const { outcome } = await runChild(command, args, {
      input: JSON.stringify(input),
      cwd: dir,
      // Nothing of the test's environment: caches go to the temp directory.
      env: { PATH: process.env.PATH, HOME: dir, DENO_DIR: join(dir, "deno-cache"), NO_COLOR: "1" },
    });
    return { outcome, bundle };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The binary the npm package's postinstall downloaded (pnpm runs it: onlyBuiltDependencies). */
function binaryOf(pkg: "bun" | "deno", file: string): string {
  const path = join(dirname(require.resolve(`${pkg}/package.json`)), file);
  if (!existsSync(path)) {
    throw new Error(
      `${path} is missing: the ${pkg} package's postinstall did not download it (is ${pkg} in onlyBuiltDependencies in pnpm-workspace.yaml?)`,
    );
  }
  return path;
}
