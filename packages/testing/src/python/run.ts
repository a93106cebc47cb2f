// The one way the tests run Python: /usr/bin/python3 (Debian's python3-pgpy installs PGPy for it
// only; a `python3` earlier on PATH may lack it), a script or the SDK model file, bytes on stdin,
// stdout back. Asynchronous on purpose: a dev server under test often lives in the same process,
// and a blocked event loop lets its keep-alive timers race the client's.
import { spawn } from "node:child_process";

/** The interpreter every test peer runs: the one `.ci/run` installs python3-pgpy for. */
export const PYTHON = "/usr/bin/python3";

/**
 * Runs `/usr/bin/python3 ...args` with `input` on stdin; resolves to stdout, rejects with stderr
 * (prefixed by `what`, which names the peer in the failure).
 *
 * @example
 * const out = await spawnPython(["-c", "import sys; print(len(sys.stdin.buffer.read()))"], bytes);
 */
export function spawnPython(
  args: readonly string[],
  input: Uint8Array | string,
  what = "python3",
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [...args], { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", (error) =>
      reject(new Error(`cannot run ${PYTHON} (${what}): ${error.message}`)),
    );
    child.on("close", (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`${what} exited with ${code}: ${Buffer.concat(err).toString("utf8")}`));
    });
    // A script that exits before reading all of stdin must fail on its exit code, not on EPIPE.
    child.stdin.on("error", () => {});
    child.stdin.end(typeof input === "string" ? input : Buffer.from(input));
  });
}

/**
 * Runs `python3 -c script` with `input` on stdin; resolves to stdout, rejects with stderr.
 *
 * @example
 * const out = await runPython("import sys; print(sys.stdin.read().upper())", bytes);
 */
export function runPython(script: string, input: Uint8Array): Promise<Buffer> {
  return spawnPython(["-c", script], input);
}
