import { z } from "zod";
import { AbortSignalSchema } from "../schemas/common.js";
import type { RetryClassification, RetryFailure } from "./classification.js";
import type { AttemptContext, AttemptHistory, RetryPolicy } from "./policy.js";
import type { Runtime } from "./runtime.js";

// The retry engine's inputs, checked at its public doors (runWithRetries, retryDelay,
// isRetryableFailure). A duration is a finite number of ms, never negative: zod's number rejects
// NaN and Infinity, which would otherwise turn every comparison with a budget into `false`.

const isFunction = (value: unknown) => typeof value === "function";
const fn = <T>(what: string) => z.custom<T>(isFunction, `expected ${what}`);
const durationMs = z.number().nonnegative();

/**
 * Core's `BackoffOptions`, checked.
 *
 * @example
 * parseInput(BackoffOptionsSchema, { baseDelayMs: 300 }, "backoff");
 * @internal
 */
export const BackoffOptionsSchema = z.strictObject({
  baseDelayMs: durationMs.optional(),
  maxDelayMs: durationMs.optional(),
});

/**
 * {@link RetryClassification}, checked: unknown rules are rejected by name (a misspelt
 * `statusses` would otherwise retry nothing, silently).
 *
 * @example
 * parseInput(RetryClassificationSchema, { statuses: [429, 503], network: "any" }, "retryOn");
 */
export const RetryClassificationSchema = z.strictObject({
  retryableFlag: z.boolean().optional(),
  codes: z.array(z.string()).readonly().optional(),
  statuses: z.array(z.int().min(100).max(599)).readonly().optional(),
  timeouts: z.boolean().optional(),
  network: z.enum(["any", "not_sent"]).optional(),
  ambiguous: z.enum(["by_rules", "never", "always"]).optional(),
  neverCodes: z.array(z.string()).readonly().optional(),
});

/**
 * {@link RetryPolicy}, checked: `retries` a whole number from 0, every duration a finite
 * number of ms from 0.
 *
 * @example
 * parseInput(RetryPolicySchema, { retries: 2, maxElapsedMs: 10_000 }, "retry policy");
 */
export const RetryPolicySchema = z.strictObject({
  retries: z.int().nonnegative(),
  maxElapsedMs: durationMs.optional(),
  backoff: BackoffOptionsSchema.optional(),
  maxRetryAfterMs: durationMs.optional(),
  retryAfterBeyondCap: z.enum(["stop", "cap"]).optional(),
  retryOn: RetryClassificationSchema.optional(),
});

/**
 * {@link RetryFailure}, checked (`isRetryableFailure`'s first argument). `error` is anything a
 * call can throw.
 *
 * @example
 * parseInput(RetryFailureSchema, { error, status: 503 }, "failure");
 */
export const RetryFailureSchema = z.strictObject({
  error: z.unknown(),
  status: z.int().min(100).max(599).optional(),
  retryAfterMs: durationMs.optional(),
  ambiguous: z.boolean().optional(),
});

/**
 * A {@link Runtime}: any object with `now`, `random` and `sleep` methods (a test's fake may
 * carry more, such as the sleeps it saw).
 *
 * @example
 * parseInput(RuntimeSchema, realRuntime, "runtime");
 */
export const RuntimeSchema = z.custom<Runtime>(
  (value) =>
    typeof value === "object" &&
    value !== null &&
    ["now", "random", "sleep"].every((key) => isFunction((value as Record<string, unknown>)[key])),
  "expected a Runtime with now, random and sleep methods",
);

/**
 * `runWithRetries`'s options, checked (the functions by type only: what they return is the
 * caller's).
 *
 * @example
 * parseInput(RunWithRetriesOptionsSchema, { policy: { retries: 2 } }, "runWithRetries options");
 */
export const RunWithRetriesOptionsSchema = z.strictObject({
  policy: RetryPolicySchema,
  runtime: RuntimeSchema.optional(),
  signal: AbortSignalSchema.optional(),
  classify: fn<(thrown: unknown, context: AttemptContext<RetryFailure>) => RetryFailure>(
    "a function (thrown, context) => failure",
  ).optional(),
  replayable: z.boolean().optional(),
  pace: fn<() => number>("a function returning milliseconds").optional(),
  aborted: fn<(signal: AbortSignal, inFlight: boolean, thrown?: unknown) => unknown>(
    "a function (signal, inFlight, thrown) => error",
  ).optional(),
  onRetry: fn<
    (failure: RetryFailure, delayMs: number, context: AttemptContext<RetryFailure>) => void
  >("a function (failure, delayMs, context) => void").optional(),
  finalize: fn<(error: unknown, history: AttemptHistory<RetryFailure>) => unknown>(
    "a function (error, history) => error",
  ).optional(),
});

/**
 * `retryDelay`'s arguments, checked (by name, as one object).
 *
 * @example
 * parseInput(RetryDelayArgumentsSchema, { retry: 0, random: Math.random, policy }, "retryDelay");
 */
export const RetryDelayArgumentsSchema = z.strictObject({
  retry: z.int().nonnegative(),
  random: fn<() => number>("a function returning a number in [0, 1)"),
  policy: RetryPolicySchema,
  retryAfterMs: durationMs.optional(),
});

/**
 * `abortedError`'s arguments, checked.
 *
 * @example
 * parseInput(AbortedErrorArgumentsSchema, { signal, what: "the read" }, "abortedError arguments");
 */
export const AbortedErrorArgumentsSchema = z.strictObject({
  signal: AbortSignalSchema,
  what: z.string().min(1),
});
