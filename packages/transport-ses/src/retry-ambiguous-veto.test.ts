// A failure after which SES may have accepted the message is never retried unless
// `retryAmbiguousFailures` says so, whatever its code: SES has no idempotency key, so a retry
// is a second copy. The code alone (`throttled`, `network_error`) does not prove a refusal.
import { AgentMailError } from "@assmbl/core";
import { describe, expect, it } from "vitest";
import { errorOf, fakeRuntime, preparePlain, stubClient } from "./testing/fixtures.js";
import { createSesTransport } from "./transport.js";

const message = () =>
  preparePlain({ to: "other-agent@agents.example.com", subject: "Hi", text: "Hello" });

describe("SES: an ambiguous failure is not retried by its code", () => {
  it("an AgentMailError with a retried code but no outcome (a wrapping client) is sent once", async () => {
    // A client that wraps the SDK and throws its own errors: this package cannot know whether
    // the request left, so the failure is ambiguous (see sendWithRetries).
    const wrapped = new AgentMailError({
      code: "network_error",
      message: "wrapped: socket hang up",
    });
    const { client, commands } = stubClient("v1", [
      { fail: wrapped },
      { ok: { MessageId: "twice" } },
    ]);
    const error = await errorOf(
      createSesTransport({ client }, fakeRuntime()).send(await message(), {}),
    );
    expect(commands).toHaveLength(1);
    expect([error.code, error.outcome, error.retryable]).toEqual([
      "network_error",
      "unknown",
      false,
    ]);
  });

  it("with retryAmbiguousFailures it is retried, as asked", async () => {
    const wrapped = new AgentMailError({ code: "network_error", message: "wrapped" });
    const { client, commands } = stubClient("v1", [{ fail: wrapped }, { ok: { MessageId: "ok" } }]);
    const result = await createSesTransport(
      { client, retryAmbiguousFailures: true },
      fakeRuntime(),
    ).send(await message(), {});
    expect([result.messageId, commands.length]).toEqual(["ok", 2]);
  });

  it("a host unreachable on an established connection (read EHOSTUNREACH) may have sent: not retried", async () => {
    // Linux reports an ICMP unreachable after the request was written as the socket's error.
    const late = Object.assign(new Error("read EHOSTUNREACH"), {
      code: "EHOSTUNREACH",
      syscall: "read",
    });
    const { client, commands } = stubClient("v1", [{ fail: late }, { ok: { MessageId: "twice" } }]);
    const error = await errorOf(
      createSesTransport({ client }, fakeRuntime()).send(await message(), {}),
    );
    expect(commands).toHaveLength(1);
    expect([error.code, error.outcome]).toEqual(["transport_failed", "unknown"]);
  });

  it("the same host unreachable on connect sent nothing: retried", async () => {
    const early = Object.assign(new Error("connect EHOSTUNREACH 10.0.0.1:443"), {
      code: "EHOSTUNREACH",
      syscall: "connect",
    });
    const { client, commands } = stubClient("v1", [{ fail: early }, { ok: { MessageId: "ok" } }]);
    const result = await createSesTransport({ client }, fakeRuntime()).send(await message(), {});
    expect([result.messageId, commands.length]).toEqual(["ok", 2]);
  });
});
