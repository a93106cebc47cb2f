import { randomBytes, randomUUID } from "node:crypto";
import { Limits, type Mailbox, parseAddress } from "@assmbl/core";
import { type DevDeliveryReport, deliverMessage } from "../delivery.js";
import { firstMailbox } from "../inbox.js";
import { addressList, headerFields, headerValues } from "../mime/headers.js";
import type { DevStore } from "../store.js";
import { localAgentIds } from "../trusted-peers/recipients.js";
import type { SesCaller } from "./auth.js";
import { quote, SesError } from "./errors.js";
import type { SesApi, SesMessage, SesOutbox } from "./outbox.js";
import { checkSenderIdentities } from "./sender-identity.js";

/** What the SES endpoint's handlers share. */
export interface SesContext {
  store: DevStore;
  outbox: SesOutbox;
  /** Told where each accepted message went (for the CLI's log lines). */
  onDelivery?: ((report: DevDeliveryReport) => void) | undefined;
}

/** A send, as a handler has read it from the request. */
export interface SesSend {
  api: SesApi;
  /** Who signed the request: the only identity it may send as. */
  caller: SesCaller;
  messageId: string;
  raw: Uint8Array;
  /** The caller's destination list; `undefined` or empty to take To, Cc and Bcc from the headers. */
  destinations: readonly string[] | undefined;
  /** `Source` / `FromEmailAddress` as given. */
  source: string | undefined;
  /** Raw size limit: `Limits.sesV1MessageBytes` or `Limits.sesV2MessageBytes`. */
  limitBytes: number;
}

/**
 * A message id shaped like SES's (`<16 hex>-<uuid>-000000`).
 *
 * @example
 * newSesMessageId(); // "0000019ab1c2d3e4-5f0c...-000000"
 */
export function newSesMessageId(): string {
  const time = Date.now().toString(16).padStart(12, "0");
  return `${time}${randomBytes(2).toString("hex")}-${randomUUID()}-000000`;
}

/**
 * Checks a send against SES's limits, then keeps it in the outbox and delivers a copy to each
 * local recipient's inbox: a destination on the server's mail domain whose local part is a known
 * agent. Mail to other domains is kept in the store's outbound list. Nothing is kept when a check
 * fails. The sender (Source, From, Sender, Return-Path) must be the signing agent's own address,
 * so every delivered copy is `SenderVerified`. A recipient's rate cap on the sender (a trusted
 * peer's `rate_cap`) refuses the whole send with SES's `Throttling`, and nothing is delivered;
 * so does a send past the account's sending rate (`sesMaxSendRate`, see `SesSendRate`), with
 * "Maximum sending rate exceeded.". A message whose `X-AgentMail-Idempotency-Key` this sender
 * already used is accepted (a new `MessageId`) but not delivered again to an agent that has
 * its copy (see `deliverMessage`).
 * SES sends are never metered by the marketplace (direct-SES sends have no billing linkage).
 *
 * @throws {SesError} `throttling` (the account's rate, a rate cap), `messageRejected` (a sender identity that is not the caller's), `messageTooLarge`, `tooManyRecipients`, `invalidParameter` (empty message,
 * an illegal address, no recipients, no sender).
 */
export function acceptSend(context: SesContext, send: SesSend): SesMessage {
  const { raw } = send;
  if (raw.byteLength === 0) throw new SesError("invalidParameter", "Empty message.");
  if (raw.byteLength > send.limitBytes) {
    throw new SesError(
      "messageTooLarge",
      `Message length is more than ${send.limitBytes} bytes long: '${raw.byteLength}'.`,
    );
  }
  const fields = headerFields(raw);
  const listed =
    send.destinations && send.destinations.length > 0
      ? [...send.destinations]
      : ["to", "cc", "bcc"].flatMap((name) => headerValues(fields, name).flatMap(addressList));
  if (listed.length > Limits.recipientsPerMessage) {
    throw new SesError(
      "tooManyRecipients",
      `Recipient count exceeds ${Limits.recipientsPerMessage}.`,
    );
  }
  if (listed.length === 0) {
    throw new SesError(
      "invalidParameter",
      "Missing recipients: give destinations, or To, Cc or Bcc headers in the message.",
    );
  }
  const mailboxes = listed.map(mailbox);
  const source = send.source === undefined ? undefined : mailbox(send.source);
  // First: a From header written so that readers disagree is refused as such, not as missing.
  checkSenderIdentities(fields, send.source, send.caller, context.store.mailDomain);
  if ((firstMailbox(headerValues(fields, "from")) ?? source?.address) === undefined) {
    throw new SesError("invalidParameter", "Missing required header 'From'.");
  }
  // Checked above to be the caller's own address in any letter case: kept as the agent's.
  const sender = `${send.caller.agent.agentId}@${context.store.mailDomain}`.toLowerCase();

  const destinations = unique(mailboxes.map((entry) => entry.address));
  const senderId = send.caller.agent.agentId;
  // Checked and counted with no await in between: no other send slips under the cap or the
  // account's rate. The account's rate (SES's own) first: a send SES throttles never reaches
  // the platform's caps.
  const { sendRate } = context.outbox;
  sendRate.check();
  const wait = context.store.trustedPeers.retryAfterSeconds(
    senderId,
    localAgentIds(context.store, mailboxes),
  );
  if (wait !== undefined) {
    throw new SesError("throttling", `Maximum sending rate exceeded. Retry in ${wait} seconds.`);
  }
  const receivedAt = new Date();
  const report = deliverMessage(context.store, {
    via: "ses",
    messageId: send.messageId,
    agentId: send.caller.agent.agentId,
    from: sender,
    recipients: mailboxes,
    raw,
    options: {
      sender,
      receivedAt,
      sesMessageId: send.messageId,
      // Checked above: the sender is the authenticated agent.
      senderVerified: true,
    },
  });
  const { deliveredTo } = report;
  // SES accepted the call, so it counts against the rate even when the mail processor skipped
  // a repeated idempotency key (see deliverMessage).
  sendRate.record();
  context.store.trustedPeers.recordDelivery(senderId, deliveredTo);
  const message: SesMessage = {
    messageId: send.messageId,
    api: send.api,
    raw,
    destinations,
    ...(send.source === undefined ? {} : { source: send.source }),
    receivedAt,
    deliveredTo,
  };
  context.outbox.add(message);
  context.onDelivery?.(report);
  return message;
}

/**
 * A mailbox a caller gave: `addr` or `Name <addr>`.
 *
 * @throws {SesError} `invalidParameter` "Illegal address".
 */
export function mailbox(value: string): Mailbox {
  try {
    return parseAddress(value);
  } catch {
    throw new SesError("invalidParameter", `Illegal address: ${quote(value)}.`);
  }
}

/** Addresses compared case-insensitively; the first spelling wins. */
function unique(addresses: readonly string[]): string[] {
  const seen = new Set<string>();
  return addresses.filter((address) => {
    const key = address.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
