import {
  type AgentMailError,
  abortedError,
  type AttemptContext as CoreAttemptContext,
  type AttemptHistory as CoreAttemptHistory,
  type RetryPolicy as EnginePolicy,
  retryDelay as engineDelay,
  fullJitterDelay,
  HTTP_RETRY_BASE_DELAY_MS,
  httpRetryPolicy,
  type RetryFailure,
  type Runtime,
  runRetries,
} from "@assmbl/core";
import type { RetryPolicy } from "./options.js";

/** Delay ceiling of the first retry, in ms; it doubles with every retry up to `backoffLimitMs`. */
export const BASE_DELAY_MS = HTTP_RETRY_BASE_DELAY_MS;

/**
 * The engine policy of the client's {@link RetryPolicy}: `limit` retries, full jitter from
 * {@link BASE_DELAY_MS} up to `backoffLimitMs`, a `Retry-After` past `maxRetryAfterMs` given
 * back at once (still retryable), no retry whose wait would end past `maxElapsedMs`, and every
 * failure whose error says `retryable` retried.
 *
 * @example
 * enginePolicy({ limit: 3, backoffLimitMs: 5000, maxRetryAfterMs: 60000 }).retries; // 3
 */
export function enginePolicy(policy: RetryPolicy): EnginePolicy {
  return httpRetryPolicy(policy, { retryOn: { retryableFlag: true }, retryAfterBeyondCap: "stop" });
}

/**
 * The backoff of retry number `retry` (from 0): core's full-jitter delay, its ceiling starting at
 * {@link BASE_DELAY_MS} and capped at `backoffLimitMs`.
 *
 * @example
 * backoffDelay(0, () => 0.5, 5000); // 150
 * backoffDelay(10, () => 0.5, 5000); // 2500: the ceiling is capped at 5000
 */
export function backoffDelay(retry: number, random: () => number, backoffLimitMs: number): number {
  return fullJitterDelay(retry, random, { baseDelayMs: BASE_DELAY_MS, maxDelayMs: backoffLimitMs });
}

/**
 * How long to wait before retry number `retry` (from 0): core's `retryDelay` under
 * {@link enginePolicy}. `undefined` when the server asks for longer than the policy allows: the
 * caller then gives up rather than block for minutes.
 *
 * @example
 * retryDelay(0, { limit: 3, backoffLimitMs: 5000, maxRetryAfterMs: 60000 }, () => 0.5, 1000); // 1000
 */
export function retryDelay(
  retry: number,
  policy: RetryPolicy,
  random: () => number,
  retryAfterMs?: number,
): number | undefined {
  return engineDelay(retry, random, enginePolicy(policy), retryAfterMs);
}

/**
 * One failed attempt, classified: core's `RetryFailure` whose error is an `AgentMailError`.
 *
 * @example
 * const failure: AttemptFailure = { error, retryAfterMs: 2_000, ambiguous: true };
 */
export type AttemptFailure = RetryFailure<AgentMailError>;

/**
 * What an attempt learns about the attempts before it (core's `AttemptContext`).
 *
 * @example
 * const run = ({ earlierAmbiguous }: AttemptContext) => deleteOnce(earlierAmbiguous);
 */
export type AttemptContext = CoreAttemptContext<AttemptFailure>;

/**
 * What the attempts of one call did, for the error that ends it (core's `AttemptHistory`).
 *
 * @example
 * const history: AttemptHistory = { attempts: 2, ambiguous: firstFailure, ambiguousAttempt: 1, abortedInFlight: false };
 */
export type AttemptHistory = CoreAttemptHistory<AttemptFailure>;

/** Options of {@link withRetries}. */
export interface WithRetriesOptions {
  policy: RetryPolicy;
  runtime: Runtime;
  classify: (error: unknown) => AttemptFailure;
  signal?: AbortSignal | undefined;
  replayable?: boolean | undefined;
  /** Called with each failure that is about to be retried, and the wait before the retry. */
  onRetry?: ((failure: AttemptFailure, delayMs: number) => void) | undefined;
  /** Turns the error that ends the call into the one thrown, knowing every attempt. */
  finalize?: ((error: unknown, history: AttemptHistory) => unknown) | undefined;
}

/**
 * Runs `attempt` with core's retry engine under {@link enginePolicy}: failures whose error is
 * `retryable` are retried up to `policy.limit` times. `classify` turns anything an attempt
 * throws into an {@link AttemptFailure}. With `replayable: false` (a consumed stream), a
 * retryable failure is not retried. `finalize` sees the error that ends the call (the last
 * failure, `aborted`, or a too-long `Retry-After`) with the {@link AttemptHistory}, and returns
 * the error to throw.
 *
 * @example
 * const body = await withRetries((ctx) => fetchOnce(ctx), { policy, runtime, classify });
 * @throws {AgentMailError} the last failure, or `aborted` (as `finalize` makes them).
 */
export function withRetries<T>(
  attempt: (context: AttemptContext) => Promise<T>,
  options: WithRetriesOptions,
): Promise<T> {
  const { onRetry } = options;
  // The unchecked door: the policy came through RetryOptionsSchema when the client was made, and
  // the check would cost every request ~3 µs (packages/core/bench/retry-validation.mjs).
  return runRetries<T, AttemptFailure>(attempt, {
    policy: enginePolicy(options.policy),
    runtime: options.runtime,
    signal: options.signal,
    replayable: options.replayable,
    classify: (thrown) => options.classify(thrown),
    aborted: (signal) => abortedError(signal),
    onRetry: onRetry ? (failure, delayMs) => onRetry(failure, delayMs) : undefined,
    finalize: options.finalize,
  });
}

/** The deadline of one attempt; see {@link attemptDeadline}. */
export interface AttemptDeadline {
  /** Aborts when the caller's signal does, or when the attempt's time is up. */
  readonly signal: AbortSignal;
  /** The time ran out (not the caller's abort). */
  timedOut(): boolean;
  /** A `TimeoutError` DOMException: `failureFromThrown` maps it to a retryable `timeout`. */
  readonly reason: DOMException;
  /** Stops the timer; call it when the attempt is over, body read included. */
  clear(): void;
}

/**
 * A deadline for one whole attempt, headers and body: its signal goes to `fetch` and to the body
 * read, so a peer that trickles its answer cannot hold a call past `timeoutMs` (ky's `timeout`
 * ends at the headers). Each retry gets a fresh one.
 *
 * @example
 * const deadline = attemptDeadline(signal, 30_000, "listInbox");
 * try { return await readBodyCapped(await fetch(url, { signal: deadline.signal }), { maxBytes, what, signal: deadline.signal }); }
 * finally { deadline.clear(); }
 */
export function attemptDeadline(
  callerSignal: AbortSignal | undefined,
  timeoutMs: number,
  what: string,
): AttemptDeadline {
  const reason = new DOMException(`${what}: no full answer within ${timeoutMs} ms`, "TimeoutError");
  const timer = new AbortController();
  const handle = setTimeout(() => timer.abort(reason), timeoutMs);
  return {
    signal: callerSignal ? AbortSignal.any([callerSignal, timer.signal]) : timer.signal,
    timedOut: () => timer.signal.aborted,
    reason,
    clear: () => clearTimeout(handle),
  };
}
