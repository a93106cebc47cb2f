import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { NotificationRulesSchema, Routes, WebhookConfigSchema } from "@assmbl/core";
import { getRequestListener } from "@hono/node-server";
import { Hono } from "hono";
import { afterEach, describe, expect, it } from "vitest";
import { errorResponse } from "../http/problem.js";
import { honoPath } from "../http/route.js";
import { DevStore } from "../store.js";
import { expectProblem } from "../testing/helpers.js";
import { webhookRoutes } from "./routes.js";
import { WebhookSettings } from "./settings.js";

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

const BOB = "token-bob";
const CAROL = "token-carol";
const HOOK = "http://127.0.0.1:9/hooks/mail";

/** The webhook routes alone, served on a loopback port as the app mounts them. */
async function serve(): Promise<{ url: string; settings: WebhookSettings }> {
  const store = new DevStore();
  await store.addAgent({ agentId: "bob", token: BOB });
  await store.addAgent({ agentId: "carol", token: CAROL });
  const settings = new WebhookSettings();
  const app = new Hono({ strict: true });
  for (const { route, handler } of webhookRoutes({ store, settings })) {
    app.on(route.method, honoPath(route.path), handler);
  }
  app.onError((error, c) => errorResponse(c, error));
  const server = createServer(getRequestListener(app.fetch));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  stops.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, settings };
}

