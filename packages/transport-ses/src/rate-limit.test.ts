// sesTransport's send budget: a core RateLimiter acquired before every SES attempt. Stub clients
// count the requests (see fixtures.ts); time is virtual, so nothing here waits for real.
import {
  AgentMailError,
  localRateLimiter,
  type RateLimiter,
  type RateLimiterAcquireOptions,
  type Runtime,
} from "@assmbl/core";
import { SESServiceException } from "@aws-sdk/client-ses";
import { describe, expect, it, vi } from "vitest";
import { errorOf, fakeRuntime, preparePlain, stubClient } from "./testing/fixtures.js";
import { createSesTransport, type SesTransportOptions, sesTransport } from "./transport.js";

const throttling = () =>
  new SESServiceException({
    name: "Throttling",
    $fault: "client",
    message: "Maximum sending rate exceeded.",
    $metadata: { requestId: "req-throttle", httpStatusCode: 400 },
  });

const simple = () =>
  preparePlain({ to: "other-agent@agents.example.com", subject: "Hi", text: "Hello" });

/** A limiter that records each acquire and lets it go at once (or holds it, signal ignored). */
function countingLimiter(hold = false) {
  const calls: (RateLimiterAcquireOptions | undefined)[] = [];
  const limiter: RateLimiter = {
    acquire(options) {
      calls.push(options);
      return hold ? new Promise<void>(() => {}) : Promise.resolve();
    },
  };
  return { limiter, calls };
}

/**
 * Virtual time for concurrent senders: `sleep` wakes in order of its end time, and the clock jumps
 * there only once every sender is blocked (macrotask turn), so concurrent waits overlap as they
 * would in real time.
 */
function virtualTime(): Runtime & { run<T>(work: Promise<T>): Promise<T> } {
  let time = 0;
  const timers: { at: number; wake: () => void }[] = [];
  return {
    now: () => time,
    random: () => 0.5,
    sleep: (ms) => new Promise<void>((wake) => timers.push({ at: time + ms, wake })),
    async run(work) {
      let done = false;
      const result = work.finally(() => {
        done = true;
      });
      while (!done) {
        await new Promise((resolve) => setImmediate(resolve));
        timers.sort((a, b) => a.at - b.at);
        const next = timers.shift();
        if (!next) continue;
        time = Math.max(time, next.at);
        next.wake();
      }
      return result;
    },
  };
}

