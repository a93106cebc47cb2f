import {
  AgentMailError,
  AttemptError,
  httpRetryPolicy,
  parseRetryAfter,
  ResponseHeaders,
  type RetryClassification,
  type RetryPolicy,
  type Runtime,
  runRetries,
} from "@assmbl/core";

/**
 * The directory's retry options, as `createDirectory` parsed them.
 *
 * @example
 * const retry: DirectoryRetry = { limit: 2, backoffLimitMs: 5_000, maxRetryAfterMs: 30_000, maxElapsedMs: 20_000 };
 */
export interface DirectoryRetry {
  limit: number;
  backoffLimitMs: number;
  maxRetryAfterMs: number;
  /** The time budget of one call, attempts and waits (none: `limit` alone bounds it). */
  maxElapsedMs?: number | undefined;
}

/**
 * Which directory failures are retried (GETs only; see {@link retryingFetch}): 408, 429 and the
 * 5xx a proxy or an overloaded server answers, timeouts, network failures (core's
 * `networkFailure`), and an `AgentMailError` that says it is retryable. Not 501 or 505 (a retry
 * gets the same answer), not `response_too_large` (an answer over its cap would be as large
 * again), not a 4xx.
 *
 * @example
 * DIRECTORY_RETRY_ON.statuses?.includes(503); // true
 */
export const DIRECTORY_RETRY_ON: RetryClassification = Object.freeze({
  retryableFlag: true,
  statuses: Object.freeze([408, 429, 500, 502, 503, 504]),
  timeouts: true,
  network: "any",
});

/**
 * The engine policy of the directory's `retry` option: `limit` retries, core's full jitter from
 * 300 ms (`HTTP_RETRY_BASE_DELAY_MS`) up to `backoffLimitMs`, and a `Retry-After` longer than `maxRetryAfterMs` waited for
 * `maxRetryAfterMs` (`cap`: a lookup is worth one more try, as ky's `maxRetryAfter` did), and no
 * retry whose wait would end past `maxElapsedMs`.
 *
 * @example
 * directoryRetryPolicy({ limit: 2, backoffLimitMs: 5_000, maxRetryAfterMs: 30_000 }).retries; // 2
 */
export function directoryRetryPolicy(retry: DirectoryRetry): RetryPolicy {
  return httpRetryPolicy(retry, { retryOn: DIRECTORY_RETRY_ON, retryAfterBeyondCap: "cap" });
}

/** An answer that is not 2xx, handed back to ky (which makes it an `HTTPError`) when no retry is left. */
class ErrorAnswer {
  constructor(readonly response: Response) {}
}

// Why the engine did not retry a failure it would have (the time budget), keyed by the answer
// handed back to ky or the error thrown: the engine can only write it into an `AgentMailError`'s
// message, and these reach `toAgentMailError` as ky's `HTTPError` or the fetch's own error.
const notRetried = new WeakMap<object, string>();

/**
 * Why the call that ended with `failure` (an answer's `Response` or a thrown error) was not
 * retried although its failure was retryable, e.g. "a retry after 800 ms would end past the
 * time budget of 2000 ms; not retried"; `undefined` when it ended otherwise.
 *
 * @example
 * const why = notRetriedBecause(httpError.response);
 */
export function notRetriedBecause(failure: unknown): string | undefined {
  return typeof failure === "object" && failure !== null ? notRetried.get(failure) : undefined;
}

/**
 * Wraps one attempt's `fetch` (see `cappedFetch`) in core's retry engine, so the ky instance
 * keeps `retry: 0` and every wait follows core's one formula and classification
 * ({@link DIRECTORY_RETRY_ON}). Only a GET is retried (a POST's body is not replayed, and
 * register/revoke are not idempotent). A non-2xx answer is a failure with its status and
 * `Retry-After`; when no retry is left the last answer goes back to ky as it came. The caller's
 * abort (before an attempt, during one, or during a wait) ends the call with `aborted`.
 *
 * @example
 * const client = ky.create({ retry: 0, fetch: retryingFetch(cappedFetch(fetch, budget), { policy, runtime, what }) });
 * @throws {AgentMailError} `aborted`; what the last attempt threw.
 */
export function retryingFetch(
  attemptFetch: typeof fetch,
  options: { policy: RetryPolicy; runtime: Runtime; what: string },
): typeof fetch {
  const { policy, runtime, what } = options;
  return async (input, init) => {
    const request = input instanceof Request ? input : undefined;
    const method = (init?.method ?? request?.method ?? "GET").toUpperCase();
    const signal = init?.signal ?? request?.signal ?? undefined;
    try {
      // The unchecked door: the policy comes from createDirectory's checked options, and the
      // check would cost every request ~3 µs (packages/core/bench/retry-validation.mjs).
      return await runRetries(
        async () => {
          // Only a GET is sent again, and it has no body to consume: the same request serves.
          const response = await attemptFetch(input, init);
          if (response.ok) return response;
          throw new AttemptError({
            error: new ErrorAnswer(response),
            status: response.status,
            retryAfterMs: parseRetryAfter(
              response.headers.get(ResponseHeaders.retryAfter),
              runtime.now(),
            ),
          });
        },
        {
          policy,
          runtime,
          signal,
          replayable: method === "GET",
          aborted: (fired) =>
            new AgentMailError({
              code: "aborted",
              message: `${what}: aborted`,
              cause: fired.reason,
            }),
          finalize: (error, history) => {
            const key = error instanceof ErrorAnswer ? error.response : error;
            if (history.notRetriedBecause && typeof key === "object" && key !== null) {
              notRetried.set(key, history.notRetriedBecause);
            }
            return error;
          },
        },
      );
    } catch (error) {
      if (error instanceof ErrorAnswer) return error.response;
      throw error;
    }
  };
}
