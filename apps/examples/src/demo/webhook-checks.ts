import type { WebhookDeliveryRecord } from "@assmbl/dev-server";
import type { WebhookFacts } from "../07-webhook-receiver.js";
import { type Check, expectEqual, expectThat, type ReportBlock, show } from "./report.js";

/**
 * What the platform side saw of example 7: the dev server's log of the deliveries of the message
 * sent, and the recipient's webhook once the example ended (`null` when removed).
 *
 * @example
 * const seen: WebhookSeen = { sender, deliveries: server.webhooks.deliveries(), webhookAfter: await client.getWebhook() };
 */
export interface WebhookSeen {
  /** The sending agent's address. */
  sender: string;
  deliveries: WebhookDeliveryRecord[];
  webhookAfter: unknown;
}

/**
 * The checks of example 7: the secret came with the set-up, every POST verified and each delivery
 * handled once, the event names the message sent (sender, verification, correlation id), the
 * message fetched by the event's id decrypts to what was sent, and the platform logged one
 * delivery, made on the first attempt.
 *
 * @example
 * const block = webhookBlock(facts, { sender: "my-agent@agents.localhost", deliveries, webhookAfter: null });
 */
export function webhookBlock(facts: WebhookFacts, seen: WebhookSeen): ReportBlock {
  const [sent] = facts.sent;
  const { event, message, stats } = facts;
  if (!sent || sent.via === "sendPlainEmail") {
    return { heading: "webhook", checks: [expectThat("sent a message", false, "", "nothing")] };
  }
  const ofMessage = seen.deliveries.filter((record) => record.messageId === event.message_id);
  const checks: Check[] = [
    expectEqual("signing secret", facts.secretOnSetUp, true, "from putWebhook (first set-up)"),
    expectThat(
      "verifyWebhookSignature",
      stats.verified >= 1 && stats.refused.length === 0,
      `${stats.verified} of ${stats.posts} POST(s) verified`,
      `${stats.verified} verified, refused: ${stats.refused.join("; ") || "none"}`,
    ),
    expectEqual("duplicate delivery_id", stats.duplicates, 0, "none (each handled once)"),
    expectEqual(
      "event",
      `${event.event} for ${event.message_id}`,
      `mail.received for ${sent.result.messageId}`,
      `${event.event} for the message sent (${event.delivery_id})`,
    ),
    expectEqual(
      "event sender",
      `${event.sender}, verified ${event.sender_verified}`,
      `${seen.sender}, verified true`,
      `${event.sender}, verified`,
    ),
    expectEqual("event correlation_id", event.correlation_id, sent.message.correlationId ?? null),
    expectEqual("fetched by message_id", message.encrypted, true, "encrypted body"),
    expectEqual(
      "decrypted body",
      message.bodyTextDecrypted,
      sent.message.text,
      show(message.bodyTextDecrypted),
    ),
    expectEqual("signature", message.verification, "valid"),
    expectEqual(
      "platform's delivery log",
      ofMessage.map((record) => `${record.status} on attempt ${record.attempts}`).join(", "),
      "delivered on attempt 1",
    ),
    expectEqual("webhook after the run", seen.webhookAfter, null, "removed (deleteWebhook)"),
  ];
  return {
    heading: `"${sent.message.subject}" → ${facts.webhookUrl}`,
    checks,
  };
}
