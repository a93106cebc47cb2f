import { spawn } from "node:child_process";
import type { ScenarioOutcome } from "./scenario/types.js";

/**
 * How a runtime's process ended.
 *
 * @example
 * const { outcome, stderr } = await runChild(bun, ["run", "bundle.js"], { input, cwd, env });
 */
export interface ChildResult {
  outcome: ScenarioOutcome;
  stderr: string;
}

/**
 * Runs a runtime's binary with the scenario input on stdin and parses the outcome it prints as
 * its last stdout line. Fails with the process's output when it exits without one. A hang is
 * killed after `killAfterMs`: a guard, not a speed check.
 *
 * @example
 * await runChild(denoPath, ["run", "--allow-net=127.0.0.1:8080", "bundle.js"], { input, cwd, env });
 * @throws {Error} a process that could not start, died, or printed no JSON outcome.
 */
export function runChild(
  command: string,
  args: string[],
  options: { input: string; cwd: string; env: NodeJS.ProcessEnv; killAfterMs?: number },
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.killAfterMs ?? 110_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`${command} did not start: ${error.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const last = stdout.trim().split("\n").at(-1) ?? "";
      try {
        resolve({ outcome: JSON.parse(last) as ScenarioOutcome, stderr });
      } catch {
        reject(
          new Error(
            `${command} ${args.join(" ")} exited (code ${code}, signal ${signal}) without an outcome\n` +
              `stdout: ${stdout.slice(-4000)}\nstderr: ${stderr.slice(-4000)}`,
          ),
        );
      }
    });
    child.stdin.end(options.input);
  });
}
