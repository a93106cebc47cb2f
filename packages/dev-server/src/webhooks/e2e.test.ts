// The webhook through the running dev server: set up over HTTP, a `/send` delivery announced to a
// loopback receiver that verifies it, then the message read with the id the event carried.
import { Routes, routePath, SendResponseSchema, WebhookConfigSchema } from "@assmbl/core";
import { afterEach, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../server.js";
import { startReceiver, type WebhookReceiver } from "./test-receiver.js";

const running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((each) => each.stop()));
});

function api(
  server: DevServer,
  agentId: string,
  route: { method: string; path: string },
  body?: unknown,
) {
  return fetch(server.url + route.path, {
    method: route.method,
    headers: {
      authorization: `Bearer ${server.agents[agentId]?.token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function send(server: DevServer, subject: string, headers: Record<string, string> = {}) {
  const response = await api(server, "alice", Routes.send, {
    to: "bob@agents.localhost",
    subject,
    body: "hello",
    headers,
  });
  expect(response.status).toBe(200);
  return SendResponseSchema.parse(await response.json());
}

it("announces a /send delivery to the agent's webhook, signed, retried once, and the message reads back", async () => {
  const server = await startDevServer({
    agents: [{ agentId: "alice" }, { agentId: "bob" }],
    webhookRetry: { attempts: 3, baseDelayMs: 1 },
  });
  running.push(server);
  let secret = "";
  const receiver: WebhookReceiver = await startReceiver({
    secret: () => secret,
    answer: (n, request) => (request.event === undefined ? 401 : n === 1 ? 500 : 200),
  });
  running.push(receiver);

  const put = await api(server, "bob", Routes.putWebhook, { url: receiver.url });
  secret = WebhookConfigSchema.parse(await put.json()).signing_secret ?? "";
  expect(secret).toMatch(/^whsec_/);

  const sent = await send(server, "Hello Bob", { "X-Workflow-Name": "demo" });
  await receiver.received(2);
  expect(receiver.requests.map((request) => request.rejected)).toEqual([undefined, undefined]);
  expect(receiver.events).toEqual([
    expect.objectContaining({
      agent_id: "bob",
      message_id: sent.message_id,
      sender: "alice@agents.localhost",
      sender_verified: true,
      subject: "Hello Bob",
      correlation_id: sent.correlation_id,
    }),
  ]);
  const read = await api(server, "bob", {
    method: "GET",
    path: routePath(Routes.getMessage, { id: receiver.events[0]?.message_id ?? "" }),
  });
  expect(read.status).toBe(200);
  expect((await read.json()).Subject).toBe("Hello Bob");
});

it("selects by trust tier with the server's trusted peers", async () => {
  const server = await startDevServer({
    agents: [{ agentId: "alice" }, { agentId: "bob" }, { agentId: "carol" }],
    webhookRetry: { attempts: 1, baseDelayMs: 1 },
  });
  running.push(server);
  let secret = "";
  const receiver = await startReceiver({ secret: () => secret });
  running.push(receiver);
  const put = await api(server, "bob", Routes.putWebhook, { url: receiver.url });
  secret = WebhookConfigSchema.parse(await put.json()).signing_secret ?? "";
  const rules = {
    rules: [
      {
        id: "peers",
        filters: { trust_tiers: ["trusted"] },
        channels: { webhook: { enabled: true } },
      },
    ],
  };
  expect((await api(server, "bob", Routes.putNotifications, rules)).status).toBe(200);
  const trust = await api(
    server,
    "bob",
    { method: "PUT", path: routePath(Routes.putTrustedPeer, { peer_agent_id: "alice" }) },
    { rate_cap: null },
  );
  expect(trust.status).toBe(200);

  await send(server, "from a trusted peer");
  const fromCarol = await api(server, "carol", Routes.send, {
    to: "bob@agents.localhost",
    subject: "from carol",
    body: "hi",
  });
  expect(fromCarol.status).toBe(200);
  await send(server, "trusted again");
  await receiver.received(2);
  expect(receiver.events.map((event) => event.subject)).toEqual([
    "from a trusted peer",
    "trusted again",
  ]);
});
