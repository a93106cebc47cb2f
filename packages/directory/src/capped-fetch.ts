import { cancelLateBody, Limits, readBodyCapped, untilAborted } from "@assmbl/core";
import { TimeoutError } from "ky";

/** What one attempt may cost: its deadline, headers and body together, and its body's size. */
export interface AttemptBudget {
  timeoutMs: number;
  /** Cap of a 2xx body; error bodies get `Limits.errorBodyBytes`. */
  maxBytes: number;
  /** Names the call in errors, e.g. `directory lookup of bob`. */
  what: string;
}

// Error responses whose body could not be read whole within its budget, and why. Keyed by the Response
// ky hands back in its HTTPError, so the error mapping can say the body was not read.
const unreadableBodies = new WeakMap<Response, string>();
// The bytes of each error body as read here, for the error mapping to parse: ky reads an
// HTTPError's body itself, decoding it by the charset the peer named, which a hostile or broken
// peer picks; the API's error bodies are UTF-8 JSON whatever the label says.
const errorBodies = new WeakMap<Response, Uint8Array>();

/**
 * An error response's body as read under its cap (its beginning when cut), or `undefined` for a
 * response this module did not read.
 *
 * @example
 * const bytes = errorBodyBytes(httpError.response);
 */
export function errorBodyBytes(response: Response): Uint8Array | undefined {
  return errorBodies.get(response);
}

/**
 * Why an error response's body was not read whole (cut at `Limits.errorBodyBytes`, or late or
 * broken), or `undefined` when it was.
 *
 * @example
 * const why = unreadableBody(httpError.response); // "was cut at 16384 bytes"
 */
export function unreadableBody(response: Response): string | undefined {
  return unreadableBodies.get(response);
}

/**
 * Wraps `fetch` so that one ky attempt is bounded in time and memory: the attempt (headers AND
 * body) ends at `timeoutMs` with ky's `TimeoutError` (so the retry engine and the error mapping
 * treat a trickling body exactly as a late header), and the body is read here under its cap,
 * handing ky a buffered copy. ky's own `timeout` stops at the headers, which is why it is off.
 *
 * Past the cap: `response_too_large`, the body cancelled (the connection closed). An error body
 * is not an error of its own: over `Limits.errorBodyBytes` only its beginning is kept; one that
 * does not arrive in time is dropped; either way the response keeps its status and is marked for
 * {@link unreadableBody}.
 *
 * @example
 * await client.get("public/agents/bob", { fetch: cappedFetch(fetch, { timeoutMs: 10_000, maxBytes: Limits.directoryRecordBytes, what }) });
 * @throws {AgentMailError} `response_too_large` (from core's `readBodyCapped`); ky's `TimeoutError`; the caller's abort reason.
 */
export function cappedFetch(inner: typeof fetch, budget: AttemptBudget): typeof fetch {
  return async (input, init) => {
    const request = input instanceof Request ? input : new Request(input, init);
    // ky puts its signal (the caller's, merged with its own) on the Request it hands over.
    const outer = init?.signal ?? request.signal;
    const deadline = new AbortController();
    const timer = setTimeout(
      () =>
        deadline.abort(
          new DOMException(
            `${budget.what}: no full answer in ${budget.timeoutMs} ms`,
            "TimeoutError",
          ),
        ),
      budget.timeoutMs,
    );
    const signal = AbortSignal.any([outer, deadline.signal]);
    try {
      const response = await untilAborted(
        inner(input, { ...init, signal }),
        signal,
        cancelLateBody,
      );
      return await buffered(response, budget, signal, outer);
    } catch (error) {
      if (deadline.signal.aborted && !outer.aborted) throw new TimeoutError(request);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };
}

async function buffered(
  response: Response,
  budget: AttemptBudget,
  signal: AbortSignal,
  outer: AbortSignal,
): Promise<Response> {
  let bytes: Uint8Array | null = null;
  let unreadable: string | undefined;
  if (response.ok) {
    bytes = await readBodyCapped(response, {
      maxBytes: budget.maxBytes,
      what: budget.what,
      signal,
    });
  } else {
    try {
      // Its beginning is what carries the error code; the rest is never read.
      bytes = await readBodyCapped(response, {
        maxBytes: Limits.errorBodyBytes,
        what: budget.what,
        signal,
        truncate: true,
      });
      if (bytes.byteLength === Limits.errorBodyBytes)
        unreadable = `was cut at ${Limits.errorBodyBytes} bytes`;
    } catch (error) {
      // The status already says what went wrong; a body too slow to arrive adds nothing worth
      // waiting for. Only the caller's abort stops the call.
      if (outer.aborted) throw error;
      unreadable = "did not arrive in time or broke off";
    }
  }
  const headers = new Headers(response.headers);
  // The copy holds the decoded bytes: the wire's length and encoding no longer describe it.
  for (const name of ["content-length", "content-encoding", "transfer-encoding"])
    headers.delete(name);
  // A stream's chunks are typed over ArrayBufferLike; they are plain ArrayBuffer views here.
  const body = NULL_BODY_STATUSES.has(response.status) ? null : (bytes as Uint8Array<ArrayBuffer>);
  const copy = new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
  if (unreadable) unreadableBodies.set(copy, unreadable);
  if (!response.ok && bytes) errorBodies.set(copy, bytes);
  return copy;
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);