function request(
  base: string,
  route: { method: string; path: string },
  token: string | undefined,
  body?: unknown,
): Promise<Response> {
  return fetch(base + route.path, {
    method: route.method,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
}

const SECRET = /^whsec_[A-Za-z0-9_-]{43}$/;

describe("PUT, GET, DELETE /webhook", () => {
  it("answers the signing secret on the first set-up and on rotation only", async () => {
    const { url, settings } = await serve();
    const first = await request(url, Routes.putWebhook, BOB, { url: HOOK });
    expect(first.status).toBe(200);
    const created = WebhookConfigSchema.parse(await first.json());
    expect(created).toEqual({
      url: HOOK,
      enabled: true,
      signing_secret: expect.stringMatching(SECRET),
    });
    expect(settings.signingSecret("bob")).toBe(created.signing_secret);

    const changed = await request(url, Routes.putWebhook, BOB, { url: `${HOOK}2`, enabled: false });
    expect(await changed.json()).toEqual({ url: `${HOOK}2`, enabled: false });
    expect(settings.signingSecret("bob")).toBe(created.signing_secret);

    const got = await request(url, Routes.getWebhook, BOB);
    expect(await got.json()).toEqual({ url: `${HOOK}2`, enabled: false });

    const rotated = await request(url, Routes.putWebhook, BOB, { url: HOOK, rotate_secret: true });
    const body = WebhookConfigSchema.parse(await rotated.json());
    expect(body.signing_secret).toMatch(SECRET);
    expect(body.signing_secret).not.toBe(created.signing_secret);
    expect(settings.signingSecret("bob")).toBe(body.signing_secret);
  });

  it("is 404 when there is none, DELETE is 204 every time, and a set-up after a delete has a new secret", async () => {
    const { url } = await serve();
    await expectProblem(await request(url, Routes.getWebhook, BOB), 404, "not_found");
    const first = await request(url, Routes.putWebhook, BOB, { url: HOOK });
    const { signing_secret } = WebhookConfigSchema.parse(await first.json());
    for (let i = 0; i < 2; i++) {
      const deleted = await request(url, Routes.deleteWebhook, BOB);
      expect(deleted.status).toBe(204);
      expect(await deleted.text()).toBe("");
    }
    await expectProblem(await request(url, Routes.getWebhook, BOB), 404, "not_found");
    const again = WebhookConfigSchema.parse(
      await (await request(url, Routes.putWebhook, BOB, { url: HOOK })).json(),
    );
    expect(again.signing_secret).toMatch(SECRET);
    expect(again.signing_secret).not.toBe(signing_secret);
  });

  it("keeps each agent's webhook its own", async () => {
    const { url } = await serve();
    await request(url, Routes.putWebhook, BOB, { url: HOOK });
    await expectProblem(await request(url, Routes.getWebhook, CAROL), 404, "not_found");
    expect((await request(url, Routes.deleteWebhook, CAROL)).status).toBe(204);
    expect((await request(url, Routes.getWebhook, BOB)).status).toBe(200);
  });

  it("keeps and answers the URL as the WHATWG parser writes it, webhook and rule channels alike", async () => {
    const { url, settings } = await serve();
    const put = await request(url, Routes.putWebhook, BOB, { url: "http://127.0.0.1\\@evil.com/" });
    expect(put.status).toBe(200);
    expect(WebhookConfigSchema.parse(await put.json()).url).toBe("http://127.0.0.1/@evil.com/");
    const got = await request(url, Routes.getWebhook, BOB);
    expect(WebhookConfigSchema.parse(await got.json()).url).toBe("http://127.0.0.1/@evil.com/");
    expect(settings.get("bob")?.url).toBe("http://127.0.0.1/@evil.com/");
    const rules = await request(url, Routes.putNotifications, BOB, {
      rules: [{ id: "r", channels: { webhook: { enabled: true, url: "HTTP://127.1:80/a/../b" } } }],
    });
    expect(rules.status).toBe(200);
    const answered = NotificationRulesSchema.parse(await rules.json());
    expect(answered.rules[0]?.channels.webhook?.url).toBe("http://127.0.0.1/b");
    expect(settings.rules("bob")[0]?.channels.webhook?.url).toBe("http://127.0.0.1/b");
  });

  it("refuses URLs off loopback and bodies outside the contract with 400 invalid_request", async () => {
    const { url, settings } = await serve();
    for (const hook of [
      "https://hooks.example.com/mail",
      "http://10.0.0.1/mail",
      "http://0.0.0.0:8080/",
      "http://[::ffff:127.0.0.1]/",
      "http://evil.localhost/",
    ]) {
      const message = await expectProblem(
        await request(url, Routes.putWebhook, BOB, { url: hook }),
        400,
        "invalid_request",
      );
      expect(message).toMatch(/loopback/);
      expect(message).not.toContain(hook);
    }
    for (const hook of ["http://localhost:8080/x", "https://127.0.0.2/x", "http://[::1]:9/x"]) {
      expect((await request(url, Routes.putWebhook, BOB, { url: hook })).status).toBe(200);
    }
    settings.delete("bob");
    const cases: [unknown, RegExp][] = [
      [{ url: HOOK, secret: "mine" }, /unknown field "secret"/],
      [{ url: HOOK, enabled: "yes" }, /enabled/],
      [{ url: "ftp://127.0.0.1/" }, /url/],
      [{ url: "http://user:pw@127.0.0.1/" }, /url/],
      [{}, /url/],
      ["[1,", /malformed JSON/],
      [[], /body/],
    ];
    for (const [body, named] of cases) {
      const message = await expectProblem(
        await request(url, Routes.putWebhook, BOB, body),
        400,
        "invalid_request",
      );
      expect(message).toMatch(named);
    }
    // Nothing was set up by any of them.
    expect(settings.get("bob")).toBeUndefined();
    await expectProblem(
      await fetch(url + Routes.putWebhook.path, {
        method: "PUT",
        headers: { authorization: `Bearer ${BOB}`, "content-type": "application/json" },
        body: JSON.stringify({ url: `http://127.0.0.1/${"a".repeat(20_000)}` }),
      }),
      413,
      "payload_too_large",
    );
  });

  it("needs the agent's token", async () => {
    const { url } = await serve();
    for (const route of [Routes.getWebhook, Routes.deleteWebhook, Routes.getNotifications]) {
      await expectProblem(await request(url, route, undefined), 401, "unauthorized");
      await expectProblem(await request(url, route, "nope"), 401, "unauthorized");
    }
    await expectProblem(
      await request(url, Routes.putWebhook, undefined, { url: HOOK }),
      401,
      "unauthorized",
    );
  });
});

describe("GET, PUT /notifications", () => {
  it("is empty at first, replaces the whole list, and answers it with defaults filled in", async () => {
    const { url } = await serve();
    expect(await (await request(url, Routes.getNotifications, BOB)).json()).toEqual({ rules: [] });
    const rules = [
      {
        id: "market",
        filters: { traffic_types: ["marketplace"], trust_tiers: ["trusted", "verified"] },
        channels: { webhook: { enabled: true, url: "http://localhost:7000/m" } },
      },
      { id: "mail", channels: { email: { enabled: true } } },
    ];
    const put = await request(url, Routes.putNotifications, BOB, { rules });
    expect(put.status).toBe(200);
    const answered = NotificationRulesSchema.parse(await put.json());
    expect(answered.rules[0]).toEqual({ ...rules[0], name: "", enabled: true });
    expect(answered.rules[1]).toEqual({
      id: "mail",
      name: "",
      enabled: true,
      filters: {},
      channels: { email: { enabled: true, recipients: [] } },
    });
    expect(await (await request(url, Routes.getNotifications, BOB)).json()).toEqual(answered);
    expect(await (await request(url, Routes.getNotifications, CAROL)).json()).toEqual({
      rules: [],
    });

    const cleared = await request(url, Routes.putNotifications, BOB, { rules: [] });
    expect(await cleared.json()).toEqual({ rules: [] });
    expect(await (await request(url, Routes.getNotifications, BOB)).json()).toEqual({ rules: [] });
  });

  it("refuses rules outside the contract, and channel URLs off loopback, with 400", async () => {
    const { url } = await serve();
    const cases: [unknown, RegExp][] = [
      [{ rules: [{ id: "a" }, { id: "a" }] }, /distinct rule ids/],
      [
        { rules: [{ id: "a", filters: { sender: "x" } }] },
        /unknown field "rules\.0\.filters\.sender"/,
      ],
      [{ rules: [{ id: "a", filters: { traffic_types: ["spam"] } }] }, /traffic_types/],
      [
        {
          rules: [{ id: "a", channels: { webhook: { enabled: true, url: "https://x.example/" } } }],
        },
        /rules\.0\.channels\.webhook\.url: .*loopback/,
      ],
      [{ rules: "all" }, /rules/],
      [{ rules: [], extra: 1 }, /unknown field "extra"/],
    ];
    for (const [body, named] of cases) {
      const message = await expectProblem(
        await request(url, Routes.putNotifications, BOB, body),
        400,
        "invalid_request",
      );
      expect(message).toMatch(named);
    }
    expect(await (await request(url, Routes.getNotifications, BOB)).json()).toEqual({ rules: [] });
  });
});
