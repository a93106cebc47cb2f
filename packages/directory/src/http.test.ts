// A directory's error body: its `error` field becomes the error's `code`, which is never
// redacted, so only a code-shaped value that is not the token is kept. Real peer: a loopback
// fixture server.
import { AgentMailError } from "@assmbl/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDirectory } from "./directory.js";
import { serverCode } from "./http.js";
import { type FixtureServer, startFixtureServer } from "./testing/fixture-server.js";

const TOKEN = "am_live_S3cretTokenValueABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
let server: FixtureServer;

beforeAll(async () => {
  server = await startFixtureServer();
});
afterAll(() => server.stop());

async function lookupAnswered(status: number, body: unknown): Promise<AgentMailError> {
  server.handle((_request, response) => {
    response.writeHead(status, { "content-type": "application/json" });
    response.end(JSON.stringify(body));
  });
  const directory = createDirectory({ baseUrl: server.url, token: TOKEN, retry: { limit: 0 } });
  const error = await directory.lookup("peer").then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!AgentMailError.is(error))
    throw new Error(`expected an AgentMailError, got ${String(error)}`);
  return error;
}

describe("a directory's error code", () => {
  it("is kept when it looks like a code", async () => {
    const error = await lookupAnswered(404, { error: "agent_not_found", message: "no such agent" });
    expect(error.code).toBe("agent_not_found");
  });

  it.each([
    ["the token", TOKEN],
    ["the token, lower-cased (shaped like a code)", TOKEN.toLowerCase()],
    ["a line break", "bad\nX-Injected: yes"],
  ])("is the status's code when it is %s, and the token is nowhere", async (_, code) => {
    const error = await lookupAnswered(401, { error: code, message: "bad token" });
    expect(error.code).toBe("unauthorized");
    const everywhere = JSON.stringify([
      error,
      error.code,
      error.message,
      String(error),
      error.body,
    ]);
    expect(everywhere.toLowerCase()).not.toContain(TOKEN.slice(8, 20).toLowerCase());
  });

  it("serverCode keeps codes and refuses anything else", () => {
    expect(serverCode("conflict", 409, [TOKEN])).toBe("conflict");
    expect(serverCode(TOKEN, 401, [TOKEN])).toBe("unauthorized");
    expect(serverCode("x".repeat(65), 400, [])).toBe("invalid_request");
  });
});
