// `retry.maxElapsedMs`, the user's time budget: through createClient's options (checked by its
// schema) to core's engine, against a loopback server that keeps answering 503 + Retry-After.
import { describe, expect, it } from "vitest";
import { createClient } from "./client.js";
import { errorOf, fakeRuntime } from "./testing/fixtures.js";
import { scriptedServer } from "./testing/scripted-server.js";

const busy = { status: 503, headers: { "retry-after": "2" }, body: '{"error":"server_error"}' };

describe("retry.maxElapsedMs", () => {
  it("does not make a retry that would end past the budget, and the error says why", async () => {
    const server = await scriptedServer([busy]);
    try {
      const runtime = fakeRuntime();
      const client = createClient(
        { baseUrl: server.url, token: "tok", retry: { limit: 3, maxElapsedMs: 2_500 } },
        runtime,
      );
      const error = await errorOf(client.listInbox());
      // 2 s waited (ends at 2 s, within 2.5 s); the next 2 s wait would end at 4 s.
      expect([server.requests.length, runtime.sleeps]).toEqual([2, [2_000]]);
      expect([error.code, error.status, error.retryable]).toEqual(["server_error", 503, true]);
      expect(error.message).toMatch(
        /\(a retry after 2000 ms would end past the time budget of 2500 ms; not retried\)$/,
      );
    } finally {
      await server.stop();
    }
  });

  it("has no default: attempts alone bound the call, as before", async () => {
    const server = await scriptedServer([busy]);
    try {
      const runtime = fakeRuntime();
      const client = createClient(
        { baseUrl: server.url, token: "tok", retry: { limit: 3 } },
        runtime,
      );
      const error = await errorOf(client.listInbox());
      expect([server.requests.length, runtime.sleeps]).toEqual([4, [2_000, 2_000, 2_000]]);
      expect(error.message).not.toMatch(/time budget/);
    } finally {
      await server.stop();
    }
  });

  it("is checked like the other retry options", () => {
    for (const maxElapsedMs of [-1, 1.5, Number.NaN]) {
      expect(() =>
        createClient(
          { baseUrl: "http://127.0.0.1:1", token: "tok", retry: { maxElapsedMs } },
          fakeRuntime(),
        ),
      ).toThrow(/retry\.maxElapsedMs is invalid/);
    }
  });
});