describe("sesTransport({ rateLimiter })", () => {
  it("acquires once per SES attempt, retries included, with the send's signal", async () => {
    const { client, commands } = stubClient("v1", [
      { fail: throttling() },
      { fail: throttling() },
      { ok: { MessageId: "third" } },
    ]);
    const { limiter, calls } = countingLimiter();
    const transport = createSesTransport({ client, rateLimiter: limiter }, fakeRuntime());
    const signal = new AbortController().signal;
    expect((await transport.send(await simple(), { signal })).messageId).toBe("third");
    expect(commands).toHaveLength(3);
    expect(calls).toEqual([{ signal }, { signal }, { signal }]);
    // No signal: acquire is called without one.
    await transport.send(await simple(), {});
    expect(calls.slice(3)).toEqual([undefined]);
  });

  it("keeps two transports sharing one limiter within its budget", async () => {
    const clock = virtualTime();
    const times: number[] = [];
    const stamped = () => {
      const { client } = stubClient("v1");
      const send = (client as unknown as { send: (command: unknown) => Promise<unknown> }).send;
      (client as { send: unknown }).send = (command: unknown) => {
        times.push(clock.now());
        return send(command);
      };
      return client;
    };
    const budget = 4;
    const sendTwenty = async (limits: Partial<SesTransportOptions>[]) => {
      times.length = 0;
      const transports = limits.map((limit) =>
        createSesTransport({ client: stamped(), ...limit }, clock),
      );
      const message = await simple();
      await clock.run(
        Promise.all(
          transports.flatMap((transport) =>
            Array.from({ length: 20 }, () => transport.send(message, {})),
          ),
        ),
      );
      return times.map((t) => t - (times[0] ?? 0)).sort((a, b) => a - b);
    };
    // Most sends in any 1 s window that starts once the first second's burst is spent.
    const busiestSecond = (sent: number[]) =>
      Math.max(
        ...sent
          .filter((t) => t >= 1000)
          .map((t) => sent.filter((u) => u >= t && u < t + 1000).length),
      );

    const shared = localRateLimiter({ maxPerSecond: budget, runtime: clock });
    const together = await sendTwenty([{ rateLimiter: shared }, { rateLimiter: shared }]);
    // One bucket for both: a burst of 4, then one send every 250 ms, whoever sends it.
    expect(together).toEqual(Array.from({ length: 40 }, (_, n) => Math.max(0, n - 3) * 250));
    expect(busiestSecond(together)).toBe(budget);

    // The contrast: a budget each (maxSendRate) is twice the budget together.
    const apart = await sendTwenty([{ maxSendRate: budget }, { maxSendRate: budget }]);
    expect(apart).toHaveLength(40);
    expect(busiestSecond(apart)).toBe(2 * budget);
  });

  it("fails aborted, not_sent, when the signal ends the wait (even one the limiter ignores)", async () => {
    const { client, commands } = stubClient("v1");
    const { limiter, calls } = countingLimiter(true);
    const controller = new AbortController();
    const sending = sesTransport({ client, rateLimiter: limiter }).send(await simple(), {
      signal: controller.signal,
    });
    // Rendering comes first; the limiter is asked once the request is ready to go.
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    controller.abort(new Error("shutting down"));
    const error = await errorOf(sending);
    expect(error.code).toBe("aborted");
    expect(error.outcome).toBe("not_sent");
    expect(error.message).toBe(
      "the send was aborted while waiting for the rate limiter; nothing was sent",
    );
    expect(commands).toHaveLength(0);
  });

  it("fails aborted with not_sent when maxSendRate's own wait is aborted", async () => {
    const { client, commands } = stubClient("v1");
    const transport = sesTransport({ client, maxSendRate: 0.001 });
    await transport.send(await simple(), {});
    const controller = new AbortController();
    const sending = transport.send(await simple(), { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    const error = await errorOf(sending);
    expect([error.code, error.outcome]).toEqual(["aborted", "not_sent"]);
    expect(commands).toHaveLength(1);
  });

  it("says unknown when a wait before a retry is aborted after an ambiguous attempt", async () => {
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    const { client, commands } = stubClient("v1", [{ fail: reset }]);
    const controller = new AbortController();
    let acquired = 0;
    const limiter: RateLimiter = {
      acquire: () => {
        acquired++;
        // The second acquire (before the retry) waits until the caller gives up.
        if (acquired === 2) controller.abort();
        return acquired === 1 ? Promise.resolve() : new Promise<void>(() => {});
      },
    };
    const transport = createSesTransport(
      { client, rateLimiter: limiter, retryAmbiguousFailures: true },
      fakeRuntime(),
    );
    const error = await errorOf(transport.send(await simple(), { signal: controller.signal }));
    expect(commands).toHaveLength(1);
    expect([error.code, error.outcome, error.retryable]).toEqual(["aborted", "unknown", false]);
    expect(error.message).toContain("may have been sent");
  });

  it("fails not_sent when the limiter itself fails, without the limiter's message", async () => {
    const { client, commands } = stubClient("v1");
    const limiter: RateLimiter = {
      acquire: () => Promise.reject(new Error("connect redis://:hunter2@cache:6379 refused")),
    };
    const error = await errorOf(
      sesTransport({ client, rateLimiter: limiter }).send(await simple(), {}),
    );
    expect(commands).toHaveLength(0);
    expect([error.code, error.outcome]).toEqual(["transport_failed", "not_sent"]);
    expect(error.message).not.toContain("hunter2");
    expect((error.cause as Error).message).toContain("refused");
    // An SDK error keeps its code and message.
    const aborting: RateLimiter = {
      acquire: () =>
        Promise.reject(new AgentMailError({ code: "rate_limited", message: "budget store busy" })),
    };
    const coded = await errorOf(
      createSesTransport({ client, rateLimiter: aborting, maxAttempts: 1 }, fakeRuntime()).send(
        await simple(),
        {},
      ),
    );
    expect([coded.code, coded.outcome]).toEqual(["rate_limited", "not_sent"]);
    expect(coded.message).toContain("budget store busy");
  });

  it("refuses rateLimiter with maxSendRate, and a rateLimiter that is not one", () => {
    const { client } = stubClient("v1");
    const { limiter } = countingLimiter();
    expect(() => sesTransport({ client, rateLimiter: limiter, maxSendRate: 14 })).toThrow(
      expect.objectContaining({
        code: "invalid_options",
        message: expect.stringContaining("give rateLimiter or maxSendRate, not both"),
      }),
    );
    for (const rateLimiter of [14, {}, { acquire: "now" }, null]) {
      expect(() => sesTransport({ client, rateLimiter } as unknown as SesTransportOptions)).toThrow(
        expect.objectContaining({ code: "invalid_options" }),
      );
    }
    for (const maxSendRate of [0, -1, Number.POSITIVE_INFINITY, 1e-320]) {
      expect(() => sesTransport({ client, maxSendRate })).toThrow(
        expect.objectContaining({ code: "invalid_options" }),
      );
    }
  });
});
