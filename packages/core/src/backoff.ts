import { AgentMailError } from "./errors.js";

/**
 * Backoff shape of {@link fullJitterDelay}.
 *
 * @example
 * const backoff: BackoffOptions = { baseDelayMs: 300, maxDelayMs: 5_000 };
 */
export interface BackoffOptions {
  /** Delay ceiling of the first retry, in ms (default 200); it doubles with every retry. */
  baseDelayMs?: number;
  /** Largest delay ceiling, in ms (default 5000). */
  maxDelayMs?: number;
}

/**
 * "Full jitter" exponential backoff: a delay drawn uniformly from
 * `[0, min(maxDelayMs, baseDelayMs * 2^retry))`, so clients that failed together spread out
 * instead of retrying in step. Pure: the randomness is a parameter. `retry` counts from 0.
 * Every transport that retries uses this one formula.
 *
 * @example
 * fullJitterDelay(0, Math.random); // 0..200 ms before the first retry
 * fullJitterDelay(3, () => 0.5); // 800: half of min(5000, 200 * 8)
 */
export function fullJitterDelay(
  retry: number,
  random: () => number,
  { baseDelayMs = 200, maxDelayMs = 5000 }: BackoffOptions = {},
): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, retry));
  return Math.floor(random() * ceiling);
}

/**
 * Reads a `Retry-After` header (RFC 9110: delay seconds or an HTTP date) as milliseconds from
 * `nowMs`; `undefined` when absent or unreadable. A date in the past means "now" (0).
 *
 * @example
 * parseRetryAfter("2", Date.now()); // 2000
 * parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", Date.parse("Wed, 21 Oct 2015 07:27:00 GMT")); // 60000
 */
export function parseRetryAfter(
  value: string | null | undefined,
  nowMs: number,
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Only an IMF-fixdate (or its obsolete forms) is a date here, not any string Date.parse takes.
  if (!/^[A-Za-z]{3},? /.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/**
 * Resolves after `ms`, or rejects with an `aborted` {@link AgentMailError} (carrying
 * `abortMessage` and the signal's reason) as soon as `signal` fires, also when it already has.
 *
 * @example
 * await abortableSleep(fullJitterDelay(attempt, Math.random), signal, "the send was aborted; nothing was sent");
 * @throws {AgentMailError} `aborted`.
 */
export function abortableSleep(
  ms: number,
  signal?: AbortSignal,
  abortMessage = "the operation was aborted",
): Promise<void> {
  const aborted = (s: AbortSignal) =>
    new AgentMailError({ code: "aborted", message: abortMessage, cause: s.reason });
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(aborted(signal));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(aborted(signal as AbortSignal));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
