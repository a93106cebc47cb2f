// What the deliverer knows of one inbox copy: the `mail.received` body, and the facts the
// notification rules filter on.
import { randomBytes } from "node:crypto";
import { AgentMailHeaders, type WebhookEvent, WebhookEventSchema } from "@assmbl/core";
import type { DevInboxMessage } from "../inbox.js";
import { headerFields, headerValues } from "../mime/headers.js";

/**
 * How a message reached the agent, as the rules' `traffic_types` name it.
 *
 * @example
 * const traffic: TrafficType = "marketplace";
 */
export type TrafficType = "direct" | "marketplace";
/**
 * Who sent it, as the rules' `trust_tiers` name it.
 *
 * @example
 * const tier: TrustTier = "trusted";
 */
export type TrustTier = "trusted" | "verified" | "unverified";

/**
 * One delivered inbox copy, ready to announce: its event (without a delivery id, which each
 * delivery gets its own) and what the notification rules filter on.
 *
 * @example
 * const facts = messageFacts(message, { trusted: false });
 * facts.trafficType; // "direct"
 */
export interface MessageFacts {
  event: Omit<WebhookEvent, "delivery_id">;
  senderVerified: boolean;
  /** The sender address's domain, lower-case; `""` when the message names no sender. */
  senderDomain: string;
  trafficType: TrafficType;
  trustTier: TrustTier;
}

/**
 * Reads an inbox copy's announcement and filter facts. `trusted` says whether the recipient
 * trusts the sending agent; it counts only when the sender is verified, so a message that merely
 * claims a trusted peer's address is not `trusted`.
 *
 * @example
 * const facts = messageFacts(store.message(id)!, { trusted: isTrustedPeer("bob", "alice") });
 */
export function messageFacts(message: DevInboxMessage, how: { trusted: boolean }): MessageFacts {
  const fields = headerFields(message.raw);
  const header = (name: string) => headerValues(fields, name)[0]?.trim() || null;
  const marketplaceRequestId = header(AgentMailHeaders.marketplaceRequestId);
  const at = message.sender.lastIndexOf("@");
  return {
    event: {
      event: "mail.received",
      agent_id: message.agentId,
      message_id: message.id,
      sender: message.sender,
      sender_verified: message.senderVerified,
      subject: cutSubject(message.subject),
      received_at: message.receivedAt.toISOString(),
      correlation_id: header(AgentMailHeaders.correlationId),
      marketplace_request_id: marketplaceRequestId,
    },
    senderVerified: message.senderVerified,
    senderDomain: at === -1 ? "" : message.sender.slice(at + 1).toLowerCase(),
    trafficType: marketplaceRequestId === null ? "direct" : "marketplace",
    trustTier:
      how.trusted && message.senderVerified
        ? "trusted"
        : message.senderVerified
          ? "verified"
          : "unverified",
  };
}

/**
 * The most of a subject an event carries, in UTF-16 code units (JavaScript characters): every
 * pending delivery holds its own body, so a subject of megabytes would be held once per target.
 * The message itself keeps the whole subject.
 *
 * @example
 * cutSubject("x".repeat(5000)).length; // 1024
 */
export const EVENT_SUBJECT_MAX = 1024;

/**
 * A subject cut to {@link EVENT_SUBJECT_MAX} characters, never between the halves of a
 * surrogate pair.
 *
 * @example
 * cutSubject("hello"); // "hello"
 */
export function cutSubject(subject: string): string {
  if (subject.length <= EVENT_SUBJECT_MAX) return subject;
  const last = subject.charCodeAt(EVENT_SUBJECT_MAX - 1);
  const isHighSurrogate = last >= 0xd800 && last <= 0xdbff;
  return subject.slice(0, isHighSurrogate ? EVENT_SUBJECT_MAX - 1 : EVENT_SUBJECT_MAX);
}

/**
 * The body of one delivery: the event with its delivery id, checked against core's schema (the
 * contract), serialised once so every attempt sends the same bytes.
 *
 * @example
 * const { deliveryId, body } = eventBody(facts.event);
 */
export function eventBody(event: Omit<WebhookEvent, "delivery_id">): {
  deliveryId: string;
  body: string;
} {
  const deliveryId = `dlv_${randomBytes(16).toString("hex")}`;
  const full = WebhookEventSchema.parse({ ...event, delivery_id: deliveryId });
  return { deliveryId, body: JSON.stringify(full) };
}
