import { AgentMailError } from "../errors.js";
import { parseInput } from "../validate.js";
import { matchesClassification, type RetryFailure } from "./classification.js";
import {
  type AttemptContext,
  AttemptError,
  type AttemptHistory,
  delayFor,
  type RetryPolicy,
} from "./policy.js";
import { abortedError, type Runtime, realRuntime } from "./runtime.js";
import { RunWithRetriesOptionsSchema } from "./schemas.js";

/**
 * Options of {@link runWithRetries}.
 *
 * @example
 * const options: RunWithRetriesOptions = { policy: { retries: 2 }, signal };
 */
export interface RunWithRetriesOptions<F extends RetryFailure = RetryFailure> {
  policy: RetryPolicy;
  /** Clock, randomness and sleep (default {@link realRuntime}). */
  runtime?: Runtime | undefined;
  signal?: AbortSignal | undefined;
  /** Turns what an attempt threw into a failure (default: `{ error: thrown }`). */
  classify?: ((thrown: unknown, context: AttemptContext<F>) => F) | undefined;
  /** `false`: nothing is retried (the request's body was a stream, now consumed). */
  replayable?: boolean | undefined;
  /** Milliseconds to wait before each attempt, the first included (a rate limiter's reservation). */
  pace?: (() => number) | undefined;
  /**
   * The error thrown when `signal` fires: before an attempt or during a wait (`inFlight` false),
   * or while an attempt ran (`inFlight` true, `thrown` what it threw). Default: `abortedError`.
   */
  aborted?: ((signal: AbortSignal, inFlight: boolean, thrown?: unknown) => unknown) | undefined;
  /** Called with each failure about to be retried and the wait before the retry. */
  onRetry?: ((failure: F, delayMs: number, context: AttemptContext<F>) => void) | undefined;
  /** Turns the error that ends the call into the one thrown, knowing every attempt. */
  finalize?: ((error: unknown, history: AttemptHistory<F>) => unknown) | undefined;
}

/**
 * Runs `attempt` until it succeeds or the policy says stop: the one retry loop of the SDK.
 * A failure is retried when `policy.retryOn` says so (see `isRetryableFailure`), the call is
 * `replayable`, retries are left, the server's `Retry-After` is within its cap, and the wait ends
 * within the time budget. Waits are full jitter (`fullJitterDelay`), never shorter than
 * `Retry-After`. The signal is checked before each attempt and ends a wait at once, even when the
 * runtime's `sleep` does not watch it. `finalize` sees the error that ends the call with the
 * {@link AttemptHistory} and returns the error to throw.
 *
 * @example
 * const body = await runWithRetries(
 *   async () => {
 *     const response = await fetch(url, { signal });
 *     if (!response.ok) throw new AttemptError({ error: new Error(`${response.status}`), status: response.status });
 *     return response.text();
 *   },
 *   { policy: { retries: 2, retryOn: { statuses: [429, 503], network: "any" } }, signal },
 * );
 * @throws {AgentMailError} `invalid_options` (before any attempt) for malformed options: an
 * unknown key (named), negative or fractional `retries`, a budget that is negative or not
 * finite, a function option that is not one. Otherwise the last failure's error, `aborted`, or
 * (as `finalize` makes them) any error.
 */
export async function runWithRetries<T, F extends RetryFailure = RetryFailure>(
  attempt: (context: AttemptContext<F>) => Promise<T>,
  options: RunWithRetriesOptions<F>,
): Promise<T> {
  if (typeof attempt !== "function") {
    throw new AgentMailError({
      code: "invalid_options",
      message: "runWithRetries: attempt is invalid (expected a function)",
    });
  }
  const checked = parseInput(RunWithRetriesOptionsSchema, options, "runWithRetries options");
  return runRetries(attempt, checked as RunWithRetriesOptions<F>);
}

/**
 * {@link runWithRetries} without the check of its options: the same loop, for the SDK's own
 * packages, which build the options from settings their own schemas checked when the client was
 * created and call the engine once per request (see `bench/retry-validation.mjs` for what the
 * check costs). Pass only options built that way; anything else goes through `runWithRetries`.
 *
 * @example
 * const policy = parseInput(RetryPolicySchema, settings, "retry"); // once, when the client is made
 * const body = await runRetries(attempt, { policy, signal }); // per request
 * @internal
 */
