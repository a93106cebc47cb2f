// Every body the directory reads is read under a cap and inside `timeoutMs`, against a real
// loopback server that answers like an attacker. Memory is measured, not time.
import { AgentMailError, Limits } from "@assmbl/core";
import {
  attackWith,
  type HostileServer,
  type Hostility,
  startHostileServer,
} from "@assmbl/testing/hostile-server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDirectory, type Directory } from "./directory.js";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const RSS_BUDGET = 128 * MiB;

let server: HostileServer;
beforeEach(async () => {
  server = await startHostileServer();
});
afterEach(async () => {
  await server.stop();
});

function directory(options: { timeoutMs?: number; limit?: number } = {}): Directory {
  return createDirectory({
    baseUrl: server.url,
    token: "am_test_token_0123456789",
    timeoutMs: options.timeoutMs ?? 10_000,
    retry: { limit: options.limit ?? 0, backoffLimitMs: 10 },
  });
}

const register = (d: Directory) =>
  d.register({
    publicKey: "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n",
    algorithm: "Ed25519",
    keyVersion: 1,
    ifMatchVersion: null,
    openpgpPublicKey: null,
  });

const calls = {
  lookup: (d: Directory) => d.lookup("peer"),
  lookupPricing: (d: Directory) => d.lookupPricing("peer"),
  register,
} as const;

/** Runs `call` against the server answering `how`; the error it fails with and what it cost. */
async function attack(
  how: Hostility,
  call: () => Promise<unknown>,
): Promise<{ error: AgentMailError; growthBytes: number }> {
  const { error, growthBytes } = await attackWith(server, how, call);
  expect(AgentMailError.is(error), String(error)).toBe(true);
  return { error: error as AgentMailError, growthBytes };
}

describe.each(Object.entries(calls))("%s under a hostile directory", (_name, call) => {
  it.each([
    ["an endless body", { kind: "endless" }],
    ["a 2 GiB body with its Content-Length", { kind: "huge", bytes: 2 * GiB }],
    [
      "a 2 GiB body without a Content-Length",
      { kind: "huge", bytes: 2 * GiB, declareLength: false },
    ],
  ] as const)("%s: response_too_large, not retried, in bounded memory", async (_what, how) => {
    const { error, growthBytes } = await attack(how, () => call(directory({ limit: 2 })));
    expect(error.code).toBe("response_too_large");
    expect(error.retryable).toBe(false);
    expect(server.requests).toBe(1);
    expect(growthBytes).toBeLessThan(RSS_BUDGET);
    // The reader stopped near the cap, far from the 2 GiB on offer (socket buffers aside).
    expect(server.bytesSent).toBeLessThan(Limits.jsonResponseBytes + 32 * MiB);
  });

  it("a Content-Length that understates an endless body: only the declared bytes are read", async () => {
    const { error, growthBytes } = await attack({ kind: "lying-length", declared: 100 }, () =>
      call(directory()),
    );
    expect(error.code).toBe("invalid_directory_response");
    expect(growthBytes).toBeLessThan(RSS_BUDGET);
  });

  it("a trickling body ends at timeoutMs as directory_unavailable, retryable", async () => {
    const { error } = await attack({ kind: "trickle", everyMs: 20 }, () =>
      call(directory({ timeoutMs: 300 })),
    );
    expect(error.code).toBe("directory_unavailable");
    expect(error.retryable).toBe(true);
  });
});

describe("error bodies", () => {
  it.each([
    ["503", 503, "directory_unavailable"],
    ["400", 400, "invalid_request"],
  ] as const)(
    "a %s with a 50 MB body keeps its status; the body is not read",
    async (_s, status, code) => {
      for (const declareLength of [true, false]) {
        const { error, growthBytes } = await attack(
          { kind: "huge", status, bytes: 50 * 1000 * 1000, declareLength },
          () => register(directory()),
        );
        expect(error.code).toBe(code);
        expect(error.status).toBe(status);
        expect(error.body).toBeUndefined();
        expect(error.message).toContain(`error body was cut at ${Limits.errorBodyBytes} bytes`);
        expect(growthBytes).toBeLessThan(RSS_BUDGET);
      }
    },
  );

  it("an endless 503 on lookup is retried like any 503, each body cut at its cap", async () => {
    const { error } = await attack({ kind: "endless", status: 503 }, () =>
      directory({ limit: 2 }).lookup("peer"),
    );
    expect(error.code).toBe("directory_unavailable");
    expect(server.requests).toBe(3);
  });

  it("a 400 whose body trickles keeps its status once the deadline ends the read", async () => {
    const { error } = await attack({ kind: "trickle", status: 400, everyMs: 20 }, () =>
      register(directory({ timeoutMs: 300 })),
    );
    expect([error.code, error.status]).toEqual(["invalid_request", 400]);
    expect(error.message).toContain("did not arrive in time");
  });

  it("a 404 whose body trickles is still agent_not_found, once the deadline ends the read", async () => {
    const { error } = await attack({ kind: "trickle", status: 404, everyMs: 20 }, () =>
      directory({ timeoutMs: 300 }).lookup("peer"),
    );
    expect(error.code).toBe("agent_not_found");
  });
});

describe("deadlines and retries", () => {
  it("a body that trickles past timeoutMs is retried on GET, as a late header is", async () => {
    const { error } = await attack({ kind: "trickle", everyMs: 20 }, () =>
      directory({ timeoutMs: 200, limit: 1 }).lookup("peer"),
    );
    expect(error.code).toBe("directory_unavailable");
    expect(server.requests).toBe(2);
  });

  it("a register whose answer trickles is not retried (POST)", async () => {
    const { error } = await attack({ kind: "trickle", everyMs: 20 }, () =>
      register(directory({ timeoutMs: 200, limit: 2 })),
    );
    expect(error.code).toBe("directory_unavailable");
    expect(server.requests).toBe(1);
  });

  it("a fetch that ignores signals cannot hold a lookup past timeoutMs, headers or body", async () => {
    const silent = new ReadableStream<Uint8Array>({ pull: () => new Promise<void>(() => {}) });
    for (const fetch of [
      () => new Promise<Response>(() => {}),
      async () => new Response(silent, { status: 200 }),
    ]) {
      const lookup = createDirectory({
        baseUrl: server.url,
        timeoutMs: 200,
        retry: { limit: 0 },
        fetch,
      }).lookup("peer");
      const error = await lookup.catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "directory_unavailable", retryable: true });
    }
  });

  it("the caller's signal ends a trickling body with aborted", async () => {
    const controller = new AbortController();
    const { error } = await attack({ kind: "trickle", everyMs: 20 }, async () => {
      const pending = directory({ timeoutMs: 60_000 }).lookupPricing("peer", {
        signal: controller.signal,
      });
      while (server.bytesSent < 2) await new Promise((resolve) => setTimeout(resolve, 10));
      controller.abort();
      return pending;
    });
    expect(error.code).toBe("aborted");
  });
});
