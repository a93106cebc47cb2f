// The clock is core's one `Runtime` (the retry engine's); re-exported for the files and tests
// that import it from here. The rate limiter below is not retry: it paces sends.
export { type Runtime, realRuntime } from "@assmbl/core";

/**
 * A token bucket that paces sends to `ratePerSecond`, allowing a burst of at most
 * `max(1, ratePerSecond)` sends. {@link TokenBucket.reserve} takes a token now and says how
 * long to wait before using it, so concurrent senders queue up in order.
 *
 * @example
 * const bucket = new TokenBucket(14, realRuntime.now);
 * await realRuntime.sleep(bucket.reserve());
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
    // The runtime's clock is wall time: one set back must not take tokens away.
    const elapsed = Math.max(0, now - this.last);
    this.tokens = Math.min(this.capacity, this.tokens + (elapsed / 1000) * this.ratePerSecond);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.ratePerSecond) * 1000);
  }
}
