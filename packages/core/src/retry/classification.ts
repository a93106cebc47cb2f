import { AgentMailError } from "../errors.js";
import { parseInput } from "../validate.js";
import { isTimeoutError, networkFailure } from "./network-errors.js";
import { RetryClassificationSchema, RetryFailureSchema } from "./schemas.js";

/**
 * One failed attempt, classified: what to throw when no retry is left, and what the retry engine
 * needs to know about it.
 *
 * @example
 * const failure: RetryFailure = { error, status: 503, retryAfterMs: 2_000 };
 */
export interface RetryFailure<E = unknown> {
  /** The error thrown when the call ends with this failure. */
  error: E;
  /**
   * The HTTP status of the answer, when the failure is one. Only this is read by
   * `retryOn.statuses`: an `AgentMailError`'s `status` may be its code's HTTP-like status, not an
   * answer's.
   */
  status?: number | undefined;
  /** The server's `Retry-After`, in ms (see `parseRetryAfter`). */
  retryAfterMs?: number | undefined;
  /**
   * The request may have reached the server (a dropped connection, a timeout, a 5xx other than
   * 503): the work may be done. Recorded in the attempt history, and read by `retryOn.ambiguous`.
   */
  ambiguous?: boolean | undefined;
}

/**
 * Which failures a retry may fix, as data (read by {@link isRetryableFailure}). A failure is
 * retried when no veto applies and any rule matches:
 *
 * - vetoes: its code is in `neverCodes`; it is ambiguous and `ambiguous` is `never`;
 * - `ambiguous: "always"` retries any ambiguous failure;
 * - `retryableFlag`: an `AgentMailError` whose `retryable` is true; `codes`: its code;
 * - `statuses`: the failure's `status` (the answer's, as the classifier read it);
 * - `timeouts` and `network`: an error that is NOT an `AgentMailError` (one is already
 *   classified, by its code and flag) that is a timeout or a network failure (`networkFailure`):
 *   `network: "not_sent"` only when nothing left this machine.
 *
 * @example
 * const directoryGets: RetryClassification = {
 *   retryableFlag: true,
 *   statuses: [408, 429, 500, 502, 503, 504],
 *   timeouts: true,
 *   network: "any",
 * };
 */
export interface RetryClassification {
  /** Retry an `AgentMailError` whose `retryable` is true. */
  retryableFlag?: boolean | undefined;
  /** Retry an `AgentMailError` with one of these codes. */
  codes?: readonly string[] | undefined;
  /** Retry a failure with one of these HTTP statuses. */
  statuses?: readonly number[] | undefined;
  /** Retry a timeout that is not an `AgentMailError`. */
  timeouts?: boolean | undefined;
  /** Retry a network failure: any, or only one that provably sent nothing. */
  network?: "any" | "not_sent" | undefined;
  /** A failure after which the work may be done: by the rules above (default), never, or always. */
  ambiguous?: "by_rules" | "never" | "always" | undefined;
  /** `AgentMailError` codes never retried, whatever else matches (e.g. `response_too_large`). */
  neverCodes?: readonly string[] | undefined;
}

/**
 * The classification when none is given: retry what the error itself says is retryable.
 *
 * @example
 * isRetryableFailure({ error: new AgentMailError({ code: "timeout", message: "late" }) }, RETRY_RETRYABLE_ERRORS); // true
 */
export const RETRY_RETRYABLE_ERRORS: RetryClassification = Object.freeze({ retryableFlag: true });

/**
 * Whether `failure` is worth a retry under `classification` (see {@link RetryClassification});
 * pure. Budgets (attempts, time, `Retry-After`) are the engine's, not this function's.
 *
 * @example
 * isRetryableFailure({ error: new TypeError("fetch failed") }, { network: "any" }); // true
 * isRetryableFailure({ error: httpError, status: 404 }, { statuses: [429, 503] }); // false
 * @throws {AgentMailError} `invalid_options` for a malformed failure or classification (unknown
 * keys named: a misspelt rule would otherwise match nothing, silently).
 */
export function isRetryableFailure(
  failure: RetryFailure,
  classification: RetryClassification = RETRY_RETRYABLE_ERRORS,
): boolean {
  return matchesClassification(
    parseInput(RetryFailureSchema, failure, "isRetryableFailure failure"),
    parseInput(RetryClassificationSchema, classification, "isRetryableFailure classification"),
  );
}

/**
 * {@link isRetryableFailure} without the check: the engine's door, for a classification it has
 * checked already and a failure its attempt made.
 *
 * @example
 * matchesClassification(failure, checkedPolicy.retryOn);
 * @internal
 */
export function matchesClassification(
  failure: RetryFailure,
  classification: RetryClassification = RETRY_RETRYABLE_ERRORS,
): boolean {
  const { error } = failure;
  const agentMail = AgentMailError.is(error) ? error : undefined;
  if (agentMail && classification.neverCodes?.includes(agentMail.code)) return false;
  const ambiguous = classification.ambiguous ?? "by_rules";
  if (failure.ambiguous === true && ambiguous !== "by_rules") return ambiguous === "always";
  if (agentMail && classification.retryableFlag === true && agentMail.retryable) return true;
  if (agentMail && classification.codes?.includes(agentMail.code)) return true;
  const { status } = failure;
  if (status !== undefined && classification.statuses?.includes(status)) return true;
  if (agentMail) return false;
  if (classification.timeouts === true && isTimeoutError(error)) return true;
  const network = classification.network ? networkFailure(error) : undefined;
  return network !== undefined && (classification.network === "any" || network.sent === "no");
}
