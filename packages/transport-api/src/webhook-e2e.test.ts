// End to end: the dev server with two agents whose keys were registered over HTTP; bob's webhook
// set up with the client's putWebhook; an encrypted,
// signed message sent with createMailer + apiTransport; a plain node:http receiver verifies the
// delivery with the SDK's verifyWebhookSignature and dedupes on delivery_id; then fetchMessage
// decrypts the message the event names.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { createMailer, type WebhookEvent, WebhookEventSchema } from "@assmbl/core";
import { loadPrivateKey, openpgpCrypto } from "@assmbl/crypto";
import { createDirectory } from "@assmbl/directory";
import { startTestPlatform } from "@assmbl/testing/platform";
import { expect, it } from "vitest";
import { apiTransport, createAgentMailClient, verifyWebhookSignature } from "./index.js";

const MAIL_DOMAIN = "agents.example.com";

/** A receiving agent's webhook endpoint: verifies each POST, accepts each delivery_id once. */
async function startReceiver(secret: () => string) {
  const events: WebhookEvent[] = [];
  const rejected: string[] = [];
  const seen = new Set<string>();
  let arrived: () => void = () => {};
  const first = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  const read = async (request: IncomingMessage) => {
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of request) {
      length += (chunk as Buffer).length;
      if (length > 64 * 1024) throw new Error("too large");
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  };
  const server = createServer((request, response) => {
    void (async () => {
      const rawBody = await read(request);
      try {
        await verifyWebhookSignature({
          secret: secret(),
          timestamp: request.headers["x-agentmail-timestamp"] as string | undefined,
          signature: request.headers["x-agentmail-signature"] as string | undefined,
          rawBody,
        });
      } catch (error) {
        rejected.push((error as Error).message);
        response.writeHead(401).end();
        return;
      }
      const event = WebhookEventSchema.parse(JSON.parse(rawBody.toString("utf8")));
      expect(request.headers["x-agentmail-delivery-id"]).toBe(event.delivery_id);
      if (!seen.has(event.delivery_id)) {
        seen.add(event.delivery_id);
        events.push(event);
      }
      response.writeHead(204).end();
      arrived();
    })().catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/mail`,
    events,
    rejected,
    first,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

it("announces an encrypted send to the recipient's webhook; the event verifies and names the message fetchMessage decrypts", async () => {
  const platform = await startTestPlatform({
    mailDomain: MAIL_DOMAIN,
    agents: [
      { agentId: "alice", keys: "register" },
      { agentId: "bob", keys: "register" },
    ],
    webhookRetry: { attempts: 3, baseDelayMs: 1 },
  });
  let secret = "";
  const receiver = await startReceiver(() => secret);
  try {
    const alice = platform.agent("alice");
    const bob = platform.agent("bob");
    const bobClient = createAgentMailClient({ baseUrl: platform.url, token: bob.token });
    const webhook = await bobClient.putWebhook({ url: receiver.url });
    expect(webhook).toMatchObject({ url: receiver.url, enabled: true });
    secret = webhook.signingSecret ?? "";
    expect(secret).toMatch(/^whsec_/);

    const directory = createDirectory({ baseUrl: platform.url });
    const mailer = createMailer(apiTransport({ baseUrl: platform.url, token: alice.token }), {
      from: alice.address,
      mailDomain: MAIL_DOMAIN,
      directory,
      crypto: openpgpCrypto({
        signingKey: await loadPrivateKey(alice.keys?.privateKeyArmored ?? ""),
      }),
    });
    const sent = await mailer.send({
      to: bob.address,
      subject: "Encrypted task",
      text: "the plan \u2713",
      encrypt: true,
      correlationId: "workflow-42",
    });

    await receiver.first;
    expect(receiver.rejected).toEqual([]);
    expect(receiver.events).toEqual([
      expect.objectContaining({
        event: "mail.received",
        agent_id: "bob",
        sender: alice.address,
        sender_verified: true,
        subject: "Encrypted task",
        correlation_id: "workflow-42",
        marketplace_request_id: null,
      }),
    ]);
    const event = receiver.events[0] as WebhookEvent;
    expect(event.message_id).toBe(sent.messageId);

    const inbox = createAgentMailClient({
      baseUrl: platform.url,
      token: bob.token,
      mailDomain: MAIL_DOMAIN,
    });
    const message = await inbox.fetchMessage(event.message_id, {
      decryptWith: await loadPrivateKey(bob.keys?.privateKeyArmored ?? ""),
      verifyWith: directory,
    });
    expect(message).toMatchObject({
      encrypted: true,
      bodyTextDecrypted: "the plan \u2713",
      verification: "valid",
    });
  } finally {
    await receiver.stop();
    await platform.close();
  }
});
