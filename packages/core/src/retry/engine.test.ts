import { fakeRuntime } from "@assmbl/testing/fakes";
import { seededRandom as seeded } from "@assmbl/testing/random";
import { describe, expect, it } from "vitest";
import { fullJitterDelay } from "../backoff.js";
import { AgentMailError } from "../errors.js";
import type { RetryFailure } from "./classification.js";
import { runWithRetries } from "./engine.js";
import { AttemptError, type AttemptHistory, type RetryPolicy, retryDelay } from "./policy.js";
import { realRuntime } from "./runtime.js";

const unavailable = (message = "503") =>
  new AgentMailError({ code: "server_error", message, status: 503 });

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("runWithRetries: budgets", () => {
  it("stops after the attempt budget; each wait is full jitter from the seeded randomness", async () => {
    const runtime = fakeRuntime(seeded(42));
    let calls = 0;
    const error = await rejection(
      runWithRetries(
        async () => {
          calls++;
          throw unavailable(`attempt ${calls}`);
        },
        { policy: { retries: 3 }, runtime },
      ),
    );
    expect(calls).toBe(4);
    expect((error as AgentMailError).message).toBe("attempt 4");
    const replay = seeded(42);
    expect(runtime.sleeps).toEqual([0, 1, 2].map((retry) => fullJitterDelay(retry, replay)));
    expect(new Set(runtime.sleeps).size).toBe(3);
  });

  it("stops before a wait that would end past the time budget, saying so", async () => {
    const runtime = fakeRuntime(() => 0.999, 1_000_000);
    const policy: RetryPolicy = { retries: 10, maxElapsedMs: 2_000, backoff: { baseDelayMs: 400 } };
    let calls = 0;
    const error = (await rejection(
      runWithRetries(
        async () => {
          calls++;
          runtime.time += 300; // each attempt takes 300 ms
          throw unavailable(`attempt ${calls}`);
        },
        { policy, runtime },
      ),
    )) as AgentMailError;
    // 300 + 399, 300 + 799, then 300 more: 2098 ms; the next wait (1598) would end at 3696.
    expect(runtime.sleeps).toEqual([399, 799]);
    expect(calls).toBe(3);
    expect(runtime.time - 1_000_000).toBeLessThanOrEqual(2_000 + 300);
    expect(error.message).toBe(
      "attempt 3 (a retry after 1598 ms would end past the time budget of 2000 ms; not retried)",
    );
    expect([error.code, error.retryable, (error.cause as Error).message]).toEqual([
      "server_error",
      true,
      "attempt 3",
    ]);
  });

  it("does not retry what the classification says is final, nor what cannot be replayed", async () => {
    const runtime = fakeRuntime();
    let calls = 0;
    const final = new AgentMailError({ code: "idempotency_key_reused", message: "no" });
    await expect(
      runWithRetries(
        async () => {
          calls++;
          throw final;
        },
        { policy: { retries: 3 }, runtime },
      ),
    ).rejects.toBe(final);
    await rejection(
      runWithRetries(
        async () => {
          calls++;
          throw unavailable();
        },
        { policy: { retries: 3 }, runtime, replayable: false },
      ),
    );
    expect([calls, runtime.sleeps]).toEqual([2, []]);
  });
});

describe("runWithRetries: Retry-After", () => {
  const failing = (retryAfterMs: number) => async () => {
    throw new AttemptError({ error: unavailable("rate"), retryAfterMs });
  };

  it("waits at least Retry-After, the jittered backoff when that is longer", async () => {
    const runtime = fakeRuntime(() => 0.5);
    let calls = 0;
    const result = await runWithRetries(
      async () => {
        calls++;
        if (calls === 1) throw new AttemptError({ error: unavailable(), retryAfterMs: 2_000 });
        if (calls === 2) throw new AttemptError({ error: unavailable(), retryAfterMs: 10 });
        return "ok";
      },
      { policy: { retries: 3, maxRetryAfterMs: 60_000 }, runtime },
    );
    expect([result, runtime.sleeps]).toEqual(["ok", [2_000, 200]]);
  });

  it("past the cap, `stop` (the default) throws at once, still retryable, naming the cap", async () => {
    const runtime = fakeRuntime();
    const error = (await rejection(
      runWithRetries(failing(120_000), {
        policy: { retries: 3, maxRetryAfterMs: 60_000 },
        runtime,
      }),
    )) as AgentMailError;
    expect(runtime.sleeps).toEqual([]);
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/retry after 120 s.*maxRetryAfterMs 60000/);
  });

  it("past the cap, `cap` waits the cap", async () => {
    const runtime = fakeRuntime();
    await rejection(
      runWithRetries(failing(120_000), {
        policy: { retries: 2, maxRetryAfterMs: 30_000, retryAfterBeyondCap: "cap" },
        runtime,
      }),
    );
    expect(runtime.sleeps).toEqual([30_000, 30_000]);
  });

  it("retryDelay is the same formula, one random draw per retry", () => {
    let draws = 0;
    const random = () => {
      draws++;
      return 0.5;
    };
    const policy: RetryPolicy = { retries: 1, backoff: { baseDelayMs: 300, maxDelayMs: 5_000 } };
    expect(retryDelay(0, random, policy)).toBe(150);
    expect(retryDelay(4, random, policy, 0)).toBe(2_400);
    expect(retryDelay(0, random, { ...policy, maxRetryAfterMs: 999 }, 1_000)).toBeUndefined();
    expect(draws).toBe(3);
  });
});

