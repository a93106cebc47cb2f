// What the dev server saw of each example's message: how it arrived (its SES endpoint or
// POST /send), what the recipient's inbox shows, and what was recorded under its idempotency key.
import type { DevPlatform } from "../dev-platform.js";
import type { SentMessage } from "../facts.js";
import type { Delivery } from "./checks.js";
import type { InboxReader } from "./observe.js";
import { expectEqual } from "./report.js";

/**
 * One example's message as delivered: how it arrived and what the recipient's inbox shows.
 *
 * @example
 * const seen = await delivery(platform, inboxReader(client), sent);
 */
export async function delivery(
  platform: DevPlatform,
  read: InboxReader,
  sent: SentMessage,
): Promise<Delivery> {
  const observed = await read(sent.message.subject).catch((error: unknown) => ({
    error: error instanceof Error ? error.message : String(error),
  }));
  return { sent, wire: wireOf(platform, sent.result.messageId), observed };
}

// How the dev server received a message: its SES endpoint (which API) or POST /send.
function wireOf(platform: DevPlatform, messageId: string): string | undefined {
  const bare = messageId.replace(/^<|>$/g, "");
  const ses = platform.server.ses.messages().find((message) => message.messageId === messageId);
  if (ses) {
    const api = {
      "v1-raw": "SES v1 SendRawEmail",
      "v1-send": "SES v1 SendEmail",
      "v2-raw": "SES v2 SendEmail (raw)",
    };
    return api[ses.api];
  }
  const viaSend = platform.server.sent
    .messages()
    .find((message) => message.messageId.replace(/^<|>$/g, "") === bare);
  return viaSend ? "AgentMail POST /send" : undefined;
}

/**
 * The checks that the platform recorded one send under the message's idempotency key and
 * answered with its key and correlation id (none for `sendPlainEmail`, which carries neither).
 *
 * @example
 * const checks = idempotencyChecks(platform, sent);
 */
export function idempotencyChecks(platform: DevPlatform, sent: SentMessage) {
  if (sent.via === "sendPlainEmail") return [];
  const key = sent.message.idempotencyKey;
  const sends = platform.server.sent.messages().filter((message) => message.idempotencyKey === key);
  return [
    expectEqual("platform answered with the key", sent.result.idempotencyKey, key),
    expectEqual(
      "platform answered correlation id",
      sent.result.correlationId,
      sent.message.correlationId,
    ),
    expectEqual("sends recorded under the key", sends.length, 1),
  ];
}
