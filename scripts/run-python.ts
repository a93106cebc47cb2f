// Runs a Python script over stdin for the tests that use Python's `email` package as an
// independent MIME reader. Asynchronous on purpose: a dev server under test often lives in the
// same process, and a blocked event loop lets its keep-alive timers race the client's.
import { spawn } from "node:child_process";

/** Runs `python3 -c script` with `input` on stdin; resolves to stdout, rejects with stderr. */
export function runPython(script: string, input: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn("python3", ["-c", script], { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`python3 exited with ${code}: ${Buffer.concat(err).toString("utf8")}`));
    });
    // A script that exits before reading all of stdin must fail on its exit code, not on EPIPE.
    child.stdin.on("error", () => {});
    child.stdin.end(Buffer.from(input));
  });
}
