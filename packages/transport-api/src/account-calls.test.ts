// getNotifications / putNotifications and the trusted-peer calls against the dev server
// (camelCase in, the wire's snake_case on the way, camelCase out), input refused by name before
// any request, and answers off the contract refused (scripted server).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgentMailClient } from "./client.js";
import { errorOf } from "./testing/fixtures.js";
import { type Platform, SENDER_ID, startPlatform } from "./testing/platform.js";
import { scriptedServer } from "./testing/scripted-server.js";

let platform: Platform;
beforeAll(async () => {
  platform = await startPlatform();
}, 60_000);
afterAll(async () => {
  await platform?.stop();
});

describe("notification rules", () => {
  it("an empty list at first; a put replaces the list and answers it with defaults filled in", async () => {
    const client = platform.inbox;
    expect(await client.getNotifications()).toEqual([]);
    const stored = await client.putNotifications([
      {
        id: "paid",
        name: "verified marketplace",
        filters: { senderVerified: true, trafficTypes: ["marketplace"], trustTiers: ["verified"] },
        channels: {
          webhook: { enabled: true, url: "http://127.0.0.1:9/paid" },
          email: { enabled: true, recipients: ["ops@agents.example.com"] },
        },
      },
      { id: "rest", filters: { senderDomains: ["agents.example.com"] } },
    ]);
    const expected = [
      {
        id: "paid",
        name: "verified marketplace",
        enabled: true,
        filters: { senderVerified: true, trafficTypes: ["marketplace"], trustTiers: ["verified"] },
        channels: {
          webhook: { enabled: true, url: "http://127.0.0.1:9/paid" },
          email: { enabled: true, recipients: ["ops@agents.example.com"] },
        },
      },
      {
        id: "rest",
        name: "",
        enabled: true,
        filters: { senderDomains: ["agents.example.com"] },
        channels: {},
      },
    ];
    expect(stored).toEqual(expected);
    expect(await client.getNotifications()).toEqual(expected);
    // The dev server checks bodies with core's strict snake_case schema: camelCase would be a 400.
    expect(await client.putNotifications([])).toEqual([]);
    expect(await client.getNotifications()).toEqual([]);
  });

  it("refuses unknown keys by name (at every level), bounds and duplicate ids before any request", async () => {
    platform.server.requests.clear();
    for (const [rules, named] of [
      [[{ id: "a", sender_verified: true }], "sender_verified"],
      [[{ id: "a", filters: { traffic_types: ["direct"] } }], "traffic_types"],
      [[{ id: "a", channels: { webhook: { enabled: true, uri: "x" } } }], "uri"],
      [[{ id: "a", filters: { trafficTypes: ["spam"] } }], "trafficTypes"],
      [[{ id: "a", channels: { webhook: { enabled: true, url: "ftp://x.example" } } }], "url"],
      [[{ id: "a" }, { id: "a" }], "distinct"],
      [Array.from({ length: 51 }, (_, i) => ({ id: `r${i}` })), "50"],
      [{ rules: [] }, "array"],
    ] as const) {
      expect(await errorOf(platform.inbox.putNotifications(rules as never))).toMatchObject({
        code: "invalid_options",
        message: expect.stringContaining(named),
      });
    }
    expect(platform.server.requests.count()).toBe(0);
  });
});

describe("trusted peers", () => {
  it("put (with and without a cap), list, delete", async () => {
    const client = platform.inbox;
    expect(await client.listTrustedPeers()).toEqual([]);
    const capped = await client.putTrustedPeer("Report-Bot", {
      rateCap: { maxMessages: 10, windowSeconds: 60 },
    });
    expect(capped).toEqual({
      peerAgentId: SENDER_ID,
      rateCap: { maxMessages: 10, windowSeconds: 60 },
      createdAt: expect.any(Date),
    });
    expect(Number.isNaN(capped.createdAt.getTime())).toBe(false);
    expect(await client.putTrustedPeer(SENDER_ID)).toMatchObject({ rateCap: null });
    expect(await client.listTrustedPeers()).toEqual([
      { peerAgentId: SENDER_ID, rateCap: null, createdAt: expect.any(Date) },
    ]);
    await client.deleteTrustedPeer(SENDER_ID);
    expect(await client.listTrustedPeers()).toEqual([]);
  });

  it("an agent the platform does not have is agent_not_found", async () => {
    expect(await errorOf(platform.inbox.putTrustedPeer("nobody-here"))).toMatchObject({
      code: "agent_not_found",
      status: 404,
    });
  });

  it("refuses bad peer ids and unknown options before any request", async () => {
    platform.server.requests.clear();
    const client = platform.inbox;
    for (const bad of ["..", ".", "", "a/b", "a b", "x".repeat(65), "a\nb"]) {
      expect(await errorOf(client.putTrustedPeer(bad)), bad).toMatchObject({
        code: "invalid_agent_id",
      });
      expect(await errorOf(client.deleteTrustedPeer(bad)), bad).toMatchObject({
        code: "invalid_agent_id",
      });
    }
    for (const [input, named] of [
      [{ rate_cap: null }, "rate_cap"],
      [{ rateCap: { maxMessages: 0, windowSeconds: 60 } }, "maxMessages"],
      [{ rateCap: { maxMessages: 1, windowSeconds: 60, burst: 2 } }, "burst"],
    ] as const) {
      expect(await errorOf(client.putTrustedPeer(SENDER_ID, input as never))).toMatchObject({
        code: "invalid_options",
        message: expect.stringContaining(named),
      });
    }
    expect(platform.server.requests.count()).toBe(0);
  });
});

describe("answers off the contract", () => {
  it.each([
    ["getNotifications", '{"rules":[{"id":"a","extra":1}]}'],
    ["listTrustedPeers", '{"items":[{"peer_agent_id":"a","rate_cap":null}]}'],
    [
      "listTrustedPeers",
      '{"items":[{"peer_agent_id":"a","rate_cap":null,"created_at":"yesterday"}]}',
    ],
  ] as const)("%s %s: invalid_response", async (call, body) => {
    const server = await scriptedServer([
      { status: 200, headers: { "content-type": "application/json" }, body },
    ]);
    try {
      const client = createAgentMailClient({
        baseUrl: server.url,
        token: "t".repeat(32),
        retry: { limit: 0 },
      });
      expect(await errorOf(client[call]())).toMatchObject({ code: "invalid_response" });
    } finally {
      await server.stop();
    }
  });

  it("peer ids travel percent-encoded in the path", async () => {
    const server = await scriptedServer([{ status: 204 }]);
    try {
      const client = createAgentMailClient({ baseUrl: server.url, token: "t".repeat(32) });
      await client.deleteTrustedPeer("a.b_c-d");
      expect(server.requests.map((r) => [r.method, r.url])).toEqual([
        ["DELETE", "/trusted-peers/a.b_c-d"],
      ]);
    } finally {
      await server.stop();
    }
  });
});
