// Every API answer the client and the transport read is read under its route's cap and inside
// `timeoutMs`, against a real loopback server that answers like an attacker. Memory is
// measured, not time.
import { AgentMailError, Limits } from "@assmbl/core";
import {
  attackWith,
  type HostileServer,
  type Script,
  startHostileServer,
} from "@assmbl/testing/hostile-server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAgentMailClient } from "./client.js";
import { prepare } from "./testing/fixtures.js";
import { apiTransport } from "./transport.js";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const RSS_BUDGET = 128 * MiB;
const TOKEN = "am_test_token_0123456789";

let server: HostileServer;
beforeEach(async () => {
  server = await startHostileServer();
});
afterEach(async () => {
  await server.stop();
});

interface Budget {
  timeoutMs?: number;
  limit?: number;
}
const connection = (budget: Budget) => ({
  baseUrl: server.url,
  token: TOKEN,
  timeoutMs: budget.timeoutMs ?? 30_000,
  retry: { limit: budget.limit ?? 0, backoffLimitMs: 10 },
});
const client = (budget: Budget = {}) => createAgentMailClient(connection(budget));

/** Each call, and the cap of the answer it reads. */
const calls = {
  listInbox: {
    cap: Limits.jsonResponseBytes,
    run: (budget: Budget) => client(budget).listInbox(),
  },
  getMessage: {
    cap: Limits.messageResponseBytes,
    run: (budget: Budget) => client(budget).getMessage("m1"),
  },
  fetchMessage: {
    cap: Limits.messageResponseBytes,
    run: (budget: Budget) => client(budget).fetchMessage("m1"),
  },
  "apiTransport send": {
    cap: Limits.jsonResponseBytes,
    run: async (budget: Budget) =>
      apiTransport(connection(budget)).send(
        await prepare({ to: "other-agent@agents.example.com", subject: "s", text: "t" }),
        {},
      ),
  },
} as const;

/** Runs `call` against the server answering `script`; the error it fails with and what it cost. */
async function attack(
  script: Script,
  call: () => Promise<unknown>,
): Promise<{ error: AgentMailError; growthBytes: number }> {
  const { error, growthBytes } = await attackWith(server, script, call);
  expect(AgentMailError.is(error), String(error)).toBe(true);
  return { error: error as AgentMailError, growthBytes };
}

describe.each(Object.entries(calls))("%s under a hostile platform", (_name, { cap, run }) => {
  it.each([
    ["an endless body", { kind: "endless" }],
    ["a 2 GiB body with its Content-Length", { kind: "huge", bytes: 2 * GiB }],
    [
      "a 2 GiB body without a Content-Length",
      { kind: "huge", bytes: 2 * GiB, declareLength: false },
    ],
  ] as const)("%s: response_too_large, not retried, in bounded memory", async (_what, how) => {
    const { error, growthBytes } = await attack(how, () => run({ limit: 2 }));
    expect(error.code).toBe("response_too_large");
    expect(error.retryable).toBe(false);
    expect(server.requests).toBe(1);
    expect(growthBytes).toBeLessThan(RSS_BUDGET);
    // The reader stopped at its cap, far from the 2 GiB on offer (socket buffers aside).
    expect(server.bytesSent).toBeLessThan(cap + 32 * MiB);
  });

  it("a Content-Length that understates an endless body: only the declared bytes are read", async () => {
    const { error, growthBytes } = await attack({ kind: "lying-length", declared: 100 }, () =>
      run({}),
    );
    expect(error.code).toBe("invalid_response");
    expect(growthBytes).toBeLessThan(RSS_BUDGET);
  });

  it("a trickling body ends at timeoutMs with a retryable timeout", async () => {
    const { error } = await attack({ kind: "trickle", everyMs: 20 }, () => run({ timeoutMs: 300 }));
    expect(error.code).toBe("timeout");
    expect(error.retryable).toBe(true);
  });

  it("a 503 with a 50 MB body: server_error, retried, only the body's first 16 KiB read", async () => {
    const { error, growthBytes } = await attack(
      { kind: "huge", status: 503, bytes: 50 * 1000 * 1000 },
      () => run({ limit: 1 }),
    );
    expect([error.code, error.status, error.retryable]).toEqual(["server_error", 503, true]);
    expect(error.body).toBeUndefined();
    expect(error.message).toContain(`error body was cut at ${Limits.errorBodyBytes} bytes`);
    expect(server.requests).toBe(2);
    expect(growthBytes).toBeLessThan(RSS_BUDGET);
  });
});

