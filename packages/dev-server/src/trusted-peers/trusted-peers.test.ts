import { TrustedPeerListSchema, TrustedPeerSchema } from "@assmbl/core";
import { sdkError, sesErrorShape, signedHeaders } from "@assmbl/testing/ses";
import { SESClient, SendRawEmailCommand } from "@aws-sdk/client-ses";
import { SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";
import { afterEach, describe, expect, it } from "vitest";
import { api, BUYER, BYSTANDER, MARKET_AGENTS, SELLER } from "../billing/testing.js";
import type { DevServer } from "../server.js";
import { useServers } from "../testing/helpers.js";

const serve = useServers();
const START = Date.parse("2026-11-30T00:00:00.000Z");

/** A server whose clock the test moves: `clock.ms` is "now". */
async function world() {
  const clock = { ms: START };
  const server = await serve({ agents: MARKET_AGENTS, now: () => clock.ms });
  return { server, clock };
}

const message = (n: number) => ({
  to: "seller@agents.localhost",
  subject: `message ${n}`,
  body: "hello",
});

describe("trusted-peer routes", () => {
  it("PUT, GET and DELETE act on the token's agent only, with created_at from the server's clock", async () => {
    const { server, clock } = await world();
    const put = await api(server, "PUT", "/trusted-peers/BUYER", SELLER, {
      rate_cap: { max_messages: 3, window_seconds: 60 },
    });
    expect(put.status).toBe(200);
    expect(TrustedPeerSchema.parse(put.body)).toEqual({
      peer_agent_id: "buyer",
      rate_cap: { max_messages: 3, window_seconds: 60 },
      created_at: "2026-11-30T00:00:00.000Z",
    });
    clock.ms += 5_000;
    // Again: the cap changes, the row keeps its created_at.
    const again = await api(server, "PUT", "/trusted-peers/buyer", SELLER, {});
    expect(again.body).toEqual({
      peer_agent_id: "buyer",
      rate_cap: null,
      created_at: "2026-11-30T00:00:00.000Z",
    });
    await api(server, "PUT", "/trusted-peers/bystander", SELLER, { rate_cap: null });
    const list = await api(server, "GET", "/trusted-peers", SELLER);
    expect(
      TrustedPeerListSchema.parse(list.body).items.map((peer) => [
        peer.peer_agent_id,
        peer.created_at,
      ]),
    ).toEqual([
      ["buyer", "2026-11-30T00:00:00.000Z"],
      ["bystander", "2026-11-30T00:00:05.000Z"],
    ]);
    expect((await api(server, "GET", "/trusted-peers", BUYER)).body).toEqual({ items: [] });
    expect(server.store.trustedPeers.isTrusted("seller", "buyer")).toBe(true);
    // Another agent's DELETE touches its own list: the seller's row stays.
    expect((await api(server, "DELETE", "/trusted-peers/buyer", BYSTANDER)).status).toBe(204);
    expect(server.store.trustedPeers.isTrusted("seller", "buyer")).toBe(true);
    expect((await api(server, "DELETE", "/trusted-peers/buyer", SELLER)).status).toBe(204);
    // A retry is safe.
    expect((await api(server, "DELETE", "/trusted-peers/buyer", SELLER)).status).toBe(204);
    expect(server.store.trustedPeers.isTrusted("seller", "buyer")).toBe(false);
  });

  it("refuses an unknown peer with 404 agent_not_found, a bad id or body with 400 invalid_request, no token with 401", async () => {
    const { server } = await world();
    for (const method of ["PUT", "DELETE"]) {
      const unknown = await api(
        server,
        method,
        "/trusted-peers/nobody",
        SELLER,
        method === "PUT" ? {} : undefined,
      );
      expect(unknown.status).toBe(404);
      expect(unknown.body).toEqual({
        error: "agent_not_found",
        message: expect.stringContaining("nobody"),
      });
      const bad = await api(
        server,
        method,
        "/trusted-peers/a%20b",
        SELLER,
        method === "PUT" ? {} : undefined,
      );
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ error: "invalid_request" });
    }
    for (const body of [
      { rate_cap: { max_messages: 0, window_seconds: 60 } },
      { rate_cap: { max_messages: 1 } },
      { rate_cap: { max_messages: 1, window_seconds: 60, burst: 2 } },
      { rate_cap: 5 },
      { peer: "x" },
      [],
    ]) {
      const answer = await api(server, "PUT", "/trusted-peers/buyer", SELLER, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body).toMatchObject({ error: "invalid_request" });
    }
    expect((await api(server, "GET", "/trusted-peers", SELLER)).body).toEqual({ items: [] });
    for (const [method, path] of [
      ["GET", "/trusted-peers"],
      ["PUT", "/trusted-peers/buyer"],
      ["DELETE", "/trusted-peers/buyer"],
    ] as const) {
      expect((await fetch(server.url + path, { method })).status).toBe(401);
    }
  });
});

