// The send budget of an SES transport: a core RateLimiter (`rateLimiter`, possibly shared with
// other transports or processes) or the `maxSendRate` shorthand for an in-process one. Every SES
// attempt acquires from it first, retries included: SES counts every request against
// MaxSendRate, throttled ones too.
import { AgentMailError, localRateLimiter, type RateLimiter, type Runtime } from "@assmbl/core";

/**
 * The limiter a transport's options name: `rateLimiter` as given, `maxSendRate: n` as
 * `localRateLimiter({ maxPerSecond: n })` on the transport's runtime, or none. The options were
 * checked: both are never given together.
 */
export function limiterFrom(
  config: { rateLimiter?: RateLimiter | undefined; maxSendRate?: number | undefined },
  runtime: Runtime,
): RateLimiter | undefined {
  if (config.rateLimiter) return config.rateLimiter;
  if (config.maxSendRate === undefined) return undefined;
  return localRateLimiter({ maxPerSecond: config.maxSendRate, runtime });
}

/** True when `value` has an `acquire` method: what a RateLimiter is checked as. */
export function isRateLimiterLike(value: unknown): value is RateLimiter {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { acquire?: unknown }).acquire === "function"
  );
}

/**
 * Thrown out of an attempt whose wait for the limiter the caller's signal ended: no request of
 * that attempt left. Carries whether an earlier attempt's request may have reached SES, which
 * decides the outcome of the abort.
 */
export class LimiterWaitAborted {
  constructor(
    readonly cause: unknown,
    readonly earlierAmbiguous: boolean,
  ) {}
}

/**
 * Waits for `limiter` before one attempt. The caller's signal ends the wait even when the
 * limiter ignores it (a custom one), and a limiter that resolves after the signal fired does not
 * let the request go. Throws {@link LimiterWaitAborted} when the signal fired; a limiter that
 * fails on its own (its store is down) fails the attempt with `not_sent`.
 */
export async function acquireBeforeAttempt(
  limiter: RateLimiter,
  signal: AbortSignal | undefined,
  earlierAmbiguous: boolean,
  operation: string,
): Promise<void> {
  if (signal?.aborted) throw new LimiterWaitAborted(signal.reason, earlierAmbiguous);
  let onAbort = () => {};
  const fired = signal
    ? new Promise<never>((_, reject) => {
        onAbort = () => reject(new LimiterWaitAborted(signal.reason, earlierAmbiguous));
        signal.addEventListener("abort", onAbort, { once: true });
      })
    : undefined;
  fired?.catch(() => {});
  try {
    const acquired = limiter.acquire(signal ? { signal } : undefined);
    await (fired ? Promise.race([acquired, fired]) : acquired);
  } catch (error) {
    if (error instanceof LimiterWaitAborted) throw error;
    if (signal?.aborted) throw new LimiterWaitAborted(error, earlierAmbiguous);
    throw limiterFailed(error, operation);
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
  if (signal?.aborted) throw new LimiterWaitAborted(signal.reason, earlierAmbiguous);
}

/**
 * A limiter that failed (not aborted): nothing of this attempt left. An `AgentMailError` keeps
 * its code (a limiter's `network_error` is retried like a refused connection); anything else is
 * `transport_failed`, named by its class only: a foreign error's message may hold a store's URL
 * and password. The original is the cause.
 */
function limiterFailed(error: unknown, operation: string): AgentMailError {
  const what = AgentMailError.is(error)
    ? error.message
    : `${error instanceof Error ? error.name : typeof error} (see the cause)`;
  return new AgentMailError({
    code: AgentMailError.is(error) ? error.code : "transport_failed",
    message: `the rate limiter failed before SES ${operation}: ${what}; nothing was sent`,
    outcome: "not_sent",
    retryable: AgentMailError.is(error) ? error.retryable : false,
    cause: error,
  });
}

const AMBIGUOUS_EARLIER =
  "an earlier attempt's request had left, so the message may have been sent";

/**
 * The error of a send whose wait for the limiter was aborted: `not_sent`, unless an earlier
 * attempt's request may have reached SES (a retried timeout); then `unknown`, not retryable.
 */
export function limiterWaitAbortedError(
  thrown: LimiterWaitAborted,
  operation: string,
): AgentMailError {
  if (!thrown.earlierAmbiguous) {
    return new AgentMailError({
      code: "aborted",
      message: "the send was aborted while waiting for the rate limiter; nothing was sent",
      outcome: "not_sent",
      cause: thrown.cause,
    });
  }
  return new AgentMailError({
    code: "aborted",
    message: `the send was aborted while waiting for the rate limiter before a retry of SES ${operation}; ${AMBIGUOUS_EARLIER}`,
    outcome: "unknown",
    retryable: false,
    cause: thrown.cause,
  });
}
