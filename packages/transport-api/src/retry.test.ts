import { AgentMailError, AttemptError } from "@assmbl/core";
import { describe, expect, it } from "vitest";
import { type AttemptHistory, backoffDelay, retryDelay, withRetries } from "./retry.js";
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

  it("tells every later attempt that an earlier one was ambiguous, not only the next one", async () => {
    const runtime = fakeRuntime();
    const seen: [unknown, boolean][] = [];
    await withRetries(
      async ({ attempt, previous, earlierAmbiguous }) => {
        seen.push([previous?.ambiguous, earlierAmbiguous]);
        if (attempt === 0) throw new AttemptError({ error: retryable(), ambiguous: true });
        if (attempt === 1) throw new AttemptError({ error: retryable() });
        return "ok";
      },
      { policy, runtime, classify },
    );
    expect(seen).toEqual([
      [undefined, false],
      [true, true],
      [undefined, true],
    ]);
  });

  it("hands finalize the last error with every attempt's history: the first ambiguous one", async () => {
    const runtime = fakeRuntime();
    const first = retryable("dropped");
    const histories: AttemptHistory[] = [];
    const error = await errorOf(
      withRetries(
        async ({ attempt }) => {
          if (attempt === 1) throw new AttemptError({ error: first, ambiguous: true });
          throw new AttemptError({ error: retryable(`attempt ${attempt + 1}`) });
        },
        {
          policy,
          runtime,
          classify,
          finalize: (last, history) => {
            histories.push(history);
            return new AgentMailError({ code: "server_error", message: "final", cause: last });
          },
        },
      ),
    );
    expect(error.message).toBe("final");
    expect((error.cause as AgentMailError).message).toBe("attempt 4");
    expect(histories).toEqual([
      {
        attempts: 4,
        ambiguous: { error: first, ambiguous: true },
        ambiguousAttempt: 2,
        abortedInFlight: false,
      },
    ]);
  });

  it("tells finalize that an abort came while a request was in flight", async () => {
    const controller = new AbortController();
    let seen: AttemptHistory | undefined;
    const error = await errorOf(
      withRetries(
        async () => {
          controller.abort();
          throw new Error("aborted mid-request");
        },
        {
          policy,
          runtime: fakeRuntime(),
          classify,
          signal: controller.signal,
          finalize: (last, history) => {
            seen = history;
            return last;
          },
        },
      ),
    );
    expect(error.code).toBe("aborted");
    expect(seen).toMatchObject({ attempts: 1, abortedInFlight: true, ambiguous: undefined });
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
