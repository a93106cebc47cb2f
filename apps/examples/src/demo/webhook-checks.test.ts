import type { SendResult } from "@assmbl/core";
import type { FetchedMessage } from "@assmbl/transport-api";
import { describe, expect, it } from "vitest";
import type { WebhookFacts } from "../07-webhook-receiver.js";
import { type WebhookSeen, webhookBlock } from "./webhook-checks.js";

const SENDER = "my-agent@agents.localhost";
const result: SendResult = {
  messageId: "m1@agents.localhost",
  transport: "agentmail-api",
  encrypted: { body: true, attachments: false },
  recipients: [],
  attachments: [],
  copies: [],
};
const text = "Invoice 7 is approved.";

function facts(): WebhookFacts {
  return {
    sent: [
      {
        via: "apiTransport",
        message: {
          to: "other-agent@agents.localhost",
          subject: "Invoice 7",
          text,
          encrypt: true,
          correlationId: "inv-1",
        },
        result,
      },
    ],
    webhookUrl: "http://127.0.0.1:1/hooks/agentmail",
    secretOnSetUp: true,
    stats: { posts: 1, verified: 1, duplicates: 0, refused: [] },
    event: {
      event: "mail.received",
      delivery_id: "dlv_1",
      agent_id: "other-agent",
      message_id: result.messageId,
      sender: SENDER,
      sender_verified: true,
      subject: "Invoice 7",
      received_at: "2026-11-30T00:00:00.000Z",
      correlation_id: "inv-1",
      marketplace_request_id: null,
    },
    message: {
      encrypted: true,
      bodyTextDecrypted: text,
      verification: "valid",
    } as FetchedMessage,
  };
}
const seen = (): WebhookSeen => ({
  sender: SENDER,
  deliveries: [
    {
      deliveryId: "dlv_1",
      agentId: "other-agent",
      messageId: result.messageId,
      url: "http://127.0.0.1:1/hooks/agentmail",
      attempts: 1,
      status: "delivered",
    },
  ],
  webhookAfter: null,
});
const failed = (block: ReturnType<typeof webhookBlock>) =>
  block.checks.filter((check) => !check.ok).map((check) => check.label);

describe("webhookBlock", () => {
  it("holds for one verified delivery of the message sent, decrypted", () => {
    expect(failed(webhookBlock(facts(), seen()))).toEqual([]);
  });

  it("reports refused POSTs, a redelivery, and a delivery the platform had to retry", () => {
    const got = facts();
    got.stats = { posts: 3, verified: 2, duplicates: 1, refused: ["the signature does not match"] };
    const platform = seen();
    platform.deliveries = [
      { ...platform.deliveries[0], attempts: 2 } as WebhookSeen["deliveries"][number],
    ];
    const block = webhookBlock(got, platform);
    expect(failed(block)).toEqual([
      "verifyWebhookSignature",
      "duplicate delivery_id",
      "platform's delivery log",
    ]);
    expect(block.checks[1]?.detail).toBe("2 verified, refused: the signature does not match");
  });

  it("reports an event about another message, from an unverified sender, and a body not decrypted", () => {
    const got = facts();
    got.event = { ...got.event, message_id: "other@agents.localhost", sender_verified: false };
    got.message = { encrypted: true, verification: "unverified" } as FetchedMessage;
    expect(
      failed(webhookBlock(got, { ...seen(), webhookAfter: { url: "x", enabled: true } })),
    ).toEqual([
      "event",
      "event sender",
      "decrypted body",
      "signature",
      "platform's delivery log",
      "webhook after the run",
    ]);
  });
});
