// putWebhook / getWebhook / deleteWebhook against the dev server (the secret's life cycle and a
// real signed delivery), and against a scripted server for what the dev server does not do on
// demand: lost answers (a first set-up's secret must not be lost), 404s without an API body, and
// answers off the contract.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type createAgentMailClient, createClient } from "./client.js";
import { errorOf, fakeRuntime } from "./testing/fixtures.js";
import { type Platform, RECEIVER, startPlatform } from "./testing/platform.js";
import { type ScriptedAnswer, scriptedServer } from "./testing/scripted-server.js";
import { verifyWebhookSignature } from "./webhook.js";

const SECRET = `whsec_${"s".repeat(43)}`;
const json = (body: unknown, status = 200): ScriptedAnswer => ({
  status,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

let platform: Platform;
beforeAll(async () => {
  platform = await startPlatform();
}, 60_000);
afterAll(async () => {
  await platform?.stop();
});

/** A loopback receiver that resolves with the first request it gets (and answers 204). */
async function receiver(): Promise<{
  url: string;
  first: Promise<{ req: IncomingMessage; body: string }>;
  close(): Promise<void>;
}> {
  let resolve: (value: { req: IncomingMessage; body: string }) => void = () => {};
  const first = new Promise<{ req: IncomingMessage; body: string }>((r) => {
    resolve = r;
  });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      res.writeHead(204).end();
      resolve({ req, body: Buffer.concat(chunks).toString("utf8") });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/mail`,
    first,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe("against the dev server", () => {
  it("set-up returns the secret once, rotation a new one, and deliveries verify with it", async () => {
    const hook = await receiver();
    try {
      const client = platform.inbox;
      expect(await client.getWebhook()).toBeNull();
      const first = await client.putWebhook({ url: hook.url });
      expect(first).toMatchObject({
        url: hook.url,
        enabled: true,
        signingSecret: expect.stringMatching(/^whsec_/),
      });
      expect(await client.putWebhook({ url: hook.url, enabled: true })).toEqual({
        url: hook.url,
        enabled: true,
      });
      const rotated = await client.putWebhook({ url: hook.url, rotateSecret: true });
      expect(rotated.signingSecret).toMatch(/^whsec_/);
      expect(rotated.signingSecret).not.toBe(first.signingSecret);
      expect(await client.getWebhook()).toEqual({ url: hook.url, enabled: true });

      await platform.mailer().send({ to: RECEIVER, subject: "webhook please", text: "hi" });
      const { req, body } = await hook.first;
      const check = (secret: string) =>
        verifyWebhookSignature({
          secret,
          timestamp: req.headers["x-agentmail-timestamp"] as string,
          signature: req.headers["x-agentmail-signature"] as string,
          rawBody: body,
        });
      await check(rotated.signingSecret ?? "");
      expect((await errorOf(check(first.signingSecret ?? ""))).code).toBe(
        "invalid_webhook_signature",
      );
      expect(JSON.parse(body)).toMatchObject({ event: "mail.received", subject: "webhook please" });

      await client.deleteWebhook();
      expect(await client.getWebhook()).toBeNull();
      await client.deleteWebhook(); // none left: still fine
    } finally {
      await hook.close();
    }
  });

  it("the dev server refuses a webhook off the machine (invalid_request)", async () => {
    expect(
      await errorOf(platform.inbox.putWebhook({ url: "https://hooks.example.com/x" })),
    ).toMatchObject({
      code: "invalid_request",
      status: 400,
    });
  });

  it("refuses bad input by name before any request", async () => {
    platform.server.requests.clear();
    const client = platform.inbox;
    for (const [input, named] of [
      [{ url: "https://user:pw@hooks.example.com/x" }, "url"],
      [{ url: "ftp://hooks.example.com/x" }, "url"],
      [{ url: "http://127.0.0.1/x", rotate_secret: true }, "rotate_secret"],
      [{ url: "http://127.0.0.1/x", enabled: "yes" }, "enabled"],
    ] as const) {
      expect(await errorOf(client.putWebhook(input as never))).toMatchObject({
        code: "invalid_options",
        message: expect.stringContaining(named),
      });
    }
    expect(
      await errorOf(client.getWebhook({ signal: undefined, timeout: 1 } as never)),
    ).toMatchObject({
      code: "invalid_options",
      message: expect.stringContaining("timeout"),
    });
    expect(platform.server.requests.count()).toBe(0);
  });
});

describe("lost answers and odd answers", () => {
  async function withScript(
    script: ScriptedAnswer[],
    run: (
      client: ReturnType<typeof createAgentMailClient>,
      requests: () => Array<Record<string, unknown>>,
    ) => Promise<void>,
  ) {
    const server = await scriptedServer(script);
    try {
      const client = createClient(
        { baseUrl: server.url, token: "t".repeat(32), retry: { limit: 2 } },
        fakeRuntime(),
      );
      await run(client, () =>
        server.requests.map((r) => ({
          method: r.method,
          path: r.url,
          ...(r.body.length ? JSON.parse(r.body.toString()) : {}),
        })),
      );
    } finally {
      await server.stop();
    }
  }
  const hook = { url: "http://127.0.0.1:9/x", enabled: true };

  it("a first set-up whose answer was lost: the retry finds no secret, so the client rotates once", async () => {
    await withScript(
      ["drop", json(hook), json({ ...hook, signing_secret: SECRET })],
      async (client, requests) => {
        expect(await client.putWebhook({ url: hook.url })).toEqual({
          ...hook,
          signingSecret: SECRET,
        });
        expect(requests()).toEqual([
          { method: "PUT", path: "/webhook", ...hook, rotate_secret: false },
          { method: "PUT", path: "/webhook", ...hook, rotate_secret: false },
          { method: "PUT", path: "/webhook", ...hook, rotate_secret: true },
        ]);
      },
    );
  });

  it("a retry after a refusal (503: nothing done) does not rotate", async () => {
    await withScript(
      [json({ error: "unavailable" }, 503), json(hook)],
      async (client, requests) => {
        expect(await client.putWebhook({ url: hook.url })).toEqual(hook);
        expect(requests()).toHaveLength(2);
      },
    );
  });

  it("a rotation is retried and returns the secret now in force", async () => {
    await withScript(
      ["drop", json({ ...hook, signing_secret: SECRET })],
      async (client, requests) => {
        expect((await client.putWebhook({ url: hook.url, rotateSecret: true })).signingSecret).toBe(
          SECRET,
        );
        expect(requests()).toHaveLength(2);
      },
    );
  });

  it("a rotation that never gets an answer says the secret may have changed", async () => {
    await withScript(["drop"], async (client) => {
      const error = await errorOf(client.putWebhook({ url: hook.url, rotateSecret: true }));
      expect(error.code).toBe("network_error");
      expect(error.message).toContain("rotateSecret: true");
    });
  });

  it("getWebhook: an API 404 not_found is null; a 404 that is not the API's stays an error", async () => {
    await withScript([json({ error: "not_found", message: "no webhook" }, 404)], async (client) => {
      expect(await client.getWebhook()).toBeNull();
    });
    await withScript(
      [{ status: 404, headers: { "content-type": "text/html" }, body: "<h1>Not Found</h1>" }],
      async (client) => {
        expect(await errorOf(client.getWebhook())).toMatchObject({
          code: "not_found",
          status: 404,
        });
      },
    );
  });

  it.each([
    ["putWebhook", { url: "http://127.0.0.1:9/x", enabled: "yes" }],
    ["getWebhook", { url: "http://127.0.0.1:9/x" }],
    ["putWebhook", { ...hook, signing_secret: "short" }],
  ] as const)("%s: an answer off the contract is invalid_response", async (call, body) => {
    await withScript([json(body)], async (client) => {
      const run =
        call === "putWebhook" ? client.putWebhook({ url: hook.url }) : client.getWebhook();
      expect(await errorOf(run)).toMatchObject({ code: "invalid_response" });
    });
  });
});
