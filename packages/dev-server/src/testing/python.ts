// Runs a Python script over stdin without blocking the event loop: the dev server under test
// lives in the same process, and a blocked loop lets its keep-alive timers race the client's.
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
      else reject(new Error(`python3 exited ${code}: ${Buffer.concat(err).toString("utf8")}`));
    });
    child.stdin.end(input);
  });
}
