import type { Readable, Writable } from "node:stream";
import { AgentMailError } from "@assmbl/core";
import type { CliConfig } from "./config.js";

/**
 * Where a run of the CLI reads and writes: the process's streams, or a test's.
 *
 * @example
 * const io: CliIo = { env: process.env, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
 */
export interface CliIo {
  env: Record<string, string | undefined>;
  stdin: Readable & { isTTY?: boolean | undefined };
  stdout: Writable & { isTTY?: boolean | undefined };
  stderr: Writable & { isTTY?: boolean | undefined; columns?: number | undefined };
}

/**
 * Prints a command's result: `value` as one JSON line with `--json`, else the readable `text`.
 * Values go through `JSON.stringify`, so a `Secret` prints as `[redacted]` even by mistake.
 *
 * @example
 * printResult(io, config, { deleted: id }, `deleted ${id}`);
 */
export function printResult(
  io: CliIo,
  config: Pick<CliConfig, "json">,
  value: unknown,
  text: string,
): void {
  io.stdout.write(
    config.json ? `${JSON.stringify(value)}\n` : text.endsWith("\n") ? text : `${text}\n`,
  );
}

/**
 * Reads a whole stream, refusing more than `maxBytes` (`invalid_options`, naming `what`).
 *
 * @example
 * const body = await readAllCapped(process.stdin, 10 * 1024 * 1024, "the body on stdin");
 * @throws {AgentMailError} `invalid_options` past the cap.
 */
export async function readAllCapped(
  stream: Readable,
  maxBytes: number,
  what: string,
): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    total += bytes.length;
    if (total > maxBytes) {
      stream.destroy();
      throw new AgentMailError({
        code: "invalid_options",
        message: `${what} is over ${maxBytes} bytes`,
      });
    }
    chunks.push(bytes);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/**
 * An error as JSON for `--json` output: code and message only (both already redacted).
 *
 * @example
 * errorJson(error); // { error: { code: "peer_key_revoked", message: "..." } }
 */
export function errorJson(error: unknown): { error: { code: string; message: string } } {
  if (AgentMailError.is(error)) return { error: { code: error.code, message: error.message } };
  return {
    error: { code: "unexpected", message: error instanceof Error ? error.message : String(error) },
  };
}
