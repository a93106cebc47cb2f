// The HTTP layer against real loopback peers: the dev server's existing routes for error bodies
// and auth, and a scripted server for failures the dev server does not make on demand.
import { generateKeyPairSync } from "node:crypto";
import { AgentMailError, RevokeResponseSchema, Routes } from "@assmbl/core";
import { startDevServer } from "@assmbl/dev-server";
import { describe, expect, it } from "vitest";
import { createClient } from "./client.js";
import { createApiHttp } from "./http.js";
import { parseS3Error } from "./http-errors.js";
import { errorOf, fakeRuntime } from "./testing/fixtures.js";
import { scriptedServer } from "./testing/scripted-server.js";

const policy = { limit: 2, backoffLimitMs: 1_000, maxRetryAfterMs: 60_000 };
const SECRET_TOKEN = "tok_5ecret-value-that-must-not-leak";

function httpFor(baseUrl: string, options: { timeoutMs?: number; token?: string } = {}) {
  const runtime = fakeRuntime();
  const http = createApiHttp(
    {
      baseUrl,
      token: options.token ?? SECRET_TOKEN,
      retry: policy,
      timeoutMs: options.timeoutMs ?? 5_000,
    },
    runtime,
  );
  return { http, runtime };
}

describe("against the dev server", () => {
  it("a bad token is unauthorized: the platform's code, not retried, the token nowhere", async () => {
    const server = await startDevServer({ agents: [{ agentId: "my-agent" }] });
    try {
      const { http, runtime } = httpFor(server.url);
      const error = await errorOf(
        http.call({ route: Routes.revoke, json: {}, schema: RevokeResponseSchema, what: "revoke" }),
      );
      expect(error.code).toBe("unauthorized");
      expect(error.status).toBe(401);
      expect(error.retryable).toBe(false);
      expect(error.message).toMatch(/^revoke: 401 unauthorized \(.*not known/);
      expect(JSON.stringify([error, error.message, String(error), error.body])).not.toContain(
        SECRET_TOKEN,
      );
      expect(runtime.sleeps).toEqual([]);
      expect(server.requests.count({ method: "POST", path: "/directory/revoke" })).toBe(1);
    } finally {
      await server.stop();
    }
  });

  it("a good token reaches the route; an unknown route is the platform's not_found", async () => {
    const { publicKey } = generateKeyPairSync("ed25519");
    const server = await startDevServer({
      agents: [
        {
          agentId: "my-agent",
          publicKey: publicKey.export({ type: "spki", format: "pem" }).toString(),
        },
      ],
    });
    try {
      const token = server.agents["my-agent"]?.token ?? "";
      const { http } = httpFor(server.url, { token });
      const { body } = await http.call({
        route: Routes.revoke,
        json: {},
        schema: RevokeResponseSchema,
        what: "revoke",
      });
      expect(body).toEqual({ agent_id: "my-agent", revoked: true });
      const missing = await errorOf(
        http.call({
          route: { method: "GET", path: "/no/such/route", auth: true },
          what: "probe",
        }),
      );
      expect([missing.code, missing.status]).toEqual(["not_found", 404]);
    } finally {
      await server.stop();
    }
  });
});

describe("against a scripted server", () => {
  it("retries a 5xx with an HTML body (mapped by status) and honours Retry-After", async () => {
    const server = await scriptedServer([
      { status: 502, headers: { "content-type": "text/html" }, body: "<html>Bad gateway</html>" },
      { status: 503, headers: { "retry-after": "3" }, body: "" },
      {
        status: 200,
        headers: { "content-type": "application/json" },
        body: '{"agent_id":"a","revoked":true}',
      },
    ]);
    try {
      const { http, runtime } = httpFor(server.url);
      const { body } = await http.call({
        route: Routes.revoke,
        json: {},
        schema: RevokeResponseSchema,
        what: "revoke",
      });
      expect(body).toEqual({ agent_id: "a", revoked: true });
      expect(runtime.sleeps).toEqual([150, 3_000]);
      expect(server.requests.map((r) => r.headers.authorization)).toEqual(
        Array(3).fill(`Bearer ${SECRET_TOKEN}`),
      );
      expect(server.requests.map((r) => r.body.toString())).toEqual(["{}", "{}", "{}"]);
    } finally {
      await server.stop();
    }
  });

  it("after the retries, the last failure: 5xx without a code is server_error, retryable", async () => {
    const server = await scriptedServer([{ status: 500, body: "oops" }]);
    try {
      const { http } = httpFor(server.url);
      const error = await errorOf(http.call({ route: Routes.revoke, json: {}, what: "revoke" }));
      expect([error.code, error.status, error.retryable, error.body]).toEqual([
        "server_error",
        500,
        true,
        "oops",
      ]);
      expect(server.requests).toHaveLength(3);
    } finally {
      await server.stop();
    }
  });

  it("a dropped connection is a retryable, ambiguous network_error", async () => {
    const server = await scriptedServer(["drop", { status: 204 }]);
    try {
      const { http, runtime } = httpFor(server.url);
      await http.call({ route: Routes.deleteMessage, params: { id: "m1" }, what: "delete" });
      expect(server.requests.map((r) => r.url)).toEqual(["/messages/m1", "/messages/m1"]);
      expect(runtime.sleeps).toHaveLength(1);
    } finally {
      await server.stop();
    }
  });

  it("a DELETE retried after a lost answer that finds the resource gone succeeds", async () => {
    const server = await scriptedServer([
      "drop",
      { status: 404, body: '{"error":"not_found","message":"no such message"}' },
    ]);
    try {
      const { http } = httpFor(server.url);
      await http.call({
        route: Routes.deleteMessage,
        params: { id: "m1" },
        what: "delete",
        goneAfterAmbiguousIsSuccess: true,
      });
      expect(server.requests).toHaveLength(2);
      // Without a lost answer first, 404 stays an error.
      const fresh = httpFor(server.url).http;
      const error = await errorOf(
        fresh.call({
          route: Routes.deleteMessage,
          params: { id: "m1" },
          what: "delete",
          goneAfterAmbiguousIsSuccess: true,
        }),
      );
      expect(error.code).toBe("not_found");
    } finally {
      await server.stop();
    }
  });

  it("a path parameter routePath refuses is invalid_options, not a raw TypeError, and nothing is sent", async () => {
    const server = await scriptedServer([{ status: 204 }]);
    try {
      const { http } = httpFor(server.url);
      for (const params of [{ id: "." }, { id: ".." }, {}]) {
        const error = await errorOf(
          http.call({ route: Routes.deleteMessage, params, what: "delete" }),
        );
        expect(error).toBeInstanceOf(AgentMailError);
        expect(error.code).toBe("invalid_options");
        expect(error.message).toMatch(
          /^delete: the path parameters of \/messages\/\{id\} are invalid/,
        );
      }
      expect(server.requests).toHaveLength(0);
    } finally {
      await server.stop();
    }
  });

  it("a request that gets no answer in time is a retryable timeout", async () => {
    const server = await scriptedServer(["hang"]);
    try {
      const { http } = httpFor(server.url, { timeoutMs: 200 });
      const error = await errorOf(http.call({ route: Routes.listInbox, what: "listInbox" }));
      expect([error.code, error.retryable]).toEqual(["timeout", true]);
      expect(server.requests).toHaveLength(3);
    } finally {
      await server.stop();
    }
  });

  it("a refused connection is a retryable network_error naming the cause", async () => {
    const server = await scriptedServer([{ status: 200 }]);
    await server.stop();
    const { http } = httpFor(server.url);
    const error = await errorOf(http.call({ route: Routes.listInbox, what: "listInbox" }));
    expect(error.code).toBe("network_error");
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/ECONNREFUSED/);
  });

  it("a 2xx that is not JSON, or not the contract's shape, is invalid_response and not retried", async () => {
    const server = await scriptedServer([
      { status: 200, body: "not json" },
      { status: 200, headers: { "content-type": "application/json" }, body: '{"revoked":"yes"}' },
    ]);
    try {
      const { http } = httpFor(server.url);
      const call = () =>
        http.call({ route: Routes.revoke, json: {}, schema: RevokeResponseSchema, what: "revoke" });
      expect((await errorOf(call())).code).toBe("invalid_response");
      const shape = await errorOf(call());
      expect(shape.code).toBe("invalid_response");
      expect(shape.message).toMatch(/agent_id/);
      expect(server.requests).toHaveLength(2);
    } finally {
      await server.stop();
    }
  });

  it("an endless error body is read up to a cap, the rest cancelled: the call fails with the mapped code", async () => {
    const server = await scriptedServer([
      {
        status: 400,
        headers: { "content-type": "application/json" },
        body: '{"error":"invalid_request","message":"',
        endless: true,
      },
    ]);
    try {
      const { http } = httpFor(server.url, { timeoutMs: 2_147_483_647 });
      const error = await errorOf(http.call({ route: Routes.listInbox, what: "listInbox" }));
      // Cut off, the body is not JSON: mapped by status, and what is kept of it is bounded.
      expect([error.code, error.status, error.retryable]).toEqual(["invalid_request", 400, false]);
      expect(String(error.body).length).toBeLessThanOrEqual(16 * 1024);
      expect(server.requests).toHaveLength(1);
    } finally {
      await server.stop();
    }
  });

  it("an upload whose storage answers an endless error body fails with the mapped code (uploads have no timeout)", async () => {
    const server = await scriptedServer([
      {
        status: 200,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          object_key: "uploads/a/k",
          upload: { url: "/_storage/upload", fields: { key: "uploads/a/k" } },
        }),
      },
      {
        status: 403,
        headers: { "content-type": "application/xml" },
        body: "<Error><Code>AccessDenied</Code><Message>Policy expired</Message></Error>",
        endless: true,
      },
    ]);
    try {
      const client = createClient({ baseUrl: server.url, token: SECRET_TOKEN }, fakeRuntime());
      const error = await errorOf(client.uploadAttachment({ filename: "a.bin", content: "abc" }));
      expect([error.code, error.status]).toEqual(["forbidden", 403]);
      expect(error.message).toMatch(/AccessDenied: Policy expired/);
      expect(server.requests.map((r) => r.url)).toEqual([
        "/attachments/uploads",
        "/_storage/upload",
      ]);
    } finally {
      await server.stop();
    }
  });

  it("an error body that echoes the token is redacted", async () => {
    const server = await scriptedServer([
      {
        status: 400,
        body: JSON.stringify({ error: "invalid_request", message: `bad token ${SECRET_TOKEN}` }),
      },
    ]);
    try {
      const { http } = httpFor(server.url);
      const error = await errorOf(http.call({ route: Routes.listInbox, what: "listInbox" }));
      expect(error.code).toBe("invalid_request");
      expect(JSON.stringify([error.message, error.body, error.toJSON()])).not.toContain(
        SECRET_TOKEN,
      );
    } finally {
      await server.stop();
    }
  });
});

describe("parseS3Error", () => {
  it("reads S3's XML error", () => {
    expect(
      parseS3Error(
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Invalid according to Policy: Policy expired &amp; gone</Message></Error>',
      ),
    ).toEqual({
      code: "AccessDenied",
      message: "Invalid according to Policy: Policy expired & gone",
    });
    expect(parseS3Error('{"error":"x"}')).toBeUndefined();
    expect(parseS3Error("<Error><Message>no code</Message></Error>")).toBeUndefined();
  });
});
