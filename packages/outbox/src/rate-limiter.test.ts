// The Redis-backed budget shared by two limiters (two connections, as two processes would
// have): together they stay within it in every one-second window, and a spent budget waits.
import { AgentMailError } from "@assmbl/core";
import { useRedis } from "@assmbl/testing/redis";
import { describe, expect, it } from "vitest";
import { redisRateLimiter } from "./rate-limiter.js";

const redis = useRedis();

describe("redisRateLimiter", () => {
  it("keeps two limiters on one key within the budget in every sliding second", async () => {
    const a = redisRateLimiter({ connection: redis().url, key: "ses-budget", maxPerSecond: 10 });
    const b = redisRateLimiter({ connection: redis().url, key: "ses-budget", maxPerSecond: 10 });
    try {
      const grants: number[] = [];
      const take = async (limiter: typeof a) => {
        await limiter.acquire();
        grants.push(performance.now());
      };
      await Promise.all(Array.from({ length: 30 }, (_, i) => take(i % 2 ? a : b)));
      grants.sort((x, y) => x - y);
      // Count-based, not a timing assertion on speed: grants 10 apart are about a second apart.
      // What is measured here is when each caller woke, which a loaded machine delays by tens to
      // hundreds of ms (CI saw grants 2 ms short of a tight bound): 300 ms of slack still tells
      // slotted grants (~1000 ms apart) from a bare fixed window's burst of 2 x 10 across a window
      // boundary (~0-100 ms apart).
      for (let i = 0; i + 10 < grants.length; i++) {
        expect(grants[i + 10] as number).toBeGreaterThanOrEqual((grants[i] as number) + 700);
      }
      expect(grants).toHaveLength(30);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  }, 30_000);

  it("spaces grants from the last one, also when a burst comes late in a quiet second", async () => {
    const limiter = redisRateLimiter({ connection: redis().url, key: "late", maxPerSecond: 10 });
    try {
      const grants: number[] = [];
      await limiter.acquire();
      grants.push(performance.now());
      // Quiet for most of a second, then 15 at once: a fixed window (even with slots in it)
      // let the 9 slots it had left go at once, next to the 10 of the following window.
      await new Promise((resolve) => setTimeout(resolve, 900));
      await Promise.all(
        Array.from({ length: 15 }, async () => {
          await limiter.acquire();
          grants.push(performance.now());
        }),
      );
      grants.sort((x, y) => x - y);
      // Count-based, with slack for wake-up delays (see above): 10 grants span ~1 s, not ~0.1 s.
      for (let i = 0; i + 10 < grants.length; i++) {
        expect(grants[i + 10] as number).toBeGreaterThanOrEqual((grants[i] as number) + 700);
      }
    } finally {
      await limiter.close();
    }
  }, 30_000);

  it("rejects a waiting acquire with aborted when its signal fires", async () => {
    const limiter = redisRateLimiter({ connection: redis().url, key: "slow", maxPerSecond: 0.1 });
    try {
      await limiter.acquire();
      const controller = new AbortController();
      const waiting = limiter.acquire({ signal: controller.signal });
      controller.abort();
      const error = await waiting.catch((e: unknown) => e);
      expect(AgentMailError.is(error, "aborted")).toBe(true);
    } finally {
      await limiter.close();
    }
  });

  it("rejects unknown options by name", () => {
    expect(() =>
      redisRateLimiter({ connection: redis().url, key: "k", maxPerSecond: 1, burst: 2 } as never),
    ).toThrow(/burst/);
    expect(() => redisRateLimiter({ connection: redis().url, key: "k", maxPerSecond: 0 })).toThrow(
      AgentMailError,
    );
  });
});
