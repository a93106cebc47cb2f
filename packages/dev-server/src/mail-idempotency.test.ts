import { SESClient, SendRawEmailCommand } from "@aws-sdk/client-ses";
import { SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";
import { afterEach, describe, expect, it } from "vitest";
import type { DevDeliveryReport } from "./delivery.js";
import {
  idempotencyKeyOf,
  MAIL_IDEMPOTENCY_LIMITS,
  MailIdempotencyLedger,
  mailIdempotency,
} from "./mail-idempotency.js";
import type { DevServer } from "./server.js";
import { useServers } from "./testing/helpers.js";

const serve = useServers();
const START = Date.UTC(2030, 0, 1);

const made: Array<{ destroy(): void }> = [];
afterEach(() => {
  for (const client of made.splice(0)) client.destroy();
});

function clients(server: DevServer, agentId: string) {
  const ses = server.agents[agentId]?.ses;
  if (!ses) throw new Error(`no agent ${agentId}`);
  const config = { endpoint: server.url, region: "us-east-1", credentials: { ...ses } };
  const pair = { v1: new SESClient(config), v2: new SESv2Client(config) };
  made.push(pair.v1, pair.v2);
  return pair;
}

async function world() {
  const clock = { ms: START };
  const reports: DevDeliveryReport[] = [];
  const server = await serve({
    agents: [{ agentId: "alpha" }, { agentId: "beta" }, { agentId: "peer" }, { agentId: "other" }],
    now: () => clock.ms,
    onDelivery: (report) => reports.push(report),
  });
  return { server, clock, reports, alpha: clients(server, "alpha"), beta: clients(server, "beta") };
}

const raw = (from: string, to: string, subject: string, key?: string) =>
  new TextEncoder().encode(
    `From: ${from}@agents.localhost\r\nTo: ${to}\r\nSubject: ${subject}\r\n` +
      (key === undefined ? "" : `X-AgentMail-Idempotency-Key: ${key}\r\n`) +
      "\r\nhi\r\n",
  );
const v1 = (bytes: Uint8Array) => new SendRawEmailCommand({ RawMessage: { Data: bytes } });
const v2 = (bytes: Uint8Array) => new SendEmailCommand({ Content: { Raw: { Data: bytes } } });
const inbox = (server: DevServer, agentId: string) =>
  server.store.inbox(agentId).map((m) => m.subject);

async function apiSend(server: DevServer, agentId: string, body: Record<string, unknown>) {
  const response = await fetch(`${server.url}/send`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${server.agents[agentId]?.token}`,
      "content-type": "application/json",
    },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { message_id: string; recipients: unknown[] };
}

describe("the mail processor's X-AgentMail-Idempotency-Key", () => {
  it("delivers a repeated key once across v1 and v2; SES still accepts each call with a new MessageId", async () => {
    const { server, reports, alpha } = await world();
    const message = raw("alpha", "peer@agents.localhost", "once", "idem-1");
    const first = await alpha.v1.send(v1(message));
    const second = await alpha.v2.send(v2(message));
    const third = await alpha.v1.send(v1(message));
    expect(new Set([first.MessageId, second.MessageId, third.MessageId]).size).toBe(3);
    expect(inbox(server, "peer")).toEqual(["once"]);
    // The one copy is the first send's.
    expect(server.store.inbox("peer")[0]?.id).toBe(first.MessageId);
    expect(server.ses.messages().map((m) => m.deliveredTo)).toEqual([["peer"], [], []]);
    expect(reports[1]).toMatchObject({
      messageId: second.MessageId,
      deliveredTo: [],
      duplicates: ["peer"],
      recipients: [
        { address: "peer@agents.localhost", status: "delivered", messageId: first.MessageId },
      ],
    });
    expect(reports[0]?.duplicates).toBeUndefined();
  });

  it("is per sender; another key, or none, is delivered every time", async () => {
    const { server, alpha, beta } = await world();
    await alpha.v1.send(v1(raw("alpha", "peer@agents.localhost", "a", "shared")));
    await beta.v1.send(v1(raw("beta", "peer@agents.localhost", "b", "shared")));
    await alpha.v2.send(v2(raw("alpha", "peer@agents.localhost", "c", "other-key")));
    await alpha.v2.send(v2(raw("alpha", "peer@agents.localhost", "d")));
    await alpha.v2.send(v2(raw("alpha", "peer@agents.localhost", "d")));
    // Keys are compared exactly.
    await alpha.v1.send(v1(raw("alpha", "peer@agents.localhost", "e", "SHARED")));
    expect(inbox(server, "peer")).toEqual(["a", "b", "c", "d", "d", "e"]);
  });

  it("a repeat naming a recipient the first did not reach reaches only that one", async () => {
    const { server, reports, alpha } = await world();
    await alpha.v1.send(v1(raw("alpha", "peer@agents.localhost", "one", "idem-2")));
    const again = await alpha.v2.send(
      v2(raw("alpha", "peer@agents.localhost, other@agents.localhost", "one", "idem-2")),
    );
    expect(inbox(server, "peer")).toEqual(["one"]);
    expect(inbox(server, "other")).toEqual(["one"]);
    // The first copy this send delivered has its MessageId.
    expect(server.store.inbox("other")[0]?.id).toBe(again.MessageId);
    expect(reports[1]).toMatchObject({ deliveredTo: ["other"], duplicates: ["peer"] });
  });

  it("is shared with POST /send (one mail processor behind both), whose own ledger answers identical repeats", async () => {
    const { server, alpha } = await world();
    await alpha.v1.send(v1(raw("alpha", "peer@agents.localhost", "via ses", "idem-3")));
    const request = {
      to: "peer@agents.localhost",
      subject: "via api",
      body: "hi",
      idempotency_key: "idem-3",
    };
    const api = await apiSend(server, "alpha", request);
    expect(api.recipients).toEqual([{ address: "peer@agents.localhost", status: "delivered" }]);
    expect(inbox(server, "peer")).toEqual(["via ses"]);

    // The other way round: /send first, then SES with the key /send wrote into the MIME.
    const sent = await apiSend(server, "alpha", { ...request, idempotency_key: "idem-4" });
    const again = await apiSend(server, "alpha", { ...request, idempotency_key: "idem-4" });
    expect(again.message_id).toBe(sent.message_id); // /send's ledger replayed its answer
    await alpha.v2.send(v2(raw("alpha", "peer@agents.localhost", "via ses 2", "idem-4")));
    expect(inbox(server, "peer")).toEqual(["via ses", "via api"]);
  });

  it("forgets a key 24 hours after its first delivery (the server's clock)", async () => {
    const { server, clock, alpha } = await world();
    const message = raw("alpha", "peer@agents.localhost", "daily", "idem-5");
    await alpha.v1.send(v1(message));
    clock.ms += MAIL_IDEMPOTENCY_LIMITS.ttlMs - 1;
    await alpha.v1.send(v1(message));
    expect(inbox(server, "peer")).toEqual(["daily"]);
    clock.ms += 1;
    await alpha.v1.send(v1(message));
    expect(inbox(server, "peer")).toEqual(["daily", "daily"]);
    expect(mailIdempotency(server.store).size()).toBe(1);
  });
});

describe("MailIdempotencyLedger", () => {
  it("keeps at most MAIL_IDEMPOTENCY_LIMITS.maxKeys keys, forgetting the oldest first", () => {
    const ledger = new MailIdempotencyLedger(() => START);
    const { maxKeys } = MAIL_IDEMPOTENCY_LIMITS;
    for (let i = 0; i <= maxKeys; i++) ledger.record("alpha", `k${i}`, "peer", `m${i}`);
    expect(ledger.size()).toBe(maxKeys);
    expect(ledger.copies("alpha", "k0")).toBeUndefined();
    expect(ledger.copies("alpha", "k1")?.get("peer")).toBe("m1");
    expect(ledger.copies("alpha", `k${maxKeys}`)?.get("peer")).toBe(`m${maxKeys}`);
  });

  it("stores a digest, not the key: a 1 MB key costs what a short one does", () => {
    const ledger = new MailIdempotencyLedger(() => START);
    const key = "k".repeat(1024 * 1024);
    ledger.record("alpha", key, "peer", "m1");
    expect(ledger.copies("alpha", key)?.get("peer")).toBe("m1");
    expect(ledger.copies("alpha", `${key}x`)).toBeUndefined();
  });

  it.each([
    ["X-AgentMail-Idempotency-Key: idem-1\r\n", "idem-1"],
    ["x-agentmail-idempotency-key:   spaced  \r\n", "spaced"],
    ["X-AgentMail-Idempotency-Key: first\r\nX-AgentMail-Idempotency-Key: second\r\n", "first"],
    ["X-AgentMail-Idempotency-Key: \r\n", undefined],
    ["", undefined],
  ])("reads the key from %j", (header, key) => {
    const bytes = new TextEncoder().encode(`From: a@x.example\r\n${header}Subject: s\r\n\r\nbody`);
    expect(idempotencyKeyOf(bytes)).toBe(key);
  });
});
