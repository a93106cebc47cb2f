import { AgentMailError, type SendOutcome } from "../errors.js";

/**
 * Codes of a transport failure that does not say whether the message went: the request may have
 * reached the provider before the answer was lost, came back garbled, or the caller gave up on it.
 */
const AMBIGUOUS_CODES: ReadonlySet<string> = new Set([
  "transport_failed",
  "timeout",
  "network_error",
  "aborted",
  "invalid_response",
  "response_too_large",
]);

/**
 * The outcome of a transport failure whose transport did not say (a transport of your own, or
 * one built for an older `@assmbl/core`): `not_sent` when the transport was never called;
 * `sent` for `idempotency_key_reused` (a request under that key was committed before);
 * `unknown` for an ambiguous code or a 5xx other than 503; `not_sent` for any other answer (a
 * refusal: 4xx, 429, 503).
 *
 * Why 503 is a refusal and 500, 502, 504 are not: a 503 comes from a front end or an overloaded
 * service before the work starts (the dev server's says "nothing was done"), while a 500 can come
 * from a handler that failed after committing, and a 502 or 504 from a proxy that lost the
 * upstream's answer.
 *
 * @example
 * defaultOutcome("timeout", undefined, true); // "unknown"
 * defaultOutcome("rate_limited", 429, true); // "not_sent"
 * defaultOutcome("timeout", undefined, false); // "not_sent": the transport never had it
 */
export function defaultOutcome(
  code: string,
  status: number | undefined,
  transportCalled: boolean,
): SendOutcome {
  if (!transportCalled) return "not_sent";
  if (code === "idempotency_key_reused" || code === "partially_sent") return "sent";
  if (AMBIGUOUS_CODES.has(code)) return "unknown";
  if (status !== undefined && status >= 500 && status !== 503) return "unknown";
  return "not_sent";
}

/**
 * Gives an error of `mailer.send` its outcome and idempotency key when it has none yet, in place
 * (the same error object is rethrown, so a transport's error reaches the caller as it threw it,
 * only completed). A transport's own `outcome` is kept. An `unknown` outcome without a key to
 * retry with is not retryable: a retry could deliver the message twice.
 *
 * @example
 * throw settleOutcome(error, { transportCalled: true, idempotencyKey: copy.message.idempotencyKey });
 */
export function settleOutcome(
  error: unknown,
  facts: { transportCalled: boolean; idempotencyKey?: string | undefined },
): unknown {
  if (!AgentMailError.is(error)) return error;
  const outcome = error.outcome ?? defaultOutcome(error.code, error.status, facts.transportCalled);
  const idempotencyKey = error.idempotencyKey ?? facts.idempotencyKey;
  const retryable = outcome === "unknown" && idempotencyKey === undefined ? false : error.retryable;
  if (
    outcome === error.outcome &&
    idempotencyKey === error.idempotencyKey &&
    retryable === error.retryable
  ) {
    return error;
  }
  if (Object.isFrozen(error)) {
    return AgentMailError.withOutcome(error, outcome, idempotencyKey, { retryable, wrap: true });
  }
  // The fields are readonly to callers; the mailer completes what the transport left open.
  Object.assign(error as { -readonly [K in keyof AgentMailError]: AgentMailError[K] }, {
    outcome,
    idempotencyKey,
    retryable,
  });
  return error;
}
