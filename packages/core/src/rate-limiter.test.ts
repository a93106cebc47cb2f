import { fakeRuntime } from "@assmbl/testing/fakes";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import { AgentMailError } from "./errors.js";
import {
  type LocalRateLimiterOptions,
  type LocalRateLimiterOptionsSchema,
  localRateLimiter,
  MAX_TIMER_MS,
  type RateLimiterAcquireOptions,
  type RateLimiterAcquireOptionsSchema,
  TokenBucket,
} from "./rate-limiter.js";
import type { Runtime } from "./retry/runtime.js";

// A clock that stands still while the limiter sleeps: what concurrent callers see when they all
// ask at one instant. Sleeps are recorded and, unless `hold`, resolve at once.
function stillRuntime(hold = false): Runtime & { sleeps: number[]; time: number } {
  const state = {
    time: 0,
    sleeps: [] as number[],
    now: () => state.time,
    random: () => 0.5,
    sleep(ms: number): Promise<void> {
      state.sleeps.push(ms);
      // A sleep that ignores the signal: the limiter must end an aborted wait by itself.
      return hold ? new Promise<void>(() => {}) : Promise.resolve();
    },
  };
  return state;
}

async function errorOf(promise: Promise<unknown>): Promise<AgentMailError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!AgentMailError.is(error)) throw new Error(`expected an AgentMailError, got ${error}`);
  return error;
}

describe("TokenBucket", () => {
  it("allows a burst of the rate, then spaces reservations evenly", () => {
    let now = 0;
    const bucket = new TokenBucket(4, () => now);
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([
      0, 0, 0, 0,
    ]);
    // Concurrent senders queue: each waits one more interval.
    expect([bucket.reserve(), bucket.reserve()]).toEqual([250, 500]);
    now = 2000;
    expect(bucket.reserve()).toBe(0);
  });

  it("paces a fractional rate with a burst of one", () => {
    let now = 0;
    const bucket = new TokenBucket(0.5, () => now);
    expect(bucket.reserve()).toBe(0);
    expect(bucket.reserve()).toBe(2000);
    now = 10_000;
    expect(bucket.reserve()).toBe(0);
  });

  it("gives a released token to the next caller, never above the burst", () => {
    const bucket = new TokenBucket(2, () => 0);
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([0, 0, 500]);
    bucket.release();
    expect(bucket.reserve()).toBe(500);
    const full = new TokenBucket(2, () => 0);
    full.release();
    expect([full.reserve(), full.reserve(), full.reserve()]).toEqual([0, 0, 500]);
  });

  it("takes no token away when the clock goes back", () => {
    let now = 10_000;
    const bucket = new TokenBucket(1, () => now);
    expect(bucket.reserve()).toBe(0);
    now = 0;
    expect(bucket.reserve()).toBe(1000);
  });
});

