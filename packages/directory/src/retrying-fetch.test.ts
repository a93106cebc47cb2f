// The directory retries with core's engine, not ky's: an injected runtime sees the waits core's
// `retryDelay` computes, against a real loopback server.
import { Limits, type Runtime, retryDelay } from "@assmbl/core";
import { fakeRuntime } from "@assmbl/testing/fakes";
import { seededRandom } from "@assmbl/testing/random";
import { HTTPError } from "ky";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttp, toAgentMailError } from "./http.js";
import { directoryRetryPolicy } from "./retrying-fetch.js";
import { type FixtureServer, sendJson, startFixtureServer } from "./testing/fixture-server.js";

let server: FixtureServer;
beforeAll(async () => {
  server = await startFixtureServer();
});
afterAll(() => server.stop());

const retry = { limit: 3, backoffLimitMs: 2_000, maxRetryAfterMs: 30_000 };

function httpWith(runtime: Runtime) {
  return createHttp(
    { baseUrl: server.url, token: "tok", timeoutMs: 5_000, retry, fetch: undefined },
    runtime,
  );
}

const get = (http: ReturnType<typeof httpWith>, options: { signal?: AbortSignal } = {}) =>
  http.client.get("public/agents/peer", {
    ...http.budget(Limits.directoryRecordBytes, "lookup of peer"),
    ...options,
  });

describe("directory GETs retry with core's engine", () => {
  it("waits what core's retryDelay says: a Retry-After past the cap waits the cap, then full jitter", async () => {
    server.requests.length = 0;
    server.handle((_request, response, index) => {
      if (index === 0) return sendJson(response, 503, {}, { "retry-after": "120" });
      if (index === 1) return sendJson(response, 500, { error: "server_error" });
      if (index === 2) return void response.socket?.destroy();
      sendJson(response, 200, { ok: true });
    });
    const runtime = fakeRuntime(seededRandom(3));
    expect(await get(httpWith(runtime)).json()).toEqual({ ok: true });
    expect(server.requests).toHaveLength(4);
    const replay = seededRandom(3);
    const policy = directoryRetryPolicy(retry);
    expect(runtime.sleeps).toEqual([
      retryDelay(0, replay, policy, 120_000),
      retryDelay(1, replay, policy),
      retryDelay(2, replay, policy),
    ]);
    expect(runtime.sleeps[0]).toBe(30_000);
  });

  it("does not retry a 501, nor a POST; ky still turns the last answer into its HTTPError", async () => {
    server.requests.length = 0;
    server.handle((_request, response) => sendJson(response, 501, { error: "not_implemented" }));
    const runtime = fakeRuntime(() => 0.5);
    const http = httpWith(runtime);
    const error = await get(http).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HTTPError);
    expect((await toAgentMailError(error, "lookup of peer", http)).status).toBe(501);
    server.handle((_request, response) => sendJson(response, 503, {}));
    const post = await http.client
      .post("agents", { ...http.budget(Limits.jsonResponseBytes, "register"), json: {} })
      .catch((caught: unknown) => caught);
    expect((post as HTTPError).response.status).toBe(503);
    expect([server.requests.length, runtime.sleeps]).toEqual([2, []]);
  });

  it("an abort during a wait ends the call with aborted, even when the sleep would never end", async () => {
    server.handle((_request, response) => sendJson(response, 503, {}));
    const controller = new AbortController();
    const runtime = {
      ...fakeRuntime(() => 0.5),
      sleep: () => {
        queueMicrotask(() => controller.abort());
        return new Promise<void>(() => {});
      },
    };
    const http = httpWith(runtime);
    const error = await get(http, { signal: controller.signal }).catch((caught: unknown) => caught);
    expect(await toAgentMailError(error, "lookup of peer", http)).toMatchObject({
      code: "aborted",
      message: "lookup of peer: aborted",
    });
  });
});
