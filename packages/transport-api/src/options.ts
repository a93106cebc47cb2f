import { AbortSignalSchema, ApiBaseUrlSchema, ApiTokenSchema } from "@assmbl/core";
import { z } from "zod";

const isFunction = (value: unknown) => typeof value === "function";

/**
 * How failed requests are retried: 429, 5xx, timeouts and network errors, with full-jitter
 * exponential backoff, waiting at least what a `Retry-After` header asks for.
 *
 * @example
 * const retry: RetryOptions = { limit: 5, backoffLimitMs: 2_000, maxRetryAfterMs: 10_000, maxElapsedMs: 20_000 };
 */
export interface RetryOptions {
  /** Retries after the first attempt (default 3; 0 turns retrying off). */
  limit?: number | undefined;
  /** The largest backoff between two attempts, in ms (default 5000; at most 2^31 - 1). */
  backoffLimitMs?: number | undefined;
  /**
   * The longest `Retry-After` the client waits, in ms (default 60000; at most 2^31 - 1). A server that asks for
   * more gets the error back at once (`retryable: true`), so the caller can schedule the retry.
   */
  maxRetryAfterMs?: number | undefined;
  /**
   * The time a call may spend in all, attempts and the waits between them, in ms from its start
   * (default: none, `limit` alone bounds it). A retry whose wait would end past it is not made:
   * the last error is thrown at once, its message saying so. It does not cut an attempt short
   * (`timeoutMs` does).
   */
  maxElapsedMs?: number | undefined;
}

/** The longest delay `setTimeout` honours (2^31 - 1 ms); a larger one fires after 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;

/** The retry policy when none is given. */
export const RETRY_DEFAULTS = { limit: 3, backoffLimitMs: 5_000, maxRetryAfterMs: 60_000 } as const;

/** {@link RetryOptions}, strict, defaults filled in. */
export const RetryOptionsSchema = z
  .strictObject({
    limit: z.int().min(0).max(100).default(RETRY_DEFAULTS.limit),
    backoffLimitMs: z.int().nonnegative().max(MAX_TIMER_MS).default(RETRY_DEFAULTS.backoffLimitMs),
    maxRetryAfterMs: z
      .int()
      .nonnegative()
      .max(MAX_TIMER_MS)
      .default(RETRY_DEFAULTS.maxRetryAfterMs),
    maxElapsedMs: z.int().nonnegative().optional(),
  })
  .default(RETRY_DEFAULTS);

/** A parsed retry policy, every field set. */
export type RetryPolicy = z.output<typeof RetryOptionsSchema>;

/** The options every entry point that talks to the platform shares. */
export const ConnectionOptionsShape = {
  baseUrl: ApiBaseUrlSchema,
  token: ApiTokenSchema,
  fetch: z.custom<typeof fetch>(isFunction, "expected a fetch function").optional(),
  retry: RetryOptionsSchema,
  timeoutMs: z.int().positive().max(MAX_TIMER_MS).default(30_000),
};

/** Options of one call that only takes a signal. */
export const SignalOptionsSchema = z
  .strictObject({
    signal: AbortSignalSchema.optional(),
  })
  .optional();

/** A zod check for a callback option, naming what is expected. */
export const functionSchema = <T>(what: string) => z.custom<T>(isFunction, `expected ${what}`);
