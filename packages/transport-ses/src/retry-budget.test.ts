// `maxElapsedMs`, the user's time budget for one send: through sesTransport's and
// sendPlainEmail's options (checked by their schemas) to core's engine, with an injected runtime.
// SES itself cannot throttle on demand here, so the client is a real SES client with a stubbed
// `send` (see stubClient).
import { describe, expect, it } from "vitest";
import { sendPlainEmailWith } from "./plain.js";
import { errorOf, fakeRuntime, preparePlain, stubClient } from "./testing/fixtures.js";
import { createSesTransport } from "./transport.js";

const throttling = () =>
  Object.assign(new Error("Rate exceeded"), {
    name: "Throttling",
    $metadata: { requestId: "req-t", httpStatusCode: 400 },
  });
const message = () =>
  preparePlain({ to: "other-agent@agents.example.com", subject: "Hi", text: "Hello" });
// Full jitter at 0.5: waits of 100, 200, 400 ms; with 250 ms the second (100 + 200) is past it.
const STOPPED = "(a retry after 200 ms would end past the time budget of 250 ms; not retried)";

describe("maxElapsedMs", () => {
  it("sesTransport does not make a retry that would end past the budget; the error says why", async () => {
    const { client, commands } = stubClient("v1", [{ fail: throttling() }]);
    const runtime = fakeRuntime();
    const transport = createSesTransport({ client, maxAttempts: 5, maxElapsedMs: 250 }, runtime);
    const error = await errorOf(transport.send(await message(), {}));
    expect([commands.length, runtime.sleeps]).toEqual([2, [100]]);
    expect([error.code, error.outcome, error.retryable]).toEqual(["throttled", "not_sent", true]);
    expect(error.message.endsWith(STOPPED)).toBe(true);
  });

  it("has no default: maxAttempts alone bounds the send", async () => {
    const { client, commands } = stubClient("v1", [{ fail: throttling() }]);
    const runtime = fakeRuntime();
    const error = await errorOf(
      createSesTransport({ client, maxAttempts: 5 }, runtime).send(await message(), {}),
    );
    expect([commands.length, runtime.sleeps]).toEqual([5, [100, 200, 400, 800]]);
    expect(error.message).not.toContain("time budget");
  });

  it("sendPlainEmail takes it too", async () => {
    const { client, commands } = stubClient("v1", [{ fail: throttling() }]);
    const runtime = fakeRuntime();
    const plain = {
      from: "bot@agents.example.com",
      to: "ops@example.com",
      subject: "Hi",
      text: "Hello",
      maxAttempts: 5,
      maxElapsedMs: 250,
    };
    const error = await errorOf(sendPlainEmailWith(client as never, plain, runtime));
    expect([commands.length, error.code]).toEqual([2, "throttled"]);
    expect(error.message.endsWith(STOPPED)).toBe(true);
  });

  it("is checked like the other options", () => {
    const { client } = stubClient("v1");
    for (const maxElapsedMs of [-1, 0.5, Number.NaN]) {
      expect(() => createSesTransport({ client, maxElapsedMs }, fakeRuntime())).toThrow(
        /maxElapsedMs is invalid/,
      );
    }
  });
});
