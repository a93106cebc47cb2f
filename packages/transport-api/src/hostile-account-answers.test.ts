// The account, billing, attachment and iteration calls against a scripted node:http peer that
// answers what a broken or hostile server (or a proxy in front of the API) would: 404 pages that
// are not the API's, rotations without a secret, text with control characters, URLs that are not
// http(s), dates that are not dates. Each answer is checked, never passed on as the API's word.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { AgentMailError } from "@assmbl/core";
import { afterEach, describe, expect, it } from "vitest";
import { createAgentMailClient } from "./index.js";

type Handler = (request: IncomingMessage, response: ServerResponse, n: number) => void;
const servers: Array<{ close(): Promise<void> }> = [];

async function peer(handler: Handler) {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    request.resume();
    request.on("end", () => handler(request, response, requests.length - 1));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const close = () => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  servers.push({ close });
  const { port } = server.address() as AddressInfo;
  const client = createAgentMailClient({
    baseUrl: `http://127.0.0.1:${port}`,
    token: "tok_test",
    retry: { limit: 2, backoffLimitMs: 1 },
  });
  return { client, requests };
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

function json(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}
const apiNotFound = (response: ServerResponse) =>
  json(response, 404, { error: "not_found", message: "no such thing" });
const proxyNotFound = (response: ServerResponse) => {
  response.writeHead(404, { "content-type": "text/html" });
  response.end("<html>404 Not Found (nginx)</html>");
};
// The request went out; the answer never comes back (what a lost answer looks like).
const lost = (_request: IncomingMessage, response: ServerResponse) => response.destroy();

async function errorOf(promise: Promise<unknown>): Promise<AgentMailError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!AgentMailError.is(error))
    throw new Error(`expected an AgentMailError, got ${String(error)}`);
  return error;
}

const item = (id: string) => ({
  MessageID: id,
  Sender: "a@agents.example.com",
  SenderVerified: true,
  Subject: id,
  ReceivedAt: "2026-01-01T00:00:00Z",
});

describe("iterMessages and 404s", () => {
  it("ends with not_found when a message's 404 is a proxy's page, instead of skipping every message", async () => {
    const { client, requests } = await peer((request, response) => {
      if (request.url?.startsWith("/inbox"))
        return json(response, 200, { items: [item("m1"), item("m2")], next_cursor: null });
      proxyNotFound(response);
    });
    const got: string[] = [];
    const error = await errorOf(
      (async () => {
        for await (const message of client.iterMessages()) got.push(message.id);
      })(),
    );
    expect(error.code).toBe("not_found");
    expect(got).toEqual([]);
    expect(requests.filter((line) => line.includes("/messages/"))).toHaveLength(1);
  });

  it("skips a message the API itself says is gone", async () => {
    const { client } = await peer((request, response) => {
      if (request.url?.startsWith("/inbox"))
        return json(response, 200, { items: [item("m1")], next_cursor: null });
      apiNotFound(response);
    });
    const got: string[] = [];
    for await (const message of client.iterMessages()) got.push(message.id);
    expect(got).toEqual([]);
  });
});

describe("a delete retried after a lost answer", () => {
  const deletes = [
    ["deleteTrustedPeer", (client: Client) => client.deleteTrustedPeer("alice")],
    ["deleteWebhook", (client: Client) => client.deleteWebhook()],
  ] as const;
  type Client = Awaited<ReturnType<typeof peer>>["client"];

  it.each(deletes)("%s: the API's own 404 counts as done", async (_, call) => {
    const { client, requests } = await peer((request, response, n) =>
      n === 0 ? lost(request, response) : apiNotFound(response),
    );
    await expect(call(client)).resolves.toBeUndefined();
    expect(requests).toHaveLength(2);
  });

  it.each(deletes)("%s: a proxy's 404 page is not_found, not done", async (_, call) => {
    const { client } = await peer((request, response, n) =>
      n === 0 ? lost(request, response) : proxyNotFound(response),
    );
    expect((await errorOf(call(client))).code).toBe("not_found");
  });

  it.each(deletes)("%s: a 404 with no lost answer before it is not_found", async (_, call) => {
    const { client } = await peer((_request, response, n) =>
      n === 0 ? json(response, 503, { error: "unavailable", message: "x" }) : apiNotFound(response),
    );
    expect((await errorOf(call(client))).code).toBe("not_found");
  });
});

describe("putWebhook and the signing secret", () => {
  const url = "https://agent.example.com/hooks/mail";

  it("a rotation answered 2xx without a secret is invalid_response", async () => {
    const { client } = await peer((_request, response) =>
      json(response, 200, { url, enabled: true }),
    );
    const error = await errorOf(client.putWebhook({ url, rotateSecret: true }));
    expect(error.code).toBe("invalid_response");
    expect(error.message).toContain("rotate");
  });

  it("the rotation after a lost set-up answer must carry a secret too", async () => {
    const { client, requests } = await peer((request, response, n) =>
      n === 0 ? lost(request, response) : json(response, 200, { url, enabled: true }),
    );
    const error = await errorOf(client.putWebhook({ url }));
    expect(error.code).toBe("invalid_response");
    expect(requests).toHaveLength(3);
  });

  it("a rotation that carries the secret returns it", async () => {
    const secret = "whsec_0123456789abcdef";
    const { client } = await peer((_request, response) =>
      json(response, 200, { url, enabled: true, signing_secret: secret }),
    );
    expect((await client.putWebhook({ url, rotateSecret: true })).signingSecret).toBe(secret);
  });
});

