import { describe, expect, it } from "vitest";
import { realRuntime, TokenBucket } from "./retry.js";

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
});

describe("realRuntime.sleep", () => {
  it("waits, and stops with aborted when the signal fires", async () => {
    await realRuntime.sleep(1);
    const controller = new AbortController();
    const sleeping = realRuntime.sleep(60_000, controller.signal);
    controller.abort();
    await expect(sleeping).rejects.toMatchObject({ code: "aborted" });
  });
});
