import { type BackoffOptions, fullJitterDelay } from "../backoff.js";
import { parseInput } from "../validate.js";
import type { RetryClassification, RetryFailure } from "./classification.js";
import { RetryDelayArgumentsSchema } from "./schemas.js";

/**
 * How a call is retried: the budgets, the backoff and which failures count (as data).
 *
 * @example
 * const policy: RetryPolicy = {
 *   retries: 3,
 *   maxElapsedMs: 30_000,
 *   backoff: { baseDelayMs: 300, maxDelayMs: 5_000 },
 *   maxRetryAfterMs: 60_000,
 *   retryOn: { retryableFlag: true },
 * };
 */
export interface RetryPolicy {
  /** Retries after the first attempt (0: none). */
  retries: number;
  /**
   * The time budget of the whole call, attempts and waits, in ms from its start: a retry whose
   * wait would end past it is not made (the last failure is thrown at once). Default: none.
   */
  maxElapsedMs?: number | undefined;
  /** The full-jitter backoff ({@link fullJitterDelay}; default 200 ms doubling to 5 s). */
  backoff?: BackoffOptions | undefined;
  /** The longest `Retry-After` honoured, in ms (default: no cap). */
  maxRetryAfterMs?: number | undefined;
  /**
   * A `Retry-After` past `maxRetryAfterMs`: `stop` (default) throws the failure at once, still
   * retryable and saying so, for the caller to schedule; `cap` waits `maxRetryAfterMs`.
   */
  retryAfterBeyondCap?: "stop" | "cap" | undefined;
  /** Which failures are retried (default: an `AgentMailError` whose `retryable` is true). */
  retryOn?: RetryClassification | undefined;
}

/**
 * The wait before retry number `retry` (from 0): the full-jitter backoff, but never less than the
 * server's `Retry-After`. `undefined` when `Retry-After` is past the cap and the policy says
 * `stop`. Draws one random number whether or not a `Retry-After` is given.
 *
 * @example
 * retryDelay(0, () => 0.5, { retries: 3, backoff: { baseDelayMs: 300 } }); // 150
 * retryDelay(0, () => 0.5, { retries: 3, maxRetryAfterMs: 999 }, 1_000); // undefined
 * @throws {AgentMailError} `invalid_options` for a malformed policy (unknown keys named), a
 * negative or fractional `retry`, or a `retryAfterMs` that is negative or not finite.
 */
export function retryDelay(
  retry: number,
  random: () => number,
  policy: RetryPolicy,
  retryAfterMs?: number,
): number | undefined {
  const checked = parseInput(
    RetryDelayArgumentsSchema,
    { retry, random, policy, retryAfterMs },
    "retryDelay arguments",
  );
  // The cast: `BackoffOptions` writes its keys `?: number`, zod's output `?: number | undefined`;
  // `fullJitterDelay` defaults either.
  return delayFor(
    checked.retry,
    checked.random,
    checked.policy as RetryPolicy,
    checked.retryAfterMs,
  );
}

/**
 * {@link retryDelay} without the check: the engine's door, for a policy it has checked already.
 *
 * @example
 * delayFor(0, runtime.random, checkedPolicy, failure.retryAfterMs);
 * @internal
 */
export function delayFor(
  retry: number,
  random: () => number,
  policy: RetryPolicy,
  retryAfterMs: number | undefined,
): number | undefined {
  const backoff = fullJitterDelay(retry, random, policy.backoff);
  if (retryAfterMs === undefined) return backoff;
  const cap = policy.maxRetryAfterMs ?? Number.POSITIVE_INFINITY;
  if (retryAfterMs <= cap) return Math.max(retryAfterMs, backoff);
  return policy.retryAfterBeyondCap === "cap" ? Math.max(cap, backoff) : undefined;
}

/**
 * Thrown by an attempt to hand the engine a failure it classified itself (the engine's
 * `classify` is then skipped).
 *
 * @example
 * throw new AttemptError({ error, status: response.status, retryAfterMs });
 */
export class AttemptError<F extends RetryFailure = RetryFailure> extends Error {
  constructor(readonly failure: F) {
    super(failure.error instanceof Error ? failure.error.message : String(failure.error));
  }
}

/**
 * What an attempt learns about the attempts before it.
 *
 * @example
 * const run = ({ attempt, earlierAmbiguous }: AttemptContext) => fetchOnce(attempt, earlierAmbiguous);
 */
export interface AttemptContext<F extends RetryFailure = RetryFailure> {
  /** 0 for the first attempt. */
  attempt: number;
  /** The failure of the previous attempt, if any. */
  previous: F | undefined;
  /** Some earlier attempt (not only the previous one) was ambiguous: it may have done the work. */
  earlierAmbiguous: boolean;
}

/**
 * What the attempts of one call did, for the error that ends it (the engine's `finalize`): a
 * call whose last error says "nothing was done" may still have done the work on an earlier one.
 *
 * @example
 * const history: AttemptHistory = { attempts: 2, ambiguous: undefined, ambiguousAttempt: undefined, abortedInFlight: false };
 */
export interface AttemptHistory<F extends RetryFailure = RetryFailure> {
  /** Attempts started. */
  attempts: number;
  /** The first ambiguous failure: its request may have done the work. */
  ambiguous: F | undefined;
  /** Which attempt (from 1) that was. */
  ambiguousAttempt: number | undefined;
  /** The signal fired while an attempt was in flight: it may have done the work. */
  abortedInFlight: boolean;
  /**
   * Why the last failure, which the rules would retry, was not: its wait would end past the
   * time budget, or its `Retry-After` is past the cap. The note the engine appends to an
   * `AgentMailError`'s message; for any other error (which it throws as it is), `finalize`
   * can say it. `undefined` when the call did not end that way.
   */
  notRetriedBecause?: string | undefined;
}
