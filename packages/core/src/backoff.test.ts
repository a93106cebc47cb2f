import { describe, expect, it } from "vitest";
import { abortableSleep, fullJitterDelay, parseRetryAfter } from "./backoff.js";

describe("fullJitterDelay", () => {
  it("draws from [0, min(max, base * 2^retry))", () => {
    expect(fullJitterDelay(0, () => 0)).toBe(0);
    expect(fullJitterDelay(0, () => 0.999)).toBe(199);
    expect(fullJitterDelay(3, () => 0.5)).toBe(800);
    expect(fullJitterDelay(20, () => 0.5)).toBe(2500);
    expect(fullJitterDelay(2, () => 0.5, { baseDelayMs: 10, maxDelayMs: 30 })).toBe(15);
    expect(fullJitterDelay(3, () => 0.5, { baseDelayMs: 300, maxDelayMs: 0 })).toBe(0);
    expect(fullJitterDelay(-1, () => 0.5)).toBe(100);
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
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter("-1", now)).toBeUndefined();
    expect(parseRetryAfter("1.5", now)).toBeUndefined();
    expect(parseRetryAfter("2026-01-01", now)).toBeUndefined();
  });
});

describe("abortableSleep", () => {
  it("waits, and stops with aborted (with the given message) when the signal fires", async () => {
    await abortableSleep(1);
    const controller = new AbortController();
    const sleeping = abortableSleep(60_000, controller.signal, "the send was aborted");
    controller.abort(new Error("stop"));
    await expect(sleeping).rejects.toMatchObject({
      code: "aborted",
      message: "the send was aborted",
    });
    await expect(abortableSleep(60_000, controller.signal)).rejects.toMatchObject({
      code: "aborted",
    });
  });
});