describe("error bodies", () => {
  it.each([true, false])(
    "a 400 with a 50 MB body keeps its status (Content-Length: %s)",
    async (declareLength) => {
      const { error, growthBytes } = await attack(
        { kind: "huge", status: 400, bytes: 50 * 1000 * 1000, declareLength },
        () => client({ limit: 2 }).listInbox(),
      );
      expect([error.code, error.status, error.retryable]).toEqual(["invalid_request", 400, false]);
      expect(error.body).toBeUndefined();
      expect(server.requests).toBe(1);
      expect(server.bytesSent).toBeLessThan(32 * MiB);
      expect(growthBytes).toBeLessThan(RSS_BUDGET);
    },
  );

  it("a 400 whose body trickles keeps its status once the deadline ends the read", async () => {
    const { error } = await attack({ kind: "trickle", status: 400, everyMs: 20 }, () =>
      client({ timeoutMs: 300 }).listInbox(),
    );
    expect([error.code, error.status]).toEqual(["invalid_request", 400]);
    expect(error.message).toContain("did not arrive in time");
  });

  it("storage's endless error body on an upload: the status-based error, read under the cap", async () => {
    const script: Script = (request) =>
      request.url === "/attachments/uploads"
        ? {
            kind: "json",
            body: { object_key: "uploads/a/k", upload: { url: "/_storage/upload", fields: {} } },
          }
        : { kind: "endless", status: 503 };
    const { error, growthBytes } = await attack(script, () =>
      client().uploadAttachment({ filename: "a.bin", content: "abc" }),
    );
    expect([error.code, error.status]).toEqual(["server_error", 503]);
    expect(error.message).toContain("cut at");
    expect(growthBytes).toBeLessThan(RSS_BUDGET);
  });

  it("storage's trickling error body ends at timeoutMs (uploads bring no deadline of their own)", async () => {
    const script: Script = (request) =>
      request.url === "/attachments/uploads"
        ? {
            kind: "json",
            body: { object_key: "uploads/a/k", upload: { url: "/_storage/upload", fields: {} } },
          }
        : { kind: "trickle", status: 403, everyMs: 20 };
    const { error } = await attack(script, () =>
      client({ timeoutMs: 300 }).uploadAttachment({ filename: "a.bin", content: "abc" }),
    );
    expect([error.code, error.status]).toEqual(["forbidden", 403]);
  });
});

describe("caps per route, deadlines and retries", () => {
  it("a 2 MiB answer is over listInbox's cap but within getMessage's", async () => {
    const twoMiB = { kind: "huge", bytes: 2 * MiB } as const;
    const inbox = await attack(twoMiB, () => client().listInbox());
    expect(inbox.error.code).toBe("response_too_large");
    // Read whole (the filler is not JSON): the cap let it through.
    const message = await attack(twoMiB, () => client().getMessage("m1"));
    expect(message.error.code).toBe("invalid_response");
  });

  it("a body that trickles past timeoutMs is retried, as a late header is", async () => {
    const { error } = await attack({ kind: "trickle", everyMs: 20 }, () =>
      client({ timeoutMs: 200, limit: 1 }).listInbox(),
    );
    expect(error.code).toBe("timeout");
    expect(server.requests).toBe(2);
  });

  it("a fetch that ignores signals cannot hold a call past timeoutMs, headers or body", async () => {
    const silent = new ReadableStream<Uint8Array>({ pull: () => new Promise<void>(() => {}) });
    for (const fetch of [
      () => new Promise<Response>(() => {}),
      async () => new Response(silent, { status: 200 }),
    ]) {
      const call = createAgentMailClient({ ...connection({ timeoutMs: 200 }), fetch }).listInbox();
      const error = await call.catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "timeout", retryable: true });
    }
  });

  it("the caller's signal ends a trickling body with aborted", async () => {
    const controller = new AbortController();
    const { error } = await attack({ kind: "trickle", everyMs: 20 }, async () => {
      const pending = client({ timeoutMs: 60_000 }).listInbox(undefined, {
        signal: controller.signal,
      });
      while (server.bytesSent < 2) await new Promise((resolve) => setTimeout(resolve, 10));
      controller.abort();
      return pending;
    });
    expect(error.code).toBe("aborted");
  });
});
