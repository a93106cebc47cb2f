import { AgentMailError, abortableSleep, fullJitterDelay } from "@assmbl/core";
import type { RetryPolicy } from "./options.js";

/** The clock, randomness and sleep the client uses: real by default, replaced in tests. */
export interface Runtime {
  /** Milliseconds since the epoch (compared with `Retry-After` dates). */
  now(): number;
  /** A number in [0, 1). */
  random(): number;
  /** Resolves after `ms`, or rejects with `aborted` when `signal` fires first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** `Date.now`, `Math.random` and `setTimeout`. */
export const realRuntime: Runtime = {
  now: () => Date.now(),
  random: () => Math.random(),
  sleep: (ms, signal) => abortableSleep(ms, signal, "the request was aborted"),
};

/**
 * The `aborted` error for a signal that fired.
 *
 * @example
 * if (signal?.aborted) throw abortedError(signal);
 */
export function abortedError(signal: AbortSignal, what = "the request"): AgentMailError {
  return new AgentMailError({
    code: "aborted",
    message: `${what} was aborted`,
    cause: signal.reason,
  });
}

/** Delay ceiling of the first retry, in ms; it doubles with every retry up to `backoffLimitMs`. */
export const BASE_DELAY_MS = 300;

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
 * How long to wait before retry number `retry` (from 0): the jittered backoff, but never less
 * than the server's `Retry-After`. `undefined` when the server asks for longer than the policy
 * allows: the caller then gives up rather than block for minutes.
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
  const backoff = backoffDelay(retry, random, policy.backoffLimitMs);
  if (retryAfterMs === undefined) return backoff;
  if (retryAfterMs > policy.maxRetryAfterMs) return undefined;
  return Math.max(retryAfterMs, backoff);
}

function waitTooLong(failure: AttemptFailure, policy: RetryPolicy): AgentMailError {
  const { error } = failure;
  const seconds = Math.ceil((failure.retryAfterMs ?? 0) / 1000);
  return new AgentMailError({
    code: error.code,
    message: `${error.message} (the server asked to retry after ${seconds} s, longer than retry.maxRetryAfterMs ${policy.maxRetryAfterMs} ms allows; not retried)`,
    ...(error.status === undefined ? {} : { status: error.status }),
    body: error.body,
    retryable: true,
    cause: error,
  });
}

/** One failed attempt, classified. */
export interface AttemptFailure {
  error: AgentMailError;
  /** From the response's `Retry-After`, in ms. */
  retryAfterMs?: number | undefined;
  /**
   * The request may have reached the server (a dropped connection, a timeout): a retry may
   * find the work already done.
   */
  ambiguous?: boolean | undefined;
}

/** Thrown by an attempt to hand the retry loop a classified failure. */
export class AttemptError extends Error {
  constructor(readonly failure: AttemptFailure) {
    super(failure.error.message);
  }
}

/** What an attempt learns about the attempts before it. */
export interface AttemptContext {
  /** 0 for the first attempt. */
  attempt: number;
  /** The failure of the previous attempt, if any. */
  previous: AttemptFailure | undefined;
  /**
   * Some earlier attempt (not only the previous one) was ambiguous: it may have done the work
   * even though a later attempt failed plainly (a 503 or a 429 after a dropped answer).
   */
  earlierAmbiguous: boolean;
}

/**
 * What the attempts of one call did, for the error that ends it: a call whose error alone says
 * "nothing was done" (a 503 on the last attempt) may still have done the work on an earlier one.
 *
 * @example
 * const history: AttemptHistory = { attempts: 2, ambiguous: firstFailure, ambiguousAttempt: 1, abortedInFlight: false };
 */
export interface AttemptHistory {
  /** Attempts started. */
  attempts: number;
  /** The first ambiguous failure: its request may have done the work. */
  ambiguous: AttemptFailure | undefined;
  /** Which attempt (from 1) that was. */
  ambiguousAttempt: number | undefined;
  /** The caller aborted while an attempt's request was in flight: it may have done the work. */
  abortedInFlight: boolean;
}

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
 * Runs `attempt` until it succeeds, retrying failures whose error is `retryable` up to
 * `policy.limit` times. `classify` turns anything an attempt throws into an {@link AttemptFailure}.
 * With `replayable: false` (a consumed stream), a retryable failure is not retried. `finalize`
 * sees the error that ends the call (the last failure, `aborted`, or a too-long `Retry-After`)
 * with the {@link AttemptHistory}, and returns the error to throw.
 *
 * @example
 * const body = await withRetries((ctx) => fetchOnce(ctx), { policy, runtime, classify });
 * @throws {AgentMailError} the last failure, or `aborted` (as `finalize` makes them).
 */
export async function withRetries<T>(
  attempt: (context: AttemptContext) => Promise<T>,
  options: WithRetriesOptions,
): Promise<T> {
  const history: AttemptHistory = {
    attempts: 0,
    ambiguous: undefined,
    ambiguousAttempt: undefined,
    abortedInFlight: false,
  };
  try {
    return await retryLoop(attempt, options, history);
  } catch (error) {
    throw options.finalize ? options.finalize(error, history) : error;
  }
}

async function retryLoop<T>(
  attempt: (context: AttemptContext) => Promise<T>,
  options: WithRetriesOptions,
  history: AttemptHistory,
): Promise<T> {
  const { policy, runtime, signal } = options;
  let previous: AttemptFailure | undefined;
  for (let n = 0; ; n++) {
    if (signal?.aborted) throw abortedError(signal);
    try {
      history.attempts = n + 1;
      return await attempt({
        attempt: n,
        previous,
        earlierAmbiguous: history.ambiguous !== undefined,
      });
    } catch (thrown) {
      const failure = thrown instanceof AttemptError ? thrown.failure : options.classify(thrown);
      if (failure.ambiguous === true && history.ambiguous === undefined) {
        history.ambiguous = failure;
        history.ambiguousAttempt = n + 1;
      }
      if (signal?.aborted) {
        history.abortedInFlight = true;
        throw abortedError(signal);
      }
      const canRetry = failure.error.retryable && n < policy.limit && options.replayable !== false;
      const delay = canRetry
        ? retryDelay(n, policy, runtime.random, failure.retryAfterMs)
        : undefined;
      if (delay === undefined) {
        if (canRetry) throw waitTooLong(failure, policy);
        throw failure.error;
      }
      options.onRetry?.(failure, delay);
      await runtime.sleep(delay, signal);
      previous = failure;
    }
  }
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
