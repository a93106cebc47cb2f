import { abortableSleep } from "../backoff.js";
import { AgentMailError } from "../errors.js";
import { parseInput } from "../validate.js";
import { AbortedErrorArgumentsSchema } from "./schemas.js";

/**
 * The clock, randomness and sleep a retrying call uses: {@link realRuntime} by default, a fake in
 * tests (a clock that moves only when the code sleeps, seeded randomness). One interface for every
 * package that waits: the retry engine, the API client, the SES transport and its rate limiter.
 *
 * @example
 * const fake: Runtime = { now: () => 0, random: () => 0.5, sleep: async () => {} };
 */
export interface Runtime {
  /** Milliseconds since the epoch (compared with `Retry-After` dates and the time budget). */
  now(): number;
  /** A number in [0, 1): the jitter of each backoff. */
  random(): number;
  /** Resolves after `ms`, or rejects (with `aborted`) as soon as `signal` fires. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * `Date.now`, `Math.random` and a `setTimeout` that the signal ends ({@link abortableSleep}, with
 * the message of {@link abortedError}: "the request was aborted").
 *
 * @example
 * await realRuntime.sleep(fullJitterDelay(0, realRuntime.random), signal);
 */
export const realRuntime: Runtime = {
  now: () => Date.now(),
  random: () => Math.random(),
  sleep: (ms, signal) => abortableSleep(ms, signal, "the request was aborted"),
};

/**
 * The `aborted` error for a signal that fired: `"<what> was aborted"`, the signal's reason as
 * its cause.
 *
 * @example
 * if (signal?.aborted) throw abortedError(signal, "reading the message");
 * @throws {AgentMailError} `invalid_options` when `signal` is not an `AbortSignal` or `what` is
 * not a non-empty string.
 */
export function abortedError(signal: AbortSignal, what = "the request"): AgentMailError {
  const checked = parseInput(
    AbortedErrorArgumentsSchema,
    { signal, what },
    "abortedError arguments",
  );
  return new AgentMailError({
    code: "aborted",
    message: `${checked.what} was aborted`,
    cause: checked.signal.reason,
  });
}
