import Keyv from "keyv";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDirectory } from "./directory.js";
import {
  type FixtureServer,
  sendJson,
  startFixtureServer,
  wireRecord,
} from "./testing/fixture-server.js";

let server: FixtureServer;
beforeAll(async () => {
  server = await startFixtureServer();
});
afterAll(() => server.stop());
afterEach(() => {
  server.requests.length = 0;
});

const quick = { retry: { limit: 0 } };

async function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => "no error",
    (error: { code?: string }) => error.code ?? String(error),
  );
}

describe("a misbehaving directory gets clear codes", () => {
  it.each([
    [
      "invalid JSON",
      (r: Parameters<typeof sendJson>[0]) => sendJson(r, 200, "{not json"),
      "invalid_directory_response",
    ],
    [
      "wrong types",
      (r: Parameters<typeof sendJson>[0]) =>
        sendJson(r, 200, wireRecord("peer", { key_version: "two" })),
      "invalid_directory_response",
    ],
    [
      "unknown algorithm",
      (r: Parameters<typeof sendJson>[0]) =>
        sendJson(r, 200, wireRecord("peer", { algorithm: "DSA" })),
      "invalid_directory_response",
    ],
    [
      "another agent's record",
      (r: Parameters<typeof sendJson>[0]) => sendJson(r, 200, wireRecord("someone-else")),
      "invalid_directory_response",
    ],
    [
      "a key over 64 KiB",
      (r: Parameters<typeof sendJson>[0]) =>
        sendJson(r, 200, wireRecord("peer", { openpgp_public_key: "k".repeat(64 * 1024 + 1) })),
      "key_too_large",
    ],
    [
      "no OpenPGP key",
      (r: Parameters<typeof sendJson>[0]) =>
        sendJson(r, 200, wireRecord("peer", { openpgp_public_key: null })),
      "peer_missing_openpgp_public_key",
    ],
    [
      "a revoked record",
      (r: Parameters<typeof sendJson>[0]) =>
        sendJson(r, 200, wireRecord("peer", { key_status: "revoked" })),
      "peer_key_revoked",
    ],
    [
      "404",
      (r: Parameters<typeof sendJson>[0]) =>
        sendJson(r, 404, { error: "agent_not_found", message: "no" }),
      "agent_not_found",
    ],
    [
      "500",
      (r: Parameters<typeof sendJson>[0]) => sendJson(r, 500, { error: "server_error" }),
      "directory_unavailable",
    ],
  ] as const)("%s", async (_name, respond, code) => {
    server.handle((_request, response) => respond(response));
    const directory = createDirectory({ baseUrl: server.url, ...quick });
    expect(await codeOf(directory.lookup("peer"))).toBe(code);
  });

  it("a slow directory times out as directory_unavailable, retryable", async () => {
    server.handle((_request, response) => {
      setTimeout(() => sendJson(response, 200, wireRecord("peer")), 2_000);
    });
    const directory = createDirectory({ baseUrl: server.url, timeoutMs: 100, ...quick });
    const error = await directory.lookup("peer").catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "directory_unavailable", retryable: true });
  });

  it("a refused connection is directory_unavailable", async () => {
    const gone = await startFixtureServer();
    await gone.stop();
    const directory = createDirectory({ baseUrl: gone.url, ...quick });
    expect(await codeOf(directory.lookup("peer"))).toBe("directory_unavailable");
  });
});

