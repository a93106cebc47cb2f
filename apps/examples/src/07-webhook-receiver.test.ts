// Example 7's receiver, hit over loopback HTTP the way the platform and an attacker would: signed
// with node:crypto's HMAC (not the SDK's code), forged, replayed, oversized, and with a handler
// that fails once.
import { createHmac } from "node:crypto";
import type { WebhookEvent } from "@assmbl/core";
import { afterEach, describe, expect, it } from "vitest";
import { startWebhookReceiver, type WebhookReceiver } from "./07-webhook-receiver.js";

const SECRET = "whsec_test-secret";
const event: WebhookEvent = {
  event: "mail.received",
  delivery_id: "dlv_1",
  agent_id: "other-agent",
  message_id: "m1@agents.localhost",
  sender: "my-agent@agents.localhost",
  sender_verified: true,
  subject: "Invoice 7",
  received_at: "2026-11-30T00:00:00.000Z",
  correlation_id: null,
  marketplace_request_id: null,
};

let receiver: WebhookReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

/** POSTs `body` as the platform does, signed with `secret` at `timestamp`. */
async function deliver(
  url: string,
  body: string,
  { secret = SECRET, timestamp = Math.floor(Date.now() / 1000) } = {},
) {
  const signature = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-agentmail-timestamp": String(timestamp),
      "x-agentmail-signature": `v1=${signature}`,
    },
    body,
  });
  return response.status;
}

async function start(onEvent: (event: WebhookEvent) => Promise<void>) {
  receiver = await startWebhookReceiver({ secret: () => SECRET, onEvent });
  return receiver;
}

describe("startWebhookReceiver", () => {
  it("handles a verified delivery once, and acknowledges its redelivery without handling it again", async () => {
    const handled: string[] = [];
    const { url, stats } = await start(async (got) => {
      handled.push(got.delivery_id);
    });
    const body = JSON.stringify(event);

    expect(await deliver(url, body)).toBe(204);
    expect(await deliver(url, body)).toBe(204); // same delivery_id, fresh signature
    expect(await deliver(url, JSON.stringify({ ...event, delivery_id: "dlv_2" }))).toBe(204);

    expect(handled).toEqual(["dlv_1", "dlv_2"]);
    expect(stats).toEqual({ posts: 3, verified: 3, duplicates: 1, refused: [] });
  });

  it("refuses a forged, a tampered and a stale delivery (401) and handles none", async () => {
    const handled: string[] = [];
    const { url, stats } = await start(async (got) => {
      handled.push(got.delivery_id);
    });
    const body = JSON.stringify(event);

    expect(await deliver(url, body, { secret: "whsec_someone-else" })).toBe(401);
    const tampered = await fetch(url, {
      method: "POST",
      headers: {
        "x-agentmail-timestamp": "1",
        "x-agentmail-signature": `v1=${"0".repeat(64)}`,
      },
      body,
    });
    expect(tampered.status).toBe(401);
    expect(await deliver(url, body, { timestamp: Math.floor(Date.now() / 1000) - 3600 })).toBe(401);
    expect((await fetch(url, { method: "POST", body })).status).toBe(401); // unsigned

    expect(handled).toEqual([]);
    expect(stats.verified).toBe(0);
    expect(stats.refused).toHaveLength(4);
    expect(stats.refused.join(" ")).not.toContain(SECRET);
  });

  it("answers 500 when handling fails, so the platform's retry of the same delivery is handled", async () => {
    let calls = 0;
    const { url } = await start(async () => {
      calls += 1;
      if (calls === 1) throw new Error("inbox unreachable");
    });
    const body = JSON.stringify(event);

    expect(await deliver(url, body)).toBe(500);
    expect(await deliver(url, body)).toBe(204);
    expect(await deliver(url, body)).toBe(204);
    expect(calls).toBe(2);
  });

  it("refuses a body over 64 KiB unread (413) and any method but POST (405)", async () => {
    const { url, stats } = await start(async () => {});
    const big = JSON.stringify({ ...event, subject: "x".repeat(70 * 1024) });

    expect(await deliver(url, big)).toBe(413);
    expect((await fetch(url)).status).toBe(405);
    expect(stats.verified).toBe(0);
  });
});
