// What a server can put into an error: its `error` field becomes `code` (never redacted), and a
// plain-text body is kept, cut to 500 characters. Real peer: a scripted loopback server.
import { Routes } from "@assmbl/core";
import { describe, expect, it } from "vitest";
import { createApiHttp } from "./http.js";
import { serverCode } from "./http-errors.js";
import { errorOf, fakeRuntime } from "./testing/fixtures.js";
import { scriptedServer } from "./testing/scripted-server.js";

const TOKEN = "am_live_S3cretTokenValueABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

async function errorFrom(status: number, contentType: string, body: string) {
  const server = await scriptedServer([{ status, headers: { "content-type": contentType }, body }]);
  try {
    const http = createApiHttp(
      {
        baseUrl: server.url,
        token: TOKEN,
        retry: { limit: 0, backoffLimitMs: 1_000, maxRetryAfterMs: 1_000 },
        timeoutMs: 5_000,
      },
      fakeRuntime(),
    );
    return await errorOf(
      http.call({ route: Routes.deleteMessage, params: { id: "m1" }, what: "delete" }),
    );
  } finally {
    await server.stop();
  }
}

const everywhere = (error: Error & { code: string; body: unknown }) =>
  JSON.stringify([error, error.code, error.message, String(error), error.body]);

describe("a server's error code", () => {
  it("is kept when it looks like a code", async () => {
    const error = await errorFrom(429, "application/json", '{"error":"slow_down_please"}');
    expect(error.code).toBe("slow_down_please");
  });

  it.each([
    ["the token", TOKEN],
    ["the token, lower-cased (shaped like a code)", TOKEN.toLowerCase()],
    ["a line break", "bad\r\nX-Injected: yes"],
    ["upper case", "Unauthorized"],
    ["65 characters", `a${"b".repeat(64)}`],
  ])("is the status's code when it is %s, and the token is nowhere", async (_, code) => {
    const error = await errorFrom(
      401,
      "application/json",
      JSON.stringify({ error: code, message: "no" }),
    );
    expect(error.code).toBe("unauthorized");
    expect(error.message).toMatch(/^delete: 401 unauthorized/);
    expect(everywhere(error)).not.toContain(TOKEN.slice(8, 20));
    expect(everywhere(error).toLowerCase()).not.toContain(TOKEN.slice(8, 20).toLowerCase());
  });

  it("serverCode keeps codes and refuses anything else", () => {
    expect(serverCode("rate_limited", 429, [TOKEN])).toBe("rate_limited");
    expect(serverCode("am_live_s3cret", 401, ["am_live_s3cret"])).toBe("unauthorized");
    expect(serverCode("9lives", 404, [])).toBe("not_found");
  });
});

describe("a plain-text error body", () => {
  it("is redacted before it is cut: a token across the cut leaves no prefix", async () => {
    const error = await errorFrom(401, "text/plain", `${"x".repeat(470)} ${TOKEN}`);
    expect(typeof error.body).toBe("string");
    expect(String(error.body).length).toBeLessThanOrEqual(500);
    expect(String(error.body)).toMatch(/^x{470} \[redac/);
    expect(everywhere(error)).not.toContain(TOKEN.slice(0, 12));
  });
});
