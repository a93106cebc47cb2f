// The SES transport retries with core's engine: an injected runtime sees the waits core's
// `retryDelay` computes (and the rate limiter's, paced before each attempt), and network
// failures are classified by core's `networkFailure`, cause chains included.
import { type RetryPolicy, retryDelay } from "@assmbl/core";
import { seededRandom } from "@assmbl/testing/random";
import { describe, expect, it } from "vitest";
import { errorOf, fakeRuntime, preparePlain, stubClient } from "./testing/fixtures.js";
import { createSesTransport } from "./transport.js";

const meta = (requestId: string, httpStatusCode = 400) => ({ requestId, httpStatusCode });
const throttling = () =>
  Object.assign(new Error("Rate exceeded"), { name: "Throttling", $metadata: meta("req-t") });
const message = () =>
  preparePlain({ to: "other-agent@agents.example.com", subject: "Hi", text: "Hello" });

describe("transport-ses retries with core's engine", () => {
  it("waits what core's retryDelay says for the seeded randomness", async () => {
    const { client, commands } = stubClient("v1", [
      { fail: throttling() },
      { fail: throttling() },
      { fail: throttling() },
      { ok: { MessageId: "fourth" } },
    ]);
    const runtime = fakeRuntime(seededRandom(5));
    const result = await createSesTransport({ client, maxAttempts: 4 }, runtime).send(
      await message(),
      {},
    );
    expect([result.messageId, commands.length]).toEqual(["fourth", 4]);
    const replay = seededRandom(5);
    const policy: RetryPolicy = { retries: 3 };
    expect(runtime.sleeps).toEqual([0, 1, 2].map((n) => retryDelay(n, replay, policy)));
  });

  it("paces every attempt, retries included, through the engine's `pace`", async () => {
    const { client } = stubClient("v1", [{ fail: throttling() }, { ok: { MessageId: "ok" } }]);
    const runtime = fakeRuntime(() => 0.5);
    const transport = createSesTransport({ client, maxSendRate: 1 }, runtime);
    await transport.send(await message(), {});
    // First attempt: the burst token. Backoff 100 ms, then the retry waits for the next token.
    expect(runtime.sleeps).toEqual([100, 900]);
  });

  it("a refusal down the cause chain (an AggregateError of connect attempts) sent nothing: retried", async () => {
    const refused = (address: string) =>
      Object.assign(new Error(`connect ECONNREFUSED ${address}`), { code: "ECONNREFUSED" });
    const aggregate = new AggregateError([refused("::1:443"), refused("127.0.0.1:443")], "");
    const { client, commands } = stubClient("v1", [{ fail: aggregate }]);
    const error = await errorOf(
      createSesTransport({ client }, fakeRuntime()).send(await message(), {}),
    );
    expect(commands).toHaveLength(3);
    expect([error.code, error.outcome]).toEqual(["network_error", "not_sent"]);
    expect(error.message).toContain("ECONNREFUSED");
  });
});