export async function runRetries<T, F extends RetryFailure = RetryFailure>(
  attempt: (context: AttemptContext<F>) => Promise<T>,
  options: RunWithRetriesOptions<F>,
): Promise<T> {
  const history: AttemptHistory<F> = {
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

async function retryLoop<T, F extends RetryFailure>(
  attempt: (context: AttemptContext<F>) => Promise<T>,
  options: RunWithRetriesOptions<F>,
  history: AttemptHistory<F>,
): Promise<T> {
  const { policy, signal } = options;
  const runtime = options.runtime ?? realRuntime;
  const aborted = (s: AbortSignal, inFlight: boolean, thrown?: unknown) =>
    options.aborted ? options.aborted(s, inFlight, thrown) : abortedError(s);
  const wait = (ms: number) => sleepUnlessAborted(runtime, ms, signal, aborted);
  const start = runtime.now();
  let previous: F | undefined;
  for (let n = 0; ; n++) {
    if (signal?.aborted) throw aborted(signal, false);
    const paced = options.pace?.() ?? 0;
    if (paced > 0) {
      await wait(paced);
      if (signal?.aborted) throw aborted(signal, false);
    }
    const context = { attempt: n, previous, earlierAmbiguous: history.ambiguous !== undefined };
    try {
      history.attempts = n + 1;
      return await attempt(context);
    } catch (thrown) {
      const failure =
        thrown instanceof AttemptError
          ? (thrown.failure as F)
          : options.classify
            ? options.classify(thrown, context)
            : ({ error: thrown } as F);
      if (failure.ambiguous === true && history.ambiguous === undefined) {
        history.ambiguous = failure;
        history.ambiguousAttempt = n + 1;
      }
      if (signal?.aborted) {
        history.abortedInFlight = true;
        throw aborted(signal, true, thrown);
      }
      const canRetry =
        n < policy.retries &&
        options.replayable !== false &&
        matchesClassification(failure, policy.retryOn);
      if (!canRetry) throw failure.error;
      const delay = delayFor(n, runtime.random, policy, failure.retryAfterMs);
      if (delay === undefined) {
        history.notRetriedBecause = retryAfterNote(failure, policy);
        throw annotate(failure.error, history.notRetriedBecause, true);
      }
      const budget = policy.maxElapsedMs ?? Number.POSITIVE_INFINITY;
      if (runtime.now() - start + delay > budget) {
        history.notRetriedBecause = `a retry after ${delay} ms would end past the time budget of ${budget} ms; not retried`;
        throw annotate(failure.error, history.notRetriedBecause);
      }
      options.onRetry?.(failure, delay, context);
      await wait(delay);
      previous = failure;
    }
  }
}

/** `runtime.sleep`, raced against the signal so that a sleep that ignores it cannot hold the call. */
async function sleepUnlessAborted(
  runtime: Runtime,
  ms: number,
  signal: AbortSignal | undefined,
  aborted: (signal: AbortSignal, inFlight: boolean) => unknown,
): Promise<void> {
  if (!signal) return runtime.sleep(ms);
  if (signal.aborted) throw aborted(signal, false);
  let onAbort = () => {};
  const fired = new Promise<never>((_, reject) => {
    onAbort = () => reject(aborted(signal, false));
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    await Promise.race([runtime.sleep(ms, signal).catch(rethrowUnlessAborted(signal)), fired]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

// A sleep that rejects because the signal fired loses to `fired`, which rejects with the caller's error.
const rethrowUnlessAborted = (signal: AbortSignal) => (error: unknown) => {
  if (signal.aborted) return new Promise<never>(() => {});
  throw error;
};

function retryAfterNote(failure: RetryFailure, policy: RetryPolicy): string {
  const seconds = Math.ceil((failure.retryAfterMs ?? 0) / 1000);
  return `the server asked to retry after ${seconds} s, longer than retry.maxRetryAfterMs ${policy.maxRetryAfterMs} ms allows; not retried`;
}

/** A copy of an `AgentMailError` with `note` appended to its message; anything else as it is. */
function annotate(error: unknown, note: string, retryable?: boolean): unknown {
  if (!AgentMailError.is(error)) return error;
  return new AgentMailError({
    code: error.code,
    message: `${error.message} (${note})`,
    ...(error.status === undefined ? {} : { status: error.status }),
    body: error.body,
    retryable: retryable ?? error.retryable,
    ...(error.outcome === undefined ? {} : { outcome: error.outcome }),
    ...(error.idempotencyKey === undefined ? {} : { idempotencyKey: error.idempotencyKey }),
    cause: error,
  });
}
