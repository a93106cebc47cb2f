// `retry.maxElapsedMs`, the user's time budget: createDirectory's options (parsed by its schema)
// to core's engine, with an injected runtime, against a real loopback server that keeps
// answering 503 with Retry-After, and a refused connection.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Limits, parseInput, type Runtime } from "@assmbl/core";
import { fakeRuntime } from "@assmbl/testing/fakes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttp, toAgentMailError } from "./http.js";
import { DirectoryOptionsSchema } from "./options.js";
import { type FixtureServer, sendJson, startFixtureServer } from "./testing/fixture-server.js";

let server: FixtureServer;
beforeAll(async () => {
  server = await startFixtureServer();
});
afterAll(() => server.stop());

// What createDirectory hands createHttp, from the user's options.
function httpFor(baseUrl: string, retry: Record<string, number>, runtime: Runtime) {
  const config = parseInput(DirectoryOptionsSchema, { baseUrl, retry }, "createDirectory options");
  return createHttp(
    {
      baseUrl,
      token: undefined,
      timeoutMs: config.timeoutMs,
      retry: config.retry,
      fetch: undefined,
    },
    runtime,
  );
}

async function lookupError(http: ReturnType<typeof createHttp>) {
  const what = "lookup of peer";
  const caught = await http.client
    .get("public/agents/peer", http.budget(Limits.directoryRecordBytes, what))
    .catch((error: unknown) => error);
  return toAgentMailError(caught, what, http);
}

describe("directory retry.maxElapsedMs", () => {
  it("does not make a retry that would end past the budget; the error says why", async () => {
    server.requests.length = 0;
    server.handle((_request, response) => sendJson(response, 503, {}, { "retry-after": "3" }));
    const runtime = fakeRuntime();
    const error = await lookupError(
      httpFor(server.url, { limit: 4, maxElapsedMs: 5_000 }, runtime),
    );
    // 3 s waited (ends at 3 s); the next 3 s wait would end at 6 s, past 5 s.
    expect([server.requests.length, runtime.sleeps]).toEqual([2, [3_000]]);
    expect([error.code, error.status, error.retryable]).toEqual([
      "directory_unavailable",
      503,
      true,
    ]);
    expect(error.message).toBe(
      "lookup of peer: the directory answered 503 (a retry after 3000 ms would end past the time budget of 5000 ms; not retried)",
    );
  });

  it("has no default: the attempts alone bound the call, and the message says nothing of a budget", async () => {
    server.requests.length = 0;
    server.handle((_request, response) => sendJson(response, 503, {}, { "retry-after": "3" }));
    const runtime = fakeRuntime();
    const error = await lookupError(httpFor(server.url, { limit: 4 }, runtime));
    expect([server.requests.length, runtime.sleeps]).toEqual([5, [3_000, 3_000, 3_000, 3_000]]);
    expect(error.message).toBe("lookup of peer: the directory answered 503");
  });

  it("stops a network failure's retries too, saying why", async () => {
    const gone = createServer();
    await new Promise<void>((resolve) => gone.listen(0, "127.0.0.1", resolve));
    const { port } = gone.address() as AddressInfo;
    await new Promise((resolve) => gone.close(resolve));
    const runtime = fakeRuntime();
    // Full jitter at 0.5: 150 ms, then 300 ms; 150 + 300 > 400.
    const http = httpFor(`http://127.0.0.1:${port}`, { limit: 4, maxElapsedMs: 400 }, runtime);
    const error = await lookupError(http);
    expect(runtime.sleeps).toEqual([150]);
    expect(error.code).toBe("directory_unavailable");
    expect(error.message).toMatch(
      /\(a retry after 300 ms would end past the time budget of 400 ms; not retried\)$/,
    );
  });

  it("is checked like the other retry options", () => {
    for (const maxElapsedMs of [-1, 2.5, Number.NaN]) {
      expect(() =>
        parseInput(DirectoryOptionsSchema, { baseUrl: server.url, retry: { maxElapsedMs } }, "o"),
      ).toThrow(/retry\.maxElapsedMs is invalid/);
    }
  });
});
