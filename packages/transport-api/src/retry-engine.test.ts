// The client retries with core's engine: an injected runtime sees exactly the waits core's
// `retryDelay` computes, and network failures are classified by core's `networkFailure`.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Routes, retryDelay } from "@assmbl/core";
import { seededRandom } from "@assmbl/testing/random";
import { describe, expect, it } from "vitest";
import { createApiHttp } from "./http.js";
import { failureFromThrown } from "./http-errors.js";
import { enginePolicy } from "./retry.js";
import { errorOf, fakeRuntime } from "./testing/fixtures.js";
import { scriptedServer } from "./testing/scripted-server.js";

const policy = { limit: 3, backoffLimitMs: 4_000, maxRetryAfterMs: 60_000 };

describe("transport-api retries with core's engine", () => {
  it("waits what core's retryDelay says: Retry-After, then full jitter from the seeded randomness", async () => {
    const server = await scriptedServer([
      { status: 503, headers: { "retry-after": "2" }, body: '{"error":"server_error"}' },
      { status: 429, body: '{"error":"rate_limited"}' },
      "drop",
      { status: 204 },
    ]);
    try {
      const runtime = fakeRuntime(seededRandom(11));
      const http = createApiHttp(
        { baseUrl: server.url, token: "tok", retry: policy, timeoutMs: 5_000 },
        runtime,
      );
      await http.call({ route: Routes.revoke, json: {}, what: "revoke" });
      expect(server.requests).toHaveLength(4);
      const replay = seededRandom(11);
      const engine = enginePolicy(policy);
      expect(runtime.sleeps).toEqual([
        retryDelay(0, replay, engine, 2_000),
        retryDelay(1, replay, engine),
        retryDelay(2, replay, engine),
      ]);
      expect(runtime.sleeps[0]).toBe(2_000);
    } finally {
      await server.stop();
    }
  });

  it("gives up after the attempt budget with the last failure", async () => {
    const server = await scriptedServer([{ status: 502, body: "<html>bad gateway</html>" }]);
    try {
      const runtime = fakeRuntime(() => 0.5);
      const http = createApiHttp(
        { baseUrl: server.url, token: "tok", retry: { ...policy, limit: 2 }, timeoutMs: 5_000 },
        runtime,
      );
      const error = await errorOf(http.call({ route: Routes.revoke, json: {}, what: "revoke" }));
      expect([error.status, error.retryable, server.requests.length]).toEqual([502, true, 3]);
      expect(runtime.sleeps).toEqual([150, 300]);
    } finally {
      await server.stop();
    }
  });

  it("a refused connection sent nothing; a dropped one may have (core's networkFailure)", async () => {
    const gone = createServer();
    await new Promise<void>((resolve) => gone.listen(0, "127.0.0.1", resolve));
    const { port } = gone.address() as AddressInfo;
    await new Promise((resolve) => gone.close(resolve));
    const refused = await fetch(`http://127.0.0.1:${port}/`).catch((error: unknown) => error);
    expect(failureFromThrown(refused, "send", []).ambiguous).toBe(false);

    const server = await scriptedServer(["drop"]);
    try {
      const dropped = await fetch(server.url).catch((error: unknown) => error);
      const failure = failureFromThrown(dropped, "send", []);
      expect([failure.error.code, failure.ambiguous]).toEqual(["network_error", true]);
    } finally {
      await server.stop();
    }
  });
});
