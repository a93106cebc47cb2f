import { SendResponseSchema } from "@assmbl/core";
import { useSesClients } from "@assmbl/testing/ses";
import { SendRawEmailCommand } from "@aws-sdk/client-ses";
import { describe, expect, it } from "vitest";
import type { DevServer } from "./server.js";
import { useServers } from "./testing/helpers.js";
import { call, send } from "./testing/platform.js";

const serve = useServers();
const clients = useSesClients();

const AGENTS = [
  { agentId: "my-agent", token: "token-my-agent" },
  { agentId: "other-agent", token: "token-other-agent" },
];

/** `GET /outbound` as `token`: the caller's outbound mail. */
async function outbound(server: DevServer, token: string) {
  const response = await call(server, "/outbound", token);
  expect(response.status).toBe(200);
  return (await response.json()) as {
    items: Array<
      { message_id: string; via: string; from: string; recipients: string[] } & Record<
        string,
        unknown
      >
    >;
  };
}

describe("mail to a domain the dev server does not serve", () => {
  it("POST /send: the answer names each recipient's fate and the mail is in the sender's outbound list", async () => {
    const server = await serve({ agents: AGENTS });
    const response = await send(server, "token-my-agent", {
      to: ["x@agents.example.com", "other-agent@agents.localhost"],
      cc: ["nobody@agents.localhost"],
      subject: "hi",
      body: "hello",
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    // Core's schema (what the API transport reads) keeps the field.
    expect(SendResponseSchema.parse(body).recipients).toEqual(body.recipients);
    expect(body.recipients).toEqual([
      { address: "x@agents.example.com", status: "outbound" },
      { address: "other-agent@agents.localhost", status: "delivered" },
      { address: "nobody@agents.localhost", status: "unknown_agent" },
    ]);
    const { items } = await outbound(server, "token-my-agent");
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      message_id: body.message_id,
      via: "api",
      from: "my-agent@agents.localhost",
      recipients: ["x@agents.example.com"],
      subject: "hi",
    });
    expect(String(items[0]?.raw_mime)).toContain("To: x@agents.example.com");
    // Another agent sees none of it.
    expect((await outbound(server, "token-other-agent")).items).toEqual([]);
    expect(server.store.outbound.messages().map((m) => m.recipients)).toEqual([
      ["x@agents.example.com"],
    ]);
  });

  it("the SES endpoint keeps it in the sender's outbound list too", async () => {
    const server = await serve({ agents: AGENTS });
    const raw =
      "From: my-agent@agents.localhost\r\nTo: x@agents.example.com\r\nSubject: via ses\r\n" +
      "Message-ID: <ses-out@agents.localhost>\r\n\r\nhello\r\n";
    const { v1 } = clients(server);
    const result = await v1.send(
      new SendRawEmailCommand({ RawMessage: { Data: Buffer.from(raw) } }),
    );
    const { items } = await outbound(server, "token-my-agent");
    expect(items).toEqual([
      expect.objectContaining({
        message_id: result.MessageId,
        via: "ses",
        from: "my-agent@agents.localhost",
        recipients: ["x@agents.example.com"],
        subject: "via ses",
        raw_mime: raw,
      }),
    ]);
  });

  it("GET /outbound needs a token", async () => {
    const server = await serve({ agents: AGENTS });
    expect((await fetch(`${server.url}/outbound`)).status).toBe(401);
    expect((await call(server, "/outbound", "wrong")).status).toBe(401);
  });
});

describe("the outbound list", () => {
  it("keeps copies, and a replayed /send adds nothing", async () => {
    const server = await serve({ agents: AGENTS });
    const request = {
      to: "x@agents.example.com",
      subject: "once",
      body: "b",
      idempotency_key: "k1",
    };
    const first = await (await send(server, "token-my-agent", request)).json();
    const replay = await send(server, "token-my-agent", request);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await replay.json()).toEqual(first);
    const [kept] = server.outbound.messages();
    if (!kept) throw new Error("nothing kept");
    kept.recipients.push("y@elsewhere.example");
    kept.raw[0] = 0;
    expect(server.outbound.forAgent("my-agent")).toEqual([
      expect.objectContaining({ recipients: ["x@agents.example.com"], subject: "once" }),
    ]);
    expect(server.outbound.messages()[0]?.raw[0]).toBe("F".charCodeAt(0));
    expect(server.outbound.forAgent("other-agent")).toEqual([]);
  });

  it("mail only to local agents is not outbound", async () => {
    const server = await serve({ agents: AGENTS });
    const body = await (
      await send(server, "token-my-agent", {
        to: "OTHER-AGENT@agents.localhost",
        subject: "s",
        body: "b",
      })
    ).json();
    expect(body.recipients).toEqual([
      { address: "OTHER-AGENT@agents.localhost", status: "delivered" },
    ]);
    expect(server.outbound.messages()).toEqual([]);
    expect(server.store.inbox("other-agent")).toHaveLength(1);
  });
});