describe("inputs refused before any request", () => {
  it.each([
    [
      "putWebhook with CRLF in the URL",
      (c: Client) => c.putWebhook({ url: "https://a.example.com/\r\nX: y" }),
    ],
    [
      "putWebhook with a leading space",
      (c: Client) => c.putWebhook({ url: " https://a.example.com/" }),
    ],
    [
      "putNotifications with a CRLF recipient",
      (c: Client) =>
        c.putNotifications([
          {
            id: "r",
            channels: { email: { enabled: true, recipients: ["a@b.example\r\nBcc: x@y.example"] } },
          },
        ]),
    ],
    [
      "putNotifications with a display-name recipient",
      (c: Client) =>
        c.putNotifications([
          { id: "r", channels: { email: { enabled: true, recipients: ["Ops <ops@b.example>"] } } },
        ]),
    ],
    [
      "putBillingPricing with a javascript: supportUrl",
      (c: Client) => c.putBillingPricing({ supportUrl: "javascript:alert(1)" }),
    ],
  ])("%s", async (_, call) => {
    const { client, requests } = await peer((_request, response) =>
      json(response, 500, { error: "internal", message: "should not be reached" }),
    );
    expect((await errorOf(call(client))).code).toBe("invalid_options");
    expect(requests).toEqual([]);
  });
  type Client = Awaited<ReturnType<typeof peer>>["client"];
});

describe("text from the platform", () => {
  it("a notification rule's name comes back cleaned; an id with a control character is refused", async () => {
    const { client } = await peer((_request, response, n) =>
      json(response, 200, {
        rules: [{ id: n === 0 ? "r1" : "r\u001b]0;pwn\u0007", name: "\u001b[2Jhi\r\nthere" }],
      }),
    );
    const [rule] = await client.getNotifications();
    expect(rule?.name).toBe("\ufffd[2Jhi\ufffd\ufffdthere");
    expect((await errorOf(client.getNotifications())).code).toBe("invalid_response");
  });

  const row = {
    id: "use_1",
    kind: "charge",
    marketplace_request_id: "mkt_1",
    amount: 1,
    currency: "USD",
    counterparty_agent_id: "seller",
    created_at: "2026-01-01T00:00:00Z",
    usage: null,
  };

  it.each([
    ["id", "u\u001b[31m1"],
    ["marketplace_request_id", "m\r\nX"],
    ["counterparty_agent_id", "s\u0000"],
    ["currency", `U\r\nS${"D".repeat(100_000)}`],
    ["created_at", "1"],
    ["created_at", "Tuesday"],
    ["usage", { custom_units: { "a\r\nb": 1 } }],
  ])("a usage row whose %s is %j is invalid_response", async (field, value) => {
    const { client } = await peer((_request, response) =>
      json(response, 200, { items: [{ ...row, [field]: value }], next_cursor: null }),
    );
    expect((await errorOf(client.getBillingUsage())).code).toBe("invalid_response");
  });

  it("a usage row as the platform writes it is read, its date a Date", async () => {
    const { client } = await peer((_request, response) =>
      json(response, 200, { items: [row], next_cursor: null }),
    );
    const { items } = await client.getBillingUsage();
    expect(items[0]?.createdAt.toISOString()).toBe("2026-01-01T00:00:00.000Z");
  });

  it("a balance whose currency is not an ISO 4217 code is invalid_response", async () => {
    const { client } = await peer((_request, response) =>
      json(response, 200, { currency: `U\r\nS${"D".repeat(100_000)}`, available: 1, reserved: 0 }),
    );
    expect((await errorOf(client.getBillingBalance())).code).toBe("invalid_response");
  });

  it("a trusted peer whose created_at is not ISO 8601 is invalid_response", async () => {
    const { client } = await peer((_request, response) =>
      json(response, 200, { items: [{ peer_agent_id: "alice", rate_cap: null, created_at: "1" }] }),
    );
    expect((await errorOf(client.listTrustedPeers())).code).toBe("invalid_response");
  });
});

describe("requestInboundAttachmentDownload", () => {
  it.each(["javascript:alert(1)", "file:///etc/passwd", "data:text/html,hi"])(
    "refuses the URL %j (invalid_response)",
    async (url) => {
      const { client } = await peer((_request, response) => json(response, 200, { url }));
      const error = await errorOf(client.requestInboundAttachmentDownload("m1", 0));
      expect(error.code).toBe("invalid_response");
    },
  );

  it("returns an https URL", async () => {
    const url = "https://storage.example.com/bucket/key?sig=1";
    const { client } = await peer((_request, response) => json(response, 200, { url }));
    expect(await client.requestInboundAttachmentDownload("m1", 0)).toEqual({ url });
  });
});
