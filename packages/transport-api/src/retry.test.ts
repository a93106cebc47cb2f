import { AgentMailError } from "@assmbl/core";
import { describe, expect, it } from "vitest";
import { AttemptError, backoffDelay, parseRetryAfter, retryDelay, withRetries } from "./retry.js";
import { errorOf, fakeRuntime } from "./testing/fixtures.js";

const policy = { limit: 3, backoffLimitMs: 5_000, maxRetryAfterMs: 60_000 };

describe("backoffDelay", () => {
  it("draws from [0, min(limit, 300 * 2^retry)): full jitter", () => {
    expect(backoffDelay(0, () => 0, 5_000)).toBe(0);
    expect(backoffDelay(0, () => 0.5, 5_000)).toBe(150);
    expect(backoffDelay(2, () => 0.999, 5_000)).toBe(1198);
    expect(backoffDelay(20, () => 0.5, 5_000)).toBe(2500);
    expect(backoffDelay(3, () => 0.5, 0)).toBe(0);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  it("reads delay seconds and HTTP dates", () => {
    expect(parseRetryAfter("0", now)).toBe(0);
    expect(parseRetryAfter(" 2 ", now)).toBe(2_000);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 00:00:00 GMT", now)).toBe(0);
  });
  it("ignores what is not a Retry-After value", () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter("-1", now)).toBeUndefined();
    expect(parseRetryAfter("1.5", now)).toBeUndefined();
    expect(parseRetryAfter("2026-01-01", now)).toBeUndefined();
  });
});

describe("retryDelay", () => {
  it("never waits less than Retry-After, and gives up when it is longer than allowed", () => {
    expect(retryDelay(0, policy, () => 0.5, 1_000)).toBe(1_000);
    expect(retryDelay(4, policy, () => 0.9, 0)).toBe(4_320);
    expect(retryDelay(0, policy, () => 0.5)).toBe(150);
    expect(retryDelay(0, { ...policy, maxRetryAfterMs: 999 }, () => 0.5, 1_000)).toBeUndefined();
  });
});

const retryable = (message = "boom") =>
  new AgentMailError({ code: "server_error", message, status: 503 });

describe("withRetries", () => {
  const classify = (error: unknown) => ({ error: error as AgentMailError });

  it("retries a retryable failure up to the limit, then throws the last one", async () => {
    const runtime = fakeRuntime();
    let calls = 0;
    const error = await errorOf(
      withRetries(
        async () => {
          calls++;
          throw retryable(`attempt ${calls}`);
        },
        { policy, runtime, classify },
      ),
    );
    expect(calls).toBe(4);
    expect(error.message).toBe("attempt 4");
    expect(runtime.sleeps).toEqual([150, 300, 600]);
  });

  it("does not retry a failure that is not retryable", async () => {
    const runtime = fakeRuntime();
    let calls = 0;
    const error = await errorOf(
      withRetries(
        async () => {
          calls++;
          throw new AgentMailError({ code: "idempotency_key_reused", message: "no" });
        },
        { policy, runtime, classify },
      ),
    );
    expect([calls, error.code, runtime.sleeps]).toEqual([1, "idempotency_key_reused", []]);
  });

  it("waits what Retry-After says and hands the previous failure to the next attempt", async () => {
    const runtime = fakeRuntime();
    const seen: unknown[] = [];
    const result = await withRetries(
      async ({ attempt, previous }) => {
        seen.push(previous?.ambiguous);
        if (attempt === 0)
          throw new AttemptError({ error: retryable(), retryAfterMs: 2_000, ambiguous: true });
        return "ok";
      },
      { policy, runtime, classify },
    );
    expect([result, runtime.sleeps, seen]).toEqual(["ok", [2_000], [undefined, true]]);
  });

  it("gives up at once, still retryable, when Retry-After is longer than maxRetryAfterMs", async () => {
    const runtime = fakeRuntime();
    const error = await errorOf(
      withRetries(
        async () => {
          throw new AttemptError({ error: retryable("rate"), retryAfterMs: 120_000 });
        },
        { policy, runtime, classify },
      ),
    );
    expect(runtime.sleeps).toEqual([]);
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/retry after 120 s.*maxRetryAfterMs 60000/);
  });

  it("does not replay what cannot be replayed", async () => {
    const runtime = fakeRuntime();
    let calls = 0;
    await errorOf(
      withRetries(
        async () => {
          calls++;
          throw retryable();
        },
        { policy, runtime, classify, replayable: false },
      ),
    );
    expect(calls).toBe(1);
  });

  it("stops with aborted when the signal fires during a wait", async () => {
    const controller = new AbortController();
    const runtime = {
      ...fakeRuntime(),
      async sleep() {
        controller.abort(new Error("user gave up"));
      },
    };
    let calls = 0;
    const error = await errorOf(
      withRetries(
        async () => {
          calls++;
          throw retryable();
        },
        { policy, runtime, classify, signal: controller.signal },
      ),
    );
    expect([calls, error.code]).toEqual([1, "aborted"]);
  });
});