describe("localRateLimiter", () => {
  it("lets a burst of one second go, then one send per interval", async () => {
    const runtime = fakeRuntime();
    const limiter = localRateLimiter({ maxPerSecond: 2, runtime });
    for (let i = 0; i < 5; i++) await limiter.acquire();
    expect(runtime.sleeps).toEqual([500, 500, 500]);
  });

  it("with burst: 1, keeps to at most maxPerSecond sends in any 1 s window", async () => {
    const runtime = stillRuntime();
    const limiter = localRateLimiter({ maxPerSecond: 4, burst: 1, runtime });
    await Promise.all(Array.from({ length: 9 }, () => limiter.acquire()));
    const sent = [0, ...runtime.sleeps];
    expect(sent).toEqual([0, 250, 500, 750, 1000, 1250, 1500, 1750, 2000]);
    const busiest = Math.max(...sent.map((t) => sent.filter((u) => u >= t && u < t + 1000).length));
    expect(busiest).toBe(4);
    // The default burst (one second's worth) lets 4 + 3 through in the first second.
    const bursty = stillRuntime();
    const loose = localRateLimiter({ maxPerSecond: 4, runtime: bursty });
    await Promise.all(Array.from({ length: 9 }, () => loose.acquire()));
    const first = [0, 0, 0, 0, ...bursty.sleeps];
    expect(first.filter((t) => t < 1000)).toHaveLength(7);
  });

  it("serves concurrent callers in the order they asked", async () => {
    const runtime = stillRuntime();
    const limiter = localRateLimiter({ maxPerSecond: 4, runtime });
    await Promise.all(Array.from({ length: 7 }, () => limiter.acquire()));
    expect(runtime.sleeps).toEqual([250, 500, 750]);
  });

  it("ends a wait with aborted when the signal fires, even if the sleep ignores it", async () => {
    const runtime = stillRuntime(true);
    const limiter = localRateLimiter({ maxPerSecond: 1, runtime });
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire({ signal: controller.signal });
    controller.abort(new Error("caller gave up"));
    const error = await errorOf(waiting);
    expect(error.code).toBe("aborted");
    expect(error.message).toBe("the wait for the rate limiter was aborted");
    expect((error.cause as Error).message).toBe("caller gave up");
    // The aborted caller's place went back: the next one waits one interval, not two.
    void limiter.acquire();
    expect(runtime.sleeps).toEqual([1000, 1000]);
  });

  it("with burst: 1, an aborted waiter with callers queued behind it does not lend its slot twice", async () => {
    const runtime = stillRuntime(true);
    const limiter = localRateLimiter({ maxPerSecond: 4, burst: 1, runtime });
    void limiter.acquire(); // A: now
    const controller = new AbortController();
    const b = limiter.acquire({ signal: controller.signal }); // B: 250 ms
    void limiter.acquire(); // C: 500 ms
    controller.abort();
    expect((await errorOf(b)).code).toBe("aborted");
    void limiter.acquire(); // D: after C, never in C's slot
    expect(runtime.sleeps).toEqual([250, 500, 750]);
    // The last one queued gives its slot back: the next caller takes that very slot.
    const last = new AbortController();
    const e = limiter.acquire({ signal: last.signal }); // E: 1000 ms
    last.abort();
    await errorOf(e);
    void limiter.acquire(); // F: E's slot
    expect(runtime.sleeps).toEqual([250, 500, 750, 1000, 1000]);
  });

  it("tops up a wait whose timer fired early by the clock", async () => {
    // A timer that fires 1 ms early (as Node's do now and then by Date.now).
    const runtime = { ...fakeRuntime(), sleeps: [] as number[], time: 0 };
    runtime.now = () => runtime.time;
    runtime.sleep = async (ms: number) => {
      runtime.sleeps.push(ms);
      runtime.time += ms > 1 ? ms - 1 : ms;
    };
    const limiter = localRateLimiter({ maxPerSecond: 2, runtime });
    for (let i = 0; i < 3; i++) await limiter.acquire();
    expect(runtime.sleeps).toEqual([500, 1]);
    expect(runtime.time).toBe(500);
  });

  it("takes no token for a signal that already fired", async () => {
    const runtime = stillRuntime();
    const limiter = localRateLimiter({ maxPerSecond: 1, runtime });
    const error = await errorOf(limiter.acquire({ signal: AbortSignal.abort() }));
    expect(error.code).toBe("aborted");
    await limiter.acquire();
    expect(runtime.sleeps).toEqual([]);
  });

  it("sleeps a wait longer than a timer holds in slices (a tiny rate)", async () => {
    const runtime = stillRuntime();
    const limiter = localRateLimiter({ maxPerSecond: 1e-9, runtime });
    await limiter.acquire();
    await limiter.acquire();
    // 1e12 ms: 465 full slices and the rest.
    expect(runtime.sleeps.every((ms) => ms > 0 && ms <= MAX_TIMER_MS)).toBe(true);
    expect(runtime.sleeps.reduce((a, b) => a + b, 0)).toBe(1e12);
    expect(runtime.sleeps).toHaveLength(Math.ceil(1e12 / MAX_TIMER_MS));
  });

  it("does not let a real timer overflow fire a tiny rate's wait at once", async () => {
    // setTimeout(fn, 1e12) fires after 1 ms (TimeoutOverflowWarning): the old bug.
    const limiter = localRateLimiter({ maxPerSecond: 1e-9 });
    await limiter.acquire();
    const controller = new AbortController();
    let settled = false;
    const waiting = limiter.acquire({ signal: controller.signal }).finally(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(settled).toBe(false);
    controller.abort();
    expect((await errorOf(waiting)).code).toBe("aborted");
  });

  it("rejects bad options by name with invalid_options", () => {
    const bad: unknown[] = [
      undefined,
      {},
      { maxPerSecond: 0 },
      { maxPerSecond: -1 },
      { maxPerSecond: Number.NaN },
      { maxPerSecond: Number.POSITIVE_INFINITY },
      { maxPerSecond: 1e-320 },
      { maxPerSecond: "14" },
      { maxPerSecond: 1, runtime: { now: () => 0 } },
      { maxPerSecond: 1, burst: 0 },
      { maxPerSecond: 1, burst: 1.5 },
    ];
    for (const options of bad) {
      expect(() => localRateLimiter(options as LocalRateLimiterOptions)).toThrow(
        expect.objectContaining({ code: "invalid_options" }),
      );
    }
    expect(() =>
      localRateLimiter({ maxPerSecond: 1, maxPerMinute: 5 } as LocalRateLimiterOptions),
    ).toThrow('unknown option "maxPerMinute"');
  });

  it("rejects bad acquire options by name", async () => {
    const limiter = localRateLimiter({ maxPerSecond: 1 });
    const error = await errorOf(
      limiter.acquire({ signal: undefined, timeout: 5 } as RateLimiterAcquireOptions),
    );
    expect(error.code).toBe("invalid_options");
    expect(error.message).toContain('unknown option "timeout"');
    expect((await errorOf(limiter.acquire({ signal: "no" as never }))).code).toBe(
      "invalid_options",
    );
  });
});

type Exact<T> = {
  [K in keyof T]: Partial<Pick<T, K>> extends Pick<T, K> ? Exclude<T[K], undefined> : T[K];
};
type Input<S extends z.ZodType> = Exact<NonNullable<z.input<S>>>;

describe("rate limiter option types agree with their schemas", () => {
  it("LocalRateLimiterOptions and RateLimiterAcquireOptions", () => {
    expectTypeOf<Exact<LocalRateLimiterOptions>>().toEqualTypeOf<
      Input<typeof LocalRateLimiterOptionsSchema>
    >();
    expectTypeOf<Exact<RateLimiterAcquireOptions>>().toEqualTypeOf<
      Input<typeof RateLimiterAcquireOptionsSchema>
    >();
  });
});
