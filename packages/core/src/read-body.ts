import { z } from "zod";
import { concatBytes } from "./bytes.js";
import { AgentMailError } from "./errors.js";
import { AbortSignalSchema } from "./schemas/common.js";
import { parseInput } from "./validate.js";

/** Options of {@link readBodyCapped}. */
export interface ReadBodyOptions {
  /** The most bytes the body may hold; past it the read stops and the body is cancelled. */
  maxBytes: number;
  /** Names the call in the error, e.g. `lookup(bob)`. */
  what: string;
  /**
   * Ends the read when it aborts (a deadline or the caller's signal): the body is cancelled and
   * the signal's reason is thrown, even when the `fetch` in use ignores signals.
   */
  signal?: AbortSignal | undefined;
  /**
   * Past the cap, return the first `maxBytes` instead of failing; the rest is still cancelled,
   * never read. For bodies whose beginning is worth having, such as error bodies (a result of
   * exactly `maxBytes` may have been cut).
   */
  truncate?: boolean | undefined;
}

/** {@link ReadBodyOptions}, checked. @internal */
export const ReadBodyOptionsSchema = z.strictObject({
  maxBytes: z.int().nonnegative(),
  what: z.string(),
  truncate: z.boolean().optional(),
  signal: AbortSignalSchema.optional(),
});

/**
 * Reads a response body under a byte cap and a signal: a peer's answer costs at most `maxBytes`
 * of memory, and a body that trickles ends when `signal` aborts. A `Content-Length` over the cap
 * fails before anything is read. Whenever it fails, the body is cancelled (which closes the
 * connection), so nothing more of it is read.
 *
 * @example
 * const bytes = await readBodyCapped(response, { maxBytes: Limits.jsonResponseBytes, what: "listInbox", signal });
 * @throws {AgentMailError} `response_too_large` (not retryable) past the cap, unless `truncate`; `invalid_options`
 * for malformed options; the signal's reason when it aborts; whatever the body stream errors with.
 */
export async function readBodyCapped(
  response: Response,
  options: ReadBodyOptions,
): Promise<Uint8Array> {
  const { maxBytes, what, signal, truncate } = parseInput(
    ReadBodyOptionsSchema,
    options,
    "readBodyCapped options",
  );
  const tooLarge = () =>
    new AgentMailError({
      code: "response_too_large",
      message: `${what}: the answer is longer than ${maxBytes} bytes; the connection was closed without reading the rest`,
      status: response.status,
    });
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes && !truncate) {
    cancelQuietly(response.body);
    throw tooLarge();
  }
  if (!response.body) return new Uint8Array(0);
  if (signal?.aborted) {
    // Aborted before the first byte: the body still holds the connection, so close it too.
    cancelQuietly(response.body, signal.reason);
    throw signal.reason;
  }
  const reader = response.body.getReader();
  // Only a length within the cap sizes the buffer (with `truncate` a larger one is allowed).
  const collected = new Collected(
    Number.isSafeInteger(declared) && declared <= maxBytes ? declared : undefined,
  );
  let total = 0;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    if (!signal) return;
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  aborted.catch(() => {});
  try {
    for (;;) {
      // The race, not only the fetch's own signal handling: a `fetch` that ignores signals
      // (a custom one, a polyfill) must not let a trickling body outlive the deadline.
      const next = await Promise.race([reader.read(), aborted]);
      if (next.done) break;
      const room = maxBytes - total;
      if (next.value.byteLength > room) {
        if (!truncate) throw tooLarge();
        collected.push(next.value.subarray(0, room));
        total = maxBytes;
        reader.cancel().catch(() => {});
        break;
      }
      total += next.value.byteLength;
      collected.push(next.value);
      if (truncate && total === maxBytes) {
        // Full: whether more would come is not worth another chunk of memory.
        reader.cancel().catch(() => {});
        break;
      }
    }
  } catch (error) {
    // Closes the connection: the rest of an oversized or late body is never read.
    reader.cancel(error).catch(() => {});
    throw error;
  } finally {
    if (onAbort) signal?.removeEventListener("abort", onAbort);
  }
  return collected.bytes();
}

/**
 * The chunks of a body. With a declared length they are copied into one buffer of that size as
 * they come (a large answer is held once, not as chunks and then again joined); a body that
 * turns out longer (a `Content-Length` of compressed bytes, decoded by `fetch`) falls back to
 * keeping chunks.
 */
class Collected {
  private buffer: Uint8Array | undefined;
  private filled = 0;
  private readonly chunks: Uint8Array[] = [];

  constructor(declared: number | undefined) {
    if (declared !== undefined && declared > 0) this.buffer = new Uint8Array(declared);
  }

  push(chunk: Uint8Array): void {
    if (this.buffer && this.filled + chunk.byteLength <= this.buffer.byteLength) {
      this.buffer.set(chunk, this.filled);
      this.filled += chunk.byteLength;
      return;
    }
    if (this.buffer) {
      this.chunks.push(this.buffer.subarray(0, this.filled));
      this.buffer = undefined;
    }
    this.chunks.push(chunk);
  }

  bytes(): Uint8Array {
    if (this.buffer) return this.buffer.subarray(0, this.filled);
    return this.chunks.length === 1 ? (this.chunks[0] as Uint8Array) : concatBytes(...this.chunks);
  }
}

/**
 * {@link readBodyCapped}, decoded as UTF-8 (invalid sequences become U+FFFD).
 *
 * @example
 * const text = await readTextCapped(response, { maxBytes: Limits.errorBodyBytes, what: "send" });
 * @throws {AgentMailError} as {@link readBodyCapped}.
 */
export async function readTextCapped(
  response: Response,
  options: ReadBodyOptions,
): Promise<string> {
  return new TextDecoder().decode(await readBodyCapped(response, options));
}

// Not awaited: cancelling one branch of a cloned (teed) body settles only when the other branch
// is cancelled too. A body already locked cannot be cancelled; that must not hide the real error.
function cancelQuietly(body: ReadableStream<Uint8Array> | null, reason?: unknown): void {
  body?.cancel(reason).catch(() => {});
}
