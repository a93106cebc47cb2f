import { AgentMailError, type SendOutcome } from "@assmbl/core";
import type { AttemptHistory } from "./retry.js";

/**
 * A copy of `error` that says what the send did and the key its attempts carried; message,
 * code, status, body and stack stay. An error that already has an outcome keeps it.
 *
 * @example
 * throw withSendOutcome(uploadError, "not_sent", "idem-42");
 */
export function withSendOutcome(
  error: unknown,
  outcome: SendOutcome,
  idempotencyKey: string,
): unknown {
  if (!AgentMailError.is(error) || error.outcome !== undefined) return error;
  return AgentMailError.withOutcome(error, outcome, idempotencyKey);
}

/**
 * The error that ends a `/send` call, from every attempt it made (the `finalize` of its retry
 * loop). The outcome is the worst over all attempts, not the last one's:
 *
 * - `sent` for `idempotency_key_reused`: a request under this key was committed before (an
 *   earlier `send` whose answer was lost); nothing new was sent. Not retryable.
 * - `unknown` when any attempt's request was sent and its answer lost, timed out, came back
 *   garbled, or was a 5xx other than 503, or the caller aborted while a request was in flight:
 *   the platform may have committed it, even if the last attempt got a clean 503. The message
 *   says so and never repeats the last answer's "nothing was done". Retryable (unless aborted, or
 *   the ambiguous failure itself was not) because the key makes a repeat safe: the platform
 *   answers the same request under the same key from its record.
 * - `not_sent` otherwise: every answer was a refusal.
 *
 * @example
 * await http.call({ route: Routes.send, json, finalize: (error, history) => sendFailure(error, history, key, "send") });
 */
export function sendFailure(
  error: unknown,
  history: AttemptHistory,
  idempotencyKey: string,
  what: string,
): unknown {
  if (!AgentMailError.is(error)) return error;
  if (error.code === "idempotency_key_reused") {
    return withSendOutcome(error, "sent", idempotencyKey);
  }
  const first = history.ambiguous;
  if (!first && !history.abortedInFlight) return withSendOutcome(error, "not_sent", idempotencyKey);
  const of = `of ${history.attempts}`;
  let reason: string;
  if (first && first.error === error) {
    reason = `attempt ${history.ambiguousAttempt} ${of} failed after its request was sent (${first.error.message})`;
  } else if (first) {
    const last = `${error.status === undefined ? "" : `${error.status} `}${error.code}`;
    reason =
      `attempt ${history.ambiguousAttempt} ${of} failed after its request was sent (${first.error.message}), ` +
      `so the platform may have committed it; the last attempt then failed with ${last}`;
  } else {
    reason = `the send was aborted while the request of attempt ${history.attempts} was in flight`;
  }
  const retryable =
    error.code !== "aborted" && (error.retryable || first?.error.retryable === true);
  const copy = new AgentMailError({
    code: error.code,
    message:
      `${what}: the message may have been sent (outcome unknown): ${reason}. ` +
      `Retry only with the same idempotency key, error.idempotencyKey ("${idempotencyKey}"): the platform answers a repeat of the request from its record and sends nothing twice ` +
      "(a repeat whose request differs, as an encrypted message or one with attachment bytes does, is refused with idempotency_key_reused, which means the first was committed). " +
      "A retry without the key may deliver the message twice",
    ...(error.status === undefined ? {} : { status: error.status }),
    body: error.body,
    retryable,
    outcome: "unknown",
    idempotencyKey,
    cause: error,
  });
  return copy;
}
