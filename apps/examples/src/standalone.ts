import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { inspect } from "node:util";
import { AgentMailError } from "@assmbl/core";
import type { ExampleContext } from "./context.js";
import { startDevPlatform } from "./dev-platform.js";
import { contextFromEnv } from "./env.js";

/**
 * Runs an example with the context from the environment (real services) when
 * `AGENTMAIL_API_BASE_URL` is set, else against a throwaway local dev server, and returns what
 * it returned.
 *
 * @example
 * const facts = await runStandalone(run, {});
 * @throws whatever the example throws.
 */
export async function runStandalone<T>(
  example: (context: ExampleContext) => Promise<T>,
  env: Record<string, string | undefined> = process.env,
): Promise<{ target: ExampleContext["target"]; facts: T }> {
  const real = await contextFromEnv(env);
  if (real) return { target: real.target, facts: await example(real) };
  const platform = await startDevPlatform();
  try {
    return { target: platform.context.target, facts: await example(platform.context) };
  } finally {
    await platform.close();
  }
}

/**
 * When `moduleUrl` is the file node was started with (`node dist/04-api-send.js`), runs the
 * example standalone, prints what it returned, and sets the exit code. Does nothing when the
 * file is imported (by the demo or a test).
 *
 * @example
 * await runIfMain(import.meta.url, run);
 */
export async function runIfMain<T>(
  moduleUrl: string,
  example: (context: ExampleContext) => Promise<T>,
): Promise<void> {
  if (!isMainModule(moduleUrl)) return;
  try {
    const { target, facts } = await runStandalone(example);
    console.log(`ran against the ${target}:`);
    console.log(inspect(shorten(facts), { depth: 6, colors: false, breakLength: 100 }));
  } catch (error) {
    const code = AgentMailError.is(error) ? ` (${error.code})` : "";
    console.error(`failed${code}: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}

/**
 * Whether `moduleUrl` (a module's `import.meta.url`) is the file node was started with, through
 * a relative path or a symlink alike.
 *
 * @example
 * if (isMainModule(import.meta.url)) process.exitCode = await main();
 */
export function isMainModule(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return pathToFileURL(realpathSync(entry)).href === moduleUrl;
  } catch {
    return false;
  }
}

/**
 * A copy fit to print: long strings (armored messages) cut, bytes shown as their length, keys
 * shown as their fingerprint.
 *
 * @example
 * shorten({ body: "-----BEGIN PGP MESSAGE-----\n..." });
 */
export function shorten(value: unknown): unknown {
  if (typeof value === "string") return value.length > 80 ? `${value.slice(0, 77)}...` : value;
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Error)
    return AgentMailError.is(value) ? `${value.code}: ${value.message}` : value.message;
  if (Array.isArray(value)) return value.map(shorten);
  if (value && typeof value === "object") {
    if (typeof (value as { toJSON?: unknown }).toJSON === "function") {
      return (value as { toJSON: () => unknown }).toJSON();
    }
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, shorten(item)]));
  }
  return value;
}
