import type { RetryClassification } from "./classification.js";
import type { RetryPolicy } from "./policy.js";

/** First retry's delay ceiling of the SDK's HTTP clients (directory, API client), in ms. */
export const HTTP_RETRY_BASE_DELAY_MS = 300;

/**
 * The retry settings users give an HTTP client of this SDK (`createDirectory({ retry })`,
 * `createAgentMailClient({ retry })`, `apiTransport({ retry })`), already checked by its schema.
 *
 * @example
 * const limits: HttpRetryLimits = { limit: 2, backoffLimitMs: 5_000, maxRetryAfterMs: 60_000 };
 */
export interface HttpRetryLimits {
  /** Retries after the first attempt. */
  limit: number;
  /** Largest backoff delay ceiling, in ms. */
  backoffLimitMs: number;
  /** The longest `Retry-After` honoured, in ms. */
  maxRetryAfterMs: number;
  /** The time budget of a call, in ms from its start (none when absent). */
  maxElapsedMs?: number | undefined;
}

/**
 * The engine policy for an HTTP client's user-facing retry settings: full jitter from
 * {@link HTTP_RETRY_BASE_DELAY_MS} up to `backoffLimitMs`, the time budget, and what the client
 * decides itself: which failures are retried and what a `Retry-After` past the cap does.
 *
 * @example
 * httpRetryPolicy({ limit: 2, backoffLimitMs: 5_000, maxRetryAfterMs: 60_000 }, {
 *   retryOn: { retryableFlag: true },
 *   retryAfterBeyondCap: "stop",
 * }).retries; // 2
 */
export function httpRetryPolicy(
  limits: HttpRetryLimits,
  choices: { retryOn: RetryClassification; retryAfterBeyondCap: "stop" | "cap" },
): RetryPolicy {
  return {
    retries: limits.limit,
    maxElapsedMs: limits.maxElapsedMs,
    backoff: { baseDelayMs: HTTP_RETRY_BASE_DELAY_MS, maxDelayMs: limits.backoffLimitMs },
    maxRetryAfterMs: limits.maxRetryAfterMs,
    retryAfterBeyondCap: choices.retryAfterBeyondCap,
    retryOn: choices.retryOn,
  };
}
