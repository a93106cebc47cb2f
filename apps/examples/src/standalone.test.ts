import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { run as plainSes } from "./01-plain-ses.js";
import { run as requireEncryption } from "./03-require-encryption.js";
import { run as apiSend } from "./04-api-send.js";
import { run as receive } from "./06-receive.js";
import { run as webhookReceiver } from "./07-webhook-receiver.js";
import { run as marketplace } from "./08-marketplace.js";
import { startDevPlatform } from "./dev-platform.js";
import { ExampleEnv } from "./env.js";
import { runStandalone, shorten } from "./standalone.js";

/** A port free right now (the listener is closed before it is returned). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("an example run on its own", () => {
  it("uses a throwaway dev server when AGENTMAIL_API_BASE_URL is not set", async () => {
    const { target, facts } = await runStandalone(apiSend, {});
    expect(target).toBe("dev server");
    expect(facts.sent[0]?.result).toMatchObject({
      transport: "agentmail-api",
      encrypted: { body: true, attachments: true },
    });
  });

  it("runs against the services the environment names, SES included", async () => {
    // A platform that is not the examples' own: reached only through the variables a user sets.
    const platform = await startDevPlatform();
    try {
      const { server, context, recipientKeys } = platform;
      const env = {
        [ExampleEnv.apiBaseUrl]: server.url,
        [ExampleEnv.token]: context.sender.token,
        [ExampleEnv.mailDomain]: server.mailDomain,
        [ExampleEnv.awsRegion]: "us-east-1",
        [ExampleEnv.agentId]: context.sender.agentId,
        [ExampleEnv.recipientAgentId]: context.recipient.agentId,
        [ExampleEnv.recipientToken]: context.recipient.token,
        [ExampleEnv.recipientPrivateKey]: recipientKeys.privateKeyArmored,
        [ExampleEnv.revokedAgentId]: context.refusalPeers.revoked?.agentId,
      };
      // The AWS SDK reads its endpoint and credentials from the process environment.
      vi.stubEnv("AWS_ENDPOINT_URL_SES", server.url);
      // The sender's SES credentials, issued by the dev server (they send only as the sender).
      const senderSes = server.agents[context.sender.agentId]?.ses;
      vi.stubEnv("AWS_ACCESS_KEY_ID", senderSes?.accessKeyId ?? "");
      vi.stubEnv("AWS_SECRET_ACCESS_KEY", senderSes?.secretAccessKey ?? "");

      const plain = await runStandalone(plainSes, env);
      expect(plain.target).toBe("real services");
      expect(server.ses.messages().map((message) => message.api)).toEqual(["v1-raw", "v1-send"]);

      const refused = await runStandalone(requireEncryption, env);
      expect(refused.facts.refusals.map((refusal) => refusal.code)).toEqual(["peer_key_revoked"]);

      const received = await runStandalone(async (ctx) => {
        const [sent] = (await apiSend(ctx)).sent;
        return receive(ctx, { subject: sent?.message.subject ?? "" });
      }, env);
      expect(received.facts.message).toMatchObject({
        bodyTextDecrypted: "The Q3 numbers are attached. Revenue is up 12%.",
        // No AGENTMAIL_PRIVATE_KEY: the sender did not sign.
        verification: "unsigned",
      });
      expect(received.facts.message.attachments[0]).toMatchObject({
        filename: "numbers.csv",
        decrypted: true,
      });
    } finally {
      await platform.close();
    }
  });

  it("says which variables example 6 needs when the recipient's are missing", async () => {
    const platform = await startDevPlatform();
    try {
      const { context } = platform;
      await expect(
        receive(
          { ...context, recipient: { ...context.recipient, token: undefined } },
          { subject: "x" },
        ),
      ).rejects.toThrow(
        "set AGENTMAIL_RECIPIENT_TOKEN and AGENTMAIL_RECIPIENT_PRIVATE_KEY to read the recipient's inbox",
      );
    } finally {
      await platform.close();
    }
  });
});

describe("examples 7 and 8 through the environment", () => {
  it("receive on the webhook URL and port the environment names, and settle a marketplace job", async () => {
    const platform = await startDevPlatform();
    try {
      const { server, context, recipientKeys } = platform;
      const port = await freePort();
      const env = {
        [ExampleEnv.apiBaseUrl]: server.url,
        [ExampleEnv.token]: context.sender.token,
        [ExampleEnv.mailDomain]: server.mailDomain,
        [ExampleEnv.agentId]: context.sender.agentId,
        [ExampleEnv.recipientAgentId]: context.recipient.agentId,
        [ExampleEnv.recipientToken]: context.recipient.token,
        [ExampleEnv.recipientPrivateKey]: recipientKeys.privateKeyArmored,
        // Real services need public HTTPS forwarded to this port; the dev server takes loopback.
        [ExampleEnv.webhookUrl]: `http://localhost:${port}/hooks/agentmail`,
        [ExampleEnv.webhookPort]: String(port),
      };

      const hooked = await runStandalone(webhookReceiver, env);
      expect(hooked.target).toBe("real services");
      expect(hooked.facts.webhookUrl).toBe(`http://localhost:${port}/hooks/agentmail`);
      expect(hooked.facts.message.bodyTextDecrypted).toBe(
        "Invoice 7 is approved: pay 1,250.00 EUR by Friday.",
      );
      expect(server.webhooks.deliveries().map((record) => record.url)).toEqual([
        `http://localhost:${port}/hooks/agentmail`,
      ]);

      // A second run: the webhook was removed, so the set-up is a first one again.
      const again = await runStandalone(webhookReceiver, env);
      expect(again.facts.secretOnSetUp).toBe(true);

      const job = await runStandalone(marketplace, env);
      expect(job.facts.response.result.billing).toEqual(
        expect.objectContaining({ marketplace: { status: "settled", charge: 0.01021 } }),
      );
      expect(job.facts.usage.buyer.map((row) => row.kind)).toEqual([
        "reservation",
        "charge",
        "release",
      ]);
    } finally {
      await platform.close();
    }
  });

  it("example 7 says which variable it needs against real services without a webhook URL", async () => {
    const platform = await startDevPlatform();
    try {
      const { context } = platform;
      await expect(webhookReceiver({ ...context, target: "real services" })).rejects.toThrow(
        "set AGENTMAIL_WEBHOOK_URL: the platform POSTs to a public HTTPS URL",
      );
    } finally {
      await platform.close();
    }
  });
});

describe("shorten", () => {
  it("cuts armored text, shows bytes as a length and keys as their fingerprint", () => {
    const printed = shorten({
      body: `-----BEGIN PGP MESSAGE-----\n${"x".repeat(200)}`,
      bytes: new Uint8Array(27),
      key: { toJSON: () => ({ fingerprint: "ab" }) },
    });
    expect(printed).toEqual({
      body: expect.stringMatching(/^-----BEGIN PGP MESSAGE-----\nx+\.\.\.$/),
      bytes: "<27 bytes>",
      key: { fingerprint: "ab" },
    });
    expect((printed as { body: string }).body).toHaveLength(80);
  });
});