describe("retries", () => {
  it("retries 5xx up to the limit, then reports directory_unavailable", async () => {
    server.handle((_request, response) => sendJson(response, 503, { error: "server_error" }));
    const directory = createDirectory({
      baseUrl: server.url,
      retry: { limit: 2, backoffLimitMs: 20 },
    });
    expect(await codeOf(directory.lookup("peer"))).toBe("directory_unavailable");
    expect(server.requests).toHaveLength(3);
  });

  it("honours Retry-After on 429 before retrying", async () => {
    server.handle((_request, response, index) =>
      index === 0
        ? sendJson(response, 429, { error: "rate_limited" }, { "retry-after": "1" })
        : sendJson(response, 200, wireRecord("peer")),
    );
    const directory = createDirectory({ baseUrl: server.url, retry: { limit: 2 } });
    expect((await directory.lookup("peer")).agentId).toBe("peer");
    expect(server.requests).toHaveLength(2);
    // A lower bound only: the retry cannot come before the server said it may.
    const [first, second] = server.requests;
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it("does not retry a 404", async () => {
    server.handle((_request, response) => sendJson(response, 404, { error: "agent_not_found" }));
    const directory = createDirectory({
      baseUrl: server.url,
      retry: { limit: 3, backoffLimitMs: 10 },
    });
    expect(await codeOf(directory.lookup("peer"))).toBe("agent_not_found");
    expect(server.requests).toHaveLength(1);
  });
});

describe("tokens stay secret", () => {
  it("an error body that echoes the token does not carry it into the error", async () => {
    const token = "am_live_0123456789abcdef";
    server.handle((request, response) =>
      sendJson(response, 401, {
        error: "unauthorized",
        message: `bad token ${request.headers.authorization}`,
      }),
    );
    const directory = createDirectory({ baseUrl: server.url, token, ...quick });
    const error = await directory.revoke().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "unauthorized", status: 401 });
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${token}`);
    for (const text of [String(error), JSON.stringify(error), (error as Error).stack ?? ""])
      expect(text).not.toContain(token);
  });

  it("register and revoke need a token", async () => {
    const directory = createDirectory({ baseUrl: server.url });
    expect(await codeOf(directory.revoke())).toBe("invalid_options");
    expect(server.requests).toHaveLength(0);
  });
});

describe("options", () => {
  it("rejects unknown and malformed options by name", () => {
    expect(() => createDirectory({ baseUrl: server.url, ttl: 5 } as never)).toThrow(
      /unknown option "ttl"/,
    );
    expect(() => createDirectory({ baseUrl: "ftp://x" })).toThrow(
      expect.objectContaining({ code: "invalid_options" }),
    );
    expect(() => createDirectory({ baseUrl: server.url, retry: { limit: -1 } })).toThrow(
      expect.objectContaining({ code: "invalid_options" }),
    );
    expect(() => createDirectory({ baseUrl: server.url, store: {} as never })).toThrow(/store/);
    const withBadToken = () =>
      createDirectory({ baseUrl: server.url, token: "tok_secret\r\nX-Evil: 1" });
    expect(withBadToken).toThrow(expect.objectContaining({ code: "invalid_options" }));
    expect(withBadToken).toThrow(/token is invalid/);
    try {
      withBadToken();
    } catch (error) {
      expect(String(error)).not.toContain("tok_secret");
    }
  });

  it("rejects bad lookup input before any request", async () => {
    const directory = createDirectory({ baseUrl: server.url });
    expect(await codeOf(directory.lookup("../etc"))).toBe("invalid_agent_id");
    expect(await codeOf(directory.lookup("peer", { fresh: true } as never))).toBe(
      "invalid_options",
    );
    expect(server.requests).toHaveLength(0);
  });
});

describe("error bodies are read as UTF-8 JSON, whatever the peer labels them", () => {
  it.each([
    [
      "a UTF-16 charset label on UTF-8 JSON",
      { "content-type": "application/json; charset=utf-16" },
      '{"error":"bad_thing","message":"no"}',
      "bad_thing",
    ],
    [
      "a latin1 label",
      { "content-type": "application/json; charset=latin1" },
      '{"error":"bad_thing","message":"caf\u00e9"}',
      "bad_thing",
    ],
    ["text/plain", { "content-type": "text/plain" }, '{"error":"bad_thing"}', "bad_thing"],
    [
      "a JSON string holding JSON (parsed once: not a code)",
      { "content-type": "application/json" },
      JSON.stringify('{"error":"bad_thing"}'),
      "invalid_request",
    ],
  ])("%s", async (_name, headers, body, code) => {
    server.handle((_request, response) => {
      response.writeHead(400, headers);
      response.end(body);
    });
    const directory = createDirectory({ baseUrl: server.url, ...quick });
    expect(await codeOf(directory.lookup("peer"))).toBe(code);
  });
});

describe("a shared Keyv store", () => {
  it("lets a second client use what the first fetched", async () => {
    server.handle((_request, response) => sendJson(response, 200, wireRecord("peer")));
    const store = new Keyv();
    const first = createDirectory({ baseUrl: server.url, store });
    const second = createDirectory({ baseUrl: server.url, store });
    await first.lookup("peer");
    expect((await second.lookup("peer")).agentId).toBe("peer");
    expect(server.requests).toHaveLength(1);
  });

  it("ignores garbage another process left in the store", async () => {
    server.handle((_request, response) => sendJson(response, 200, wireRecord("peer")));
    const store = new Keyv();
    await store.set("agentmail:directory:peer", {
      kind: "record",
      record: { agent_id: "peer" },
      fetchedAt: Date.now(),
    });
    const directory = createDirectory({ baseUrl: server.url, store });
    expect((await directory.lookup("peer")).openpgpPublicKey).toContain("key-of-peer");
    expect(server.requests).toHaveLength(1);
  });
  it("treats a failing store as a miss: lookups go to the directory (Keyv 6 rejects store errors)", async () => {
    server.handle((_request, response) => sendJson(response, 200, wireRecord("peer")));
    const down = new Error("store down: redis://user:secret@cache:6379");
    const failing = new Map<string, unknown>();
    failing.get = () => {
      throw down;
    };
    failing.set = () => {
      throw down;
    };
    failing.delete = () => {
      throw down;
    };
    const store = new Keyv({ store: failing });
    await expect(store.get("x")).rejects.toThrow("store down");
    const directory = createDirectory({ baseUrl: server.url, store });
    expect((await directory.lookup("peer")).agentId).toBe("peer");
    expect((await directory.lookup("peer")).agentId).toBe("peer");
    // The store is the cache when one is given: with it down, every lookup asks the directory.
    expect(server.requests).toHaveLength(2);
  });
});

describe("bounds and cancellation", () => {
  it("keeps at most maxEntries agents, evicting the least recently used", async () => {
    server.handle((request, response) => {
      const agentId = (request.url ?? "").split("/").pop() ?? "";
      sendJson(response, 200, wireRecord(agentId));
    });
    const directory = createDirectory({ baseUrl: server.url, maxEntries: 2 });
    await directory.lookup("a");
    await directory.lookup("b");
    await directory.lookup("a"); // a is now the most recently used
    await directory.lookup("c"); // evicts b
    expect(server.requests).toHaveLength(3);
    await directory.lookup("a");
    expect(server.requests).toHaveLength(3);
    await directory.lookup("b");
    expect(server.requests).toHaveLength(4);
  });

  it("an aborted lookup fails with aborted, without cancelling the shared request", async () => {
    server.handle((_request, response) => {
      setTimeout(() => sendJson(response, 200, wireRecord("peer")), 200);
    });
    const directory = createDirectory({ baseUrl: server.url, ...quick });
    const controller = new AbortController();
    const waiting = directory.lookup("peer", { signal: controller.signal });
    const other = directory.lookup("peer");
    controller.abort();
    expect(await codeOf(waiting)).toBe("aborted");
    expect((await other).agentId).toBe("peer");
    expect(server.requests).toHaveLength(1);
    // Already aborted: refused even though the record is cached.
    expect(await codeOf(directory.lookup("peer", { signal: AbortSignal.abort() }))).toBe("aborted");
  });
});
