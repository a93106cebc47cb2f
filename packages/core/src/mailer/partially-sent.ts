import { distinctAddresses } from "../address.js";
import { AgentMailError } from "../errors.js";
import type { PreparedMessage } from "../transport.js";
import { defaultOutcome } from "./send-outcome.js";
import type { CopyKind, PartiallySentBody, PreparedCopy, SentCopy } from "./types.js";

/**
 * Whether a copy that failed with `code` may have been delivered all the same: only when the
 * transport had been called, and the failure is one that leaves it open (its default outcome,
 * see `defaultOutcome`, is not `not_sent`).
 *
 * @example
 * mayHaveBeenSent("timeout", true); // true
 * mayHaveBeenSent("aborted", false); // false: noticed before the transport was called
 * mayHaveBeenSent("rate_limited", true); // false: the provider refused it
 */
export function mayHaveBeenSent(code: string, transportCalled: boolean): boolean {
  return defaultOutcome(code, undefined, transportCalled) !== "not_sent";
}

/**
 * The error of a send that stopped after some copies went: what went, which copy failed (and
 * whether it may have gone all the same), what was not attempted, and what to do. A retry of the
 * whole send is never right: over `/send` the same idempotency key with new ciphertext is
 * refused (`idempotency_key_reused`, and nothing else goes), and over SES the sent copies would
 * be delivered again. So: send again only to the recipients of the failed and not-attempted
 * copies, under a new key.
 *
 * @example
 * throw partiallySent({ sent, failed: copy, notSent: copies.slice(index + 1), cause, transportCalled: true });
 */
export function partiallySent(facts: {
  sent: SentCopy[];
  failed: PreparedCopy;
  notSent: readonly PreparedCopy[];
  cause: AgentMailError;
  transportCalled: boolean;
}): AgentMailError {
  const { sent, failed, cause } = facts;
  const describe = (kind: CopyKind, recipients: readonly string[]) =>
    `${kind} copy to ${recipients.join(", ")}`;
  const total = sent.length + 1 + facts.notSent.length;
  const outcome = cause.outcome ?? defaultOutcome(cause.code, cause.status, facts.transportCalled);
  const maybe = outcome !== "not_sent";
  const idempotencyKey = cause.idempotencyKey ?? failed.message.idempotencyKey;
  const body: PartiallySentBody = {
    sent,
    failed: {
      kind: failed.kind,
      recipients: recipientsOf(failed.message),
      code: cause.code,
      outcome,
      mayHaveBeenSent: maybe,
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    },
    notSent: facts.notSent.map((copy) => ({
      kind: copy.kind,
      recipients: recipientsOf(copy.message),
    })),
  };
  const what =
    cause.code === "aborted"
      ? facts.transportCalled
        ? "was aborted while the transport had it"
        : "was aborted before it was handed to the transport, so it was not sent"
      : `failed with ${cause.code}${maybe ? " after the transport was called" : ""}`;
  const failedCopy = describe(body.failed.kind, body.failed.recipients);
  // The send as a whole went out in part: `sent`, so that a caller following the retry pattern
  // for `unknown` never re-runs it whole (and `retryable` is false).
  const sendKey = sent[0]?.idempotencyKey;
  return new AgentMailError({
    code: "partially_sent",
    outcome: "sent",
    ...(sendKey === undefined ? {} : { idempotencyKey: sendKey }),
    message:
      `${sent.length} of ${total} copies of this message were sent (${sent.map((copy) => describe(copy.kind, copy.recipients)).join("; ")}); ` +
      `the ${failedCopy} ${what}` +
      (outcome === "sent"
        ? ", and its provider says it already has it (error.body.failed.outcome: sent)"
        : maybe
          ? ", so it may have been delivered (error.body.failed.outcome: unknown)"
          : "") +
      (body.notSent.length > 0
        ? `; not attempted: ${body.notSent.map((copy) => describe(copy.kind, copy.recipients)).join("; ")}. `
        : ". ") +
      "Do not retry the whole send: a new send is new ciphertext, so over /send the same idempotency key is refused (idempotency_key_reused) and nothing goes, and over SES the sent copies would be delivered again. " +
      "Send again only to the recipients of the failed and not-attempted copies (error.body.failed, error.body.notSent), under a new idempotency key" +
      (maybe
        ? "; the failed copy may already have arrived, so sending it again may deliver it twice"
        : ""),
    cause,
    body,
  });
}

/**
 * The bare addresses a prepared message is delivered to: To, Cc and Bcc, each once.
 *
 * @example
 * recipientsOf(prepared); // ["other-agent@agents.example.com", "audit@agents.example.com"]
 */
export function recipientsOf(message: PreparedMessage): string[] {
  return distinctAddresses([message.to, message.cc, message.bcc]).flat();
}