describe("runWithRetries: abort", () => {
  it("ends a wait as soon as the signal fires, even when the runtime's sleep ignores it", async () => {
    const controller = new AbortController();
    const runtime = { ...fakeRuntime(), sleep: () => new Promise<void>(() => {}) };
    let calls = 0;
    const error = (await rejection(
      runWithRetries(
        async () => {
          calls++;
          throw unavailable();
        },
        {
          policy: { retries: 3 },
          runtime,
          signal: controller.signal,
          onRetry: () => queueMicrotask(() => controller.abort(new Error("user gave up"))),
        },
      ),
    )) as AgentMailError;
    expect([calls, error.code, (error.cause as Error).message]).toEqual([
      1,
      "aborted",
      "user gave up",
    ]);
  });

  it("with the real runtime, an abort ends a 60 s wait (the test's 5 s timeout is the bound)", async () => {
    const controller = new AbortController();
    const pending = runWithRetries(
      async () => {
        throw unavailable();
      },
      {
        policy: { retries: 1, backoff: { baseDelayMs: 120_000, maxDelayMs: 120_000 } },
        runtime: { ...realRuntime, random: () => 0.5 },
        signal: controller.signal,
        onRetry: (_failure, delayMs) => {
          expect(delayMs).toBe(60_000);
          setTimeout(() => controller.abort(), 0);
        },
      },
    );
    await expect(pending).rejects.toMatchObject({
      code: "aborted",
      message: "the request was aborted",
    });
  });

  it("tells `aborted` and `finalize` whether an attempt was in flight", async () => {
    const controller = new AbortController();
    const seen: [boolean, unknown][] = [];
    let history: AttemptHistory | undefined;
    const thrown = new Error("socket closed by abort");
    const error = await rejection(
      runWithRetries(
        async () => {
          controller.abort();
          throw thrown;
        },
        {
          policy: { retries: 3 },
          runtime: fakeRuntime(),
          signal: controller.signal,
          classify: (caught) => ({ error: caught, ambiguous: true }),
          aborted: (_signal, inFlight, cause) => {
            seen.push([inFlight, cause]);
            return new Error("stopped");
          },
          finalize: (last, attempts) => {
            history = attempts;
            return last;
          },
        },
      ),
    );
    expect((error as Error).message).toBe("stopped");
    expect(seen).toEqual([[true, thrown]]);
    expect(history).toEqual({
      attempts: 1,
      ambiguous: { error: thrown, ambiguous: true },
      ambiguousAttempt: 1,
      abortedInFlight: true,
    });
    // Already aborted: no attempt at all.
    let calls = 0;
    await rejection(
      runWithRetries(async () => calls++, { policy: { retries: 1 }, signal: AbortSignal.abort() }),
    );
    expect(calls).toBe(0);
  });
});

describe("runWithRetries: bookkeeping", () => {
  it("tells each attempt about earlier ambiguous ones and hands finalize the first", async () => {
    const runtime = fakeRuntime();
    const first = unavailable("dropped");
    const seen: [unknown, boolean][] = [];
    const histories: AttemptHistory<RetryFailure<AgentMailError>>[] = [];
    await rejection(
      runWithRetries<never, RetryFailure<AgentMailError>>(
        async ({ attempt, previous, earlierAmbiguous }) => {
          seen.push([previous?.ambiguous, earlierAmbiguous]);
          if (attempt === 0) throw new AttemptError({ error: first, ambiguous: true });
          throw new AttemptError({ error: unavailable(`attempt ${attempt + 1}`) });
        },
        {
          policy: { retries: 2 },
          runtime,
          finalize: (last, history) => {
            histories.push(history);
            return last;
          },
        },
      ),
    );
    expect(seen).toEqual([
      [undefined, false],
      [true, true],
      [undefined, true],
    ]);
    expect(histories).toEqual([
      {
        attempts: 3,
        ambiguous: { error: first, ambiguous: true },
        ambiguousAttempt: 1,
        abortedInFlight: false,
      },
    ]);
  });

  it("waits what `pace` asks before every attempt, the first included", async () => {
    const runtime = fakeRuntime(() => 0);
    const paces = [0, 500, 250];
    let calls = 0;
    const result = await runWithRetries(
      async () => {
        calls++;
        if (calls < 3) throw unavailable();
        return calls;
      },
      { policy: { retries: 3 }, runtime, pace: () => paces.shift() ?? 0 },
    );
    expect([result, runtime.sleeps]).toEqual([3, [0, 500, 0, 250]]);
  });
});
