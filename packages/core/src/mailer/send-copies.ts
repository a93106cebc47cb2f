import { AgentMailError } from "../errors.js";
import type { MailTransport, PreparedMessage, TransportResult } from "../transport.js";
import { throwIfAborted } from "./abort.js";
import type { CopyKind, PreparedCopy, SentCopy } from "./types.js";

/**
 * A copy the transport accepted, with what it answered.
 *
 * @example
 * const [{ result }] = await sendCopies(transport, copies, signal); // result.messageId of the primary
 */
export interface SentOutcome {
  copy: PreparedCopy;
  result: TransportResult;
  sent: SentCopy;
}

/**
 * Hands prepared copies to the transport one after another, the primary first. A failure of the
 * first copy is rethrown as it is (nothing was sent; a foreign error becomes `transport_failed`,
 * as for any send). A failure or an abort after a copy went out stops there and throws
 * `partially_sent`, whose body says which copies went and which did not.
 *
 * @example
 * const outcomes = await sendCopies(transport, await prepareCopies(plans, crypto), signal);
 * @throws {AgentMailError} the first copy's error; `partially_sent` for a later one.
 */
export async function sendCopies(
  transport: MailTransport,
  copies: readonly PreparedCopy[],
  signal: AbortSignal | undefined,
): Promise<SentOutcome[]> {
  const outcomes: SentOutcome[] = [];
  for (const [index, copy] of copies.entries()) {
    let result: TransportResult;
    try {
      throwIfAborted(signal);
      result = await sendOne(transport, copy.message, signal);
    } catch (error) {
      if (outcomes.length === 0) throw error;
      throw partiallySent(
        outcomes.map((outcome) => outcome.sent),
        copy,
        copies.slice(index + 1),
        error as AgentMailError,
      );
    }
    const idempotencyKey = result.idempotencyKey ?? copy.message.idempotencyKey;
    outcomes.push({
      copy,
      result,
      sent: {
        kind: copy.kind,
        recipients: recipientsOf(copy.message),
        messageId: result.messageId,
        ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
      },
    });
  }
  return outcomes;
}

/**
 * The bare addresses a prepared message is delivered to: To, Cc and Bcc, each once.
 *
 * @example
 * recipientsOf(prepared); // ["other-agent@agents.example.com", "audit@agents.example.com"]
 */
export function recipientsOf(message: PreparedMessage): string[] {
  const seen = new Set<string>();
  return [...message.to, ...message.cc, ...message.bcc]
    .map((mailbox) => mailbox.address)
    .filter((address) => {
      const key = address.toLowerCase();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

async function sendOne(
  transport: MailTransport,
  message: PreparedMessage,
  signal: AbortSignal | undefined,
): Promise<TransportResult> {
  try {
    return await transport.send(message, signal ? { signal } : {});
  } catch (cause) {
    if (AgentMailError.is(cause)) throw cause;
    throw new AgentMailError({
      code: "transport_failed",
      message: `transport ${transport.name} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      cause,
    });
  }
}

function partiallySent(
  sent: SentCopy[],
  failed: PreparedCopy,
  notSent: readonly PreparedCopy[],
  cause: AgentMailError,
): AgentMailError {
  const describe = (kind: CopyKind, recipients: readonly string[]) =>
    `${kind} copy to ${recipients.join(", ")}`;
  const total = sent.length + 1 + notSent.length;
  const failedRecipients = recipientsOf(failed.message);
  const pending = notSent.map((copy) => ({
    kind: copy.kind,
    recipients: recipientsOf(copy.message),
  }));
  const what = cause.code === "aborted" ? "was aborted" : `failed with ${cause.code}`;
  return new AgentMailError({
    code: "partially_sent",
    message:
      `${sent.length} of ${total} copies of this message were sent (${sent.map((copy) => describe(copy.kind, copy.recipients)).join("; ")}); ` +
      `the ${describe(failed.kind, failedRecipients)} ${what}` +
      (pending.length > 0
        ? `; not attempted: ${pending.map((copy) => describe(copy.kind, copy.recipients)).join("; ")}. `
        : ". ") +
      "Retrying the whole send would deliver the sent copies again: send only to the recipients whose copies did not go (error.body lists them)",
    cause,
    body: {
      sent,
      failed: { kind: failed.kind, recipients: failedRecipients, code: cause.code },
      notSent: pending,
    },
  });
}