describe("a trusted peer's rate cap", () => {
  it("refuses the N+1th /send in the window with 429 rate_limited and Retry-After, delivering nothing, and lets it through once the window has passed", async () => {
    const { server, clock } = await world();
    await api(server, "PUT", "/trusted-peers/buyer", SELLER, {
      rate_cap: { max_messages: 3, window_seconds: 60 },
    });
    for (const n of [1, 2, 3]) {
      expect((await api(server, "POST", "/send", BUYER, message(n))).status).toBe(200);
      clock.ms += 10_000;
    }
    // Now START + 30 s: the first message (at START) leaves the window at START + 60 s.
    const refused = await api(server, "POST", "/send", BUYER, {
      ...message(4),
      cc: ["bystander@agents.localhost"],
    });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("30");
    expect(refused.body).toEqual({ error: "rate_limited", message: expect.any(String) });
    // Nothing of the send was delivered, not even to the recipient without a cap.
    expect(server.store.inbox("seller").map((m) => m.subject)).toEqual([
      "message 1",
      "message 2",
      "message 3",
    ]);
    expect(server.store.inbox("bystander")).toEqual([]);
    expect(server.sent.messages()).toHaveLength(3);
    // Other senders are not held to the buyer's cap.
    expect((await api(server, "POST", "/send", BYSTANDER, message(5))).status).toBe(200);

    clock.ms = START + 59_999;
    expect((await api(server, "POST", "/send", BUYER, message(6))).status).toBe(429);
    clock.ms = START + 60_000;
    expect((await api(server, "POST", "/send", BUYER, message(7))).status).toBe(200);
    // The window slides: messages 2, 3 and 7 are in it now.
    const next = await api(server, "POST", "/send", BUYER, message(8));
    expect(next.status).toBe(429);
    expect(next.headers.get("retry-after")).toBe("10");
    // Removing the cap lifts it.
    await api(server, "PUT", "/trusted-peers/buyer", SELLER, { rate_cap: null });
    expect((await api(server, "POST", "/send", BUYER, message(9))).status).toBe(200);
  });

  describe("through the SES endpoint", () => {
    const made: Array<{ destroy(): void }> = [];
    afterEach(() => {
      for (const client of made.splice(0)) client.destroy();
    });
    // One attempt: the SDKs retry Throttling on their own, which would hide the answer.
    const clients = (server: DevServer) => {
      const config = {
        endpoint: server.url,
        region: "us-east-1",
        credentials: { ...(server.agents.buyer?.ses ?? { accessKeyId: "", secretAccessKey: "" }) },
        maxAttempts: 1,
      };
      const pair = { v1: new SESClient(config), v2: new SESv2Client(config) };
      made.push(pair.v1, pair.v2);
      return pair;
    };
    const raw = (n: number) =>
      new TextEncoder().encode(
        `From: buyer@agents.localhost\r\nTo: seller@agents.localhost\r\nSubject: ses ${n}\r\n\r\nhi\r\n`,
      );

    it("answers SES's Throttling (v1) and TooManyRequestsException (v2) past the cap, counting /send and SES mail together", async () => {
      const { server, clock } = await world();
      const { v1, v2 } = clients(server);
      await api(server, "PUT", "/trusted-peers/buyer", SELLER, {
        rate_cap: { max_messages: 2, window_seconds: 3600 },
      });
      await v1.send(new SendRawEmailCommand({ RawMessage: { Data: raw(1) } }));
      expect((await api(server, "POST", "/send", BUYER, message(2))).status).toBe(200);

      const first = await sdkError(
        v1.send(new SendRawEmailCommand({ RawMessage: { Data: raw(3) } })),
      );
      expect(first.name).toBe("Throttling");
      expect(first.$metadata.httpStatusCode).toBe(400);
      const second = await sdkError(
        v2.send(new SendEmailCommand({ Content: { Raw: { Data: raw(4) } } })),
      );
      expect(second.name).toBe("TooManyRequestsException");
      expect(second.$metadata.httpStatusCode).toBe(429);
      // The wire answer is SES's XML error format.
      const body = new URLSearchParams({
        Action: "SendRawEmail",
        Version: "2010-12-01",
        "RawMessage.Data": Buffer.from(raw(5)).toString("base64"),
      }).toString();
      const response = await fetch(`${server.url}/`, {
        method: "POST",
        headers: signedHeaders(`${server.url}/`, {
          body,
          credentials: server.agents.buyer?.ses ?? { accessKeyId: "", secretAccessKey: "" },
          headers: { "content-type": "application/x-www-form-urlencoded" },
        }),
        body,
      });
      const text = await response.text();
      expect(response.status).toBe(400);
      expect(sesErrorShape(response, text)).toBe(true);
      expect(text).toContain("<Code>Throttling</Code>");
      expect(server.store.inbox("seller").map((m) => m.subject)).toEqual(["ses 1", "message 2"]);
      expect(server.ses.messages()).toHaveLength(1);

      clock.ms += 3_600_000;
      await v2.send(new SendEmailCommand({ Content: { Raw: { Data: raw(6) } } }));
      expect(server.store.inbox("seller").map((m) => m.subject)).toEqual([
        "ses 1",
        "message 2",
        "ses 6",
      ]);
    });
  });
});
