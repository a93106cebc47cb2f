import type { Mailbox } from "@assmbl/core";
import type { DeliverOptions } from "./inbox.js";
import { idempotencyKeyOf, mailIdempotency } from "./mail-idempotency.js";
import { decodeEncodedWords, headerFields, headerValues } from "./mime/headers.js";
import type { DevSendVia } from "./outbound.js";
import type { DevStore } from "./store.js";

/**
 * What became of one recipient: `delivered` to a local agent's inbox; `outbound`, an address on a
 * domain the dev server does not serve (kept in the outbound list: the real platform would hand it
 * to SES); `unknown_agent`, an address on the served domain that no agent has.
 */
export type DevRecipientStatus = "delivered" | "outbound" | "unknown_agent";

/**
 * One send's delivery: where each recipient's copy went. Carries addresses and ids only, never
 * the message's text, so it can be logged.
 *
 * @example
 * const report: DevDeliveryReport = deliverMessage(store, send);
 * report.recipients; // [{ address: "x@agents.example.com", status: "outbound" }]
 */
export interface DevDeliveryReport {
  via: DevSendVia;
  /** `/send`'s `message_id` or SES's `MessageId`. */
  messageId: string;
  /** The sending agent. */
  agentId: string;
  /**
   * Every recipient (Bcc included), each address once, in recipient order; a `delivered` one
   * with the id of its copy in the agent's inbox (`GET /messages/{id}` with the agent's token).
   */
  recipients: { address: string; status: DevRecipientStatus; messageId?: string }[];
  /** The agents (ids) whose inbox received a copy, each once. */
  deliveredTo: string[];
  /**
   * The agents (ids) not delivered to because they already have this sender's message with the
   * same `X-AgentMail-Idempotency-Key` (their `recipients` entry is `delivered`, with the id of
   * that earlier copy); absent when none.
   */
  duplicates?: string[];
}

/** A message to deliver, as `POST /send` or the SES endpoint accepted it. */
export interface DeliveryInput {
  via: DevSendVia;
  messageId: string;
  agentId: string;
  /** The sender's address (the agent's own). */
  from: string;
  /** To, Cc and Bcc: Bcc recipients are in the envelope. */
  recipients: readonly Mailbox[];
  raw: Uint8Array;
  options: DeliverOptions;
}

/**
 * Delivers a copy of the message to every local recipient (an address on the store's mail domain
 * whose local part is a known agent, each agent once), and keeps it in `store.outbound` when it
 * has recipients on other domains, so nothing is accepted silently into nowhere. Both the SES
 * endpoint and `POST /send` deliver through here, so a message reaches the same inboxes whichever
 * way it was sent.
 *
 * Inbox ids (ours): the first local recipient's copy has the id the send answered
 * (`input.messageId`: `/send`'s `message_id`, SES's `MessageId`), so a message to one agent is
 * fetched with the id its send returned; every other copy gets an id of its own, which the
 * report gives per recipient (for the dev server's own log and tests: the `/send` answer
 * leaves them out, as they are the recipients' to read).
 *
 * Idempotency (the platform's mail processor: "records the key and skips re-notification for
 * duplicates"): a message whose `X-AgentMail-Idempotency-Key` its sender used before (through
 * `/send` or SES alike, within `MAIL_IDEMPOTENCY_LIMITS`) is not delivered again to an agent
 * that has its copy; the report names that copy. Mail to other domains is still recorded: SES,
 * not the mail processor, would send it again.
 *
 * @example
 * const report = deliverMessage(store, { via: "api", messageId, agentId: "my-agent",
 *   from: "my-agent@agents.localhost", recipients: [parseAddress("x@agents.example.com")], raw, options: {} });
 * report.recipients[0]?.status; // "outbound"
 */
export function deliverMessage(store: DevStore, input: DeliveryInput): DevDeliveryReport {
  const recipients: DevDeliveryReport["recipients"] = [];
  const deliveredTo: string[] = [];
  const duplicates: string[] = [];
  const idempotencyKey = idempotencyKeyOf(input.raw);
  const ledger = idempotencyKey === undefined ? undefined : mailIdempotency(store);
  const earlier =
    idempotencyKey === undefined ? undefined : ledger?.copies(input.agentId, idempotencyKey);
  // The inbox id of each agent's copy, by agent id: an agent reached by two addresses has one.
  const inboxIds = new Map<string, string>();
  const seen = new Set<string>();
  for (const entry of input.recipients) {
    const key = entry.address.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    if (entry.domain.toLowerCase() !== store.mailDomain) {
      recipients.push({ address: entry.address, status: "outbound" });
      continue;
    }
    const agent = store.agent(entry.localPart);
    if (!agent) {
      recipients.push({ address: entry.address, status: "unknown_agent" });
      continue;
    }
    let inboxId = inboxIds.get(agent.agentId);
    const copy = earlier?.get(agent.agentId);
    if (inboxId === undefined && copy !== undefined) {
      inboxId = copy;
      inboxIds.set(agent.agentId, inboxId);
      duplicates.push(agent.agentId);
    } else if (inboxId === undefined) {
      // The first copy this send delivers has the id the send answered.
      const first = deliveredTo.length === 0;
      inboxId = store.deliver(agent.agentId, input.raw, {
        ...input.options,
        ...(first ? { id: input.messageId } : {}),
      }).id;
      inboxIds.set(agent.agentId, inboxId);
      deliveredTo.push(agent.agentId);
      if (idempotencyKey !== undefined) {
        ledger?.record(input.agentId, idempotencyKey, agent.agentId, inboxId);
      }
    }
    recipients.push({ address: entry.address, status: "delivered", messageId: inboxId });
  }
  const outbound = recipients.filter((r) => r.status === "outbound").map((r) => r.address);
  if (outbound.length > 0) {
    const subject = headerValues(headerFields(input.raw), "subject")[0];
    store.outbound.add({
      messageId: input.messageId,
      via: input.via,
      agentId: input.agentId,
      from: input.from,
      recipients: outbound,
      ...(subject === undefined ? {} : { subject: decodeEncodedWords(subject) }),
      raw: input.raw,
      sentAt: input.options.receivedAt ?? new Date(),
    });
  }
  return {
    via: input.via,
    messageId: input.messageId,
    agentId: input.agentId,
    recipients,
    deliveredTo,
    ...(duplicates.length > 0 ? { duplicates } : {}),
  };
}
