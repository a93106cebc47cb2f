// Runs the BUILT bin (dist/bin.js) as a user does: a child process with its own environment,
// stdin piped (never a terminal), stdout and stderr captured. Every output is also kept in
// `transcript`, so a test can scan all of them for secrets at the end.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The built bin; the package's test task depends on its build (turbo.json). */
export const BIN = fileURLToPath(new URL("../../dist/bin.js", import.meta.url));

/** What one run printed and how it ended. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Everything every run printed, for the secrets scan. */
export const transcript: string[] = [];

/**
 * Runs `agentmail args...` with exactly `env` (plus PATH), feeding `stdin` when given.
 *
 * @example
 * const { code, stdout } = await runCli(["lookup", "bob", "--json"], { AGENTMAIL_API_BASE_URL: url });
 */
export function runCli(
  args: readonly string[],
  env: Record<string, string>,
  stdin?: string | Uint8Array,
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      const run = {
        code,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      };
      transcript.push(run.stdout, run.stderr);
      resolve(run);
    });
    child.stdin.end(stdin ?? "");
  });
}
