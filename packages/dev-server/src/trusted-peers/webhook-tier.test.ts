// The server's wiring of trusted peers into webhooks: a notification rule for the `trusted` tier
// announces mail from an agent once the recipient trusts it over HTTP, and only then.
import { expect, it } from "vitest";
import { api, BUYER, BYSTANDER, MARKET_AGENTS, SELLER } from "../billing/testing.js";
import { useServers } from "../testing/helpers.js";
import { startReceiver } from "../webhooks/test-receiver.js";

const serve = useServers();

it("a rule for trusted peers announces a peer's mail once PUT /trusted-peers trusts it, and nobody else's", async () => {
  const server = await serve({
    agents: MARKET_AGENTS,
    webhookRetry: { attempts: 2, baseDelayMs: 1 },
  });
  let secret = "";
  const receiver = await startReceiver({ secret: () => secret });
  try {
    const webhook = await api(server, "PUT", "/webhook", SELLER, { url: receiver.url });
    expect(webhook.status).toBe(200);
    secret = (webhook.body as { signing_secret: string }).signing_secret;
    const rules = await api(server, "PUT", "/notifications", SELLER, {
      rules: [
        {
          id: "trusted-only",
          filters: { trust_tiers: ["trusted"] },
          channels: { webhook: { enabled: true } },
        },
      ],
    });
    expect(rules.status).toBe(200);
    const send = (token: string, subject: string) =>
      api(server, "POST", "/send", token, {
        to: "seller@agents.localhost",
        subject,
        body: "hello",
      });
    // Sent first: were either announced, it would be queued before the trusted ones.
    expect((await send(BUYER, "before trust")).status).toBe(200);
    expect((await send(BYSTANDER, "bystander")).status).toBe(200);
    expect((await api(server, "PUT", "/trusted-peers/buyer", SELLER, {})).status).toBe(200);
    expect((await send(BUYER, "trusted 1")).status).toBe(200);
    expect((await send(BUYER, "trusted 2")).status).toBe(200);
    await receiver.received(2);
    expect(receiver.events.map((event) => event.subject).sort()).toEqual([
      "trusted 1",
      "trusted 2",
    ]);
    expect(receiver.events.every((event) => event.agent_id === "seller")).toBe(true);
  } finally {
    await server.stop();
    await receiver.stop();
  }
});
