import { abortableSleep } from "@assmbl/core";

/** The clock, randomness and sleep a sender uses: real by default, replaced in tests. */
export interface Runtime {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** A number in [0, 1). */
  random(): number;
  /** Resolves after `ms`, or rejects with `aborted` when `signal` fires first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock (`performance.now()`), `Math.random` and `setTimeout`. */
export const realRuntime: Runtime = {
  now: () => performance.now(),
  random: () => Math.random(),
  sleep: (ms, signal) =>
    abortableSleep(ms, signal, "the send was aborted while waiting to send; nothing was sent"),
};

/**
 * A token bucket that paces sends to `ratePerSecond`, allowing a burst of at most
 * `max(1, ratePerSecond)` sends. {@link TokenBucket.reserve} takes a token now and says how
 * long to wait before using it, so concurrent senders queue up in order.
 *
 * @example
 * const bucket = new TokenBucket(14, () => performance.now());
 * await sleep(bucket.reserve());
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly capacity: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly now: () => number,
  ) {
    this.capacity = Math.max(1, ratePerSecond);
    this.tokens = this.capacity;
    this.last = now();
  }

  /** Takes one token; returns the milliseconds to wait before the send it pays for. */
  reserve(): number {
    const now = this.now();
    this.tokens = Math.min(
      this.capacity,
      this.tokens + ((now - this.last) / 1000) * this.ratePerSecond,
    );
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.ratePerSecond) * 1000);
  }
}
