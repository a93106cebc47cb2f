import { AgentMailError } from "../errors.js";
import type { MailTransport, PreparedMessage, TransportResult } from "../transport.js";
import { throwIfAborted } from "./abort.js";
import { partiallySent, recipientsOf } from "./partially-sent.js";
import { settleOutcome } from "./send-outcome.js";
import type { PreparedCopy, SentCopy } from "./types.js";

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
 * first copy is rethrown as the transport threw it (a foreign error becomes `transport_failed`),
 * completed with its `outcome` and the copy's `idempotencyKey` when the transport left them
 * out: `not_sent`, or `unknown` when the copy may have gone (then retry the whole send with
 * `error.idempotencyKey`, if `error.retryable`). A failure or an abort after a copy went out
 * stops there and throws `partially_sent` (`outcome: "sent"`), whose body says which copies
 * went, which failed (with its own `outcome`) and which were not attempted.
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
    let transportCalled = false;
    try {
      throwIfAborted(signal);
      transportCalled = true;
      result = await sendOne(transport, copy.message, signal);
    } catch (error) {
      const settled = settleOutcome(error, {
        transportCalled,
        idempotencyKey: copy.message.idempotencyKey,
      });
      if (outcomes.length === 0) throw settled;
      throw partiallySent({
        sent: outcomes.map((outcome) => outcome.sent),
        failed: copy,
        notSent: copies.slice(index + 1),
        cause: settled as AgentMailError,
        transportCalled,
      });
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
        ...(result.recipients ? { delivery: result.recipients } : {}),
        ...(result.billing ? { billing: result.billing } : {}),
      },
    });
  }
  return outcomes;
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
