// What a `fetch` given in the options throws is classified like the global fetch's failures:
// a fetch built on node:http (or node-fetch) rejects with the socket's own error, not a
// TypeError. A reset after the request was written may have committed the send, so it must not
// read as `not_sent` (a caller would then send again under a new key: a duplicate).
import { AgentMailError } from "@assmbl/core";
import { describe, expect, it } from "vitest";
import { failureFromThrown } from "./http-errors.js";
import { errorOf, fakeRuntime, MAIL_DOMAIN, prepare } from "./testing/fixtures.js";
import { scriptedServer } from "./testing/scripted-server.js";
import { createApiTransport } from "./transport.js";

const sendAnswer = {
  status: 200,
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ message_id: "<m1@agents.example.com>", idempotency_key: "k" }),
};

const socketError = (code: string, syscall: string) =>
  Object.assign(new Error(`${syscall} ${code}`), { code, syscall, errno: -104 });

describe("apiTransport: a custom fetch's socket errors", () => {
  it("a reset after the request reached the platform: outcome unknown, retried under the same key", async () => {
    const server = await scriptedServer([sendAnswer]);
    try {
      let calls = 0;
      // Delivers the request, then loses the answer the way a node:http-based fetch reports it.
      const resetting: typeof fetch = async (input, init) => {
        calls++;
        const response = await fetch(input, init);
        await response.body?.cancel();
        throw socketError("ECONNRESET", "read");
      };
      const transport = createApiTransport(
        {
          baseUrl: server.url,
          token: "tok",
          fetch: resetting,
          retry: { limit: 1, backoffLimitMs: 1 },
        },
        fakeRuntime(() => 0),
      );
      const message = await prepare({ to: `other@${MAIL_DOMAIN}`, subject: "s", text: "t" });
      const error = await errorOf(transport.send(message, {}));
      expect(server.requests.length).toBe(2);
      expect(calls).toBe(2);
      const keys = server.requests.map((r) => JSON.parse(r.body.toString()).idempotency_key);
      expect(keys[0]).toBe(keys[1]);
      expect(error.outcome).toBe("unknown");
      expect(error.idempotencyKey).toBe(keys[0]);
      expect(error.code).toBe("network_error");
    } finally {
      await server.stop();
    }
  });

  it("a refused connection thrown as the socket's error sent nothing", () => {
    const failure = failureFromThrown(socketError("ECONNREFUSED", "connect"), "send", []);
    expect([failure.error.code, failure.error.retryable, failure.ambiguous]).toEqual([
      "network_error",
      true,
      false,
    ]);
  });

  it("anything else a fetch throws may have followed the request: ambiguous", () => {
    const failure = failureFromThrown(new Error("something broke"), "send", []);
    expect(failure.error.code).toBe("transport_failed");
    expect(failure.ambiguous).toBe(true);
  });

  it("an AgentMailError stands as it is", () => {
    const error = new AgentMailError({ code: "invalid_response", message: "x" });
    expect(failureFromThrown(error, "send", []).error).toBe(error);
  });
});
