import { z } from "zod";
import { AgentMailError } from "./errors.js";
import { type Runtime, realRuntime } from "./retry/runtime.js";
import { RuntimeSchema } from "./retry/schemas.js";
import { AbortSignalSchema } from "./schemas/common.js";
import { parseInput } from "./validate.js";

/**
 * A send budget shared by whoever holds the limiter: {@link RateLimiter.acquire} resolves when
 * one more send may go now, waiting as long as the budget needs. A transport calls it before
 * every request it makes (retries too), so a limiter shared by several transports, or one backed
 * by a shared store (`redisRateLimiter` of `@assmbl/outbox`), keeps all of them within one
 * budget, such as an SES account's `MaxSendRate`.
 *
 * Implement it to plug in any limiter: `acquire` must reject with an `AgentMailError` whose code
 * is `aborted` as soon as `options.signal` fires (before or during the wait), and must not
 * resolve after that.
 *
 * @example
 * const limiter: RateLimiter = localRateLimiter({ maxPerSecond: 14 });
 * await limiter.acquire({ signal: AbortSignal.timeout(30_000) });
 * // one send may go now
 */
export interface RateLimiter {
  /**
   * Resolves when one more send may go now.
   *
   * @throws {AgentMailError} `aborted` when `options.signal` fires before that.
   */
  acquire(options?: RateLimiterAcquireOptions): Promise<void>;
}

/**
 * Options of {@link RateLimiter.acquire}.
 *
 * @example
 * const options: RateLimiterAcquireOptions = { signal: AbortSignal.timeout(10_000) };
 */
export interface RateLimiterAcquireOptions {
  /** Ends the wait: `acquire` then rejects with `aborted`. */
  signal?: AbortSignal | undefined;
}

/**
 * Options of {@link localRateLimiter}.
 *
 * @example
 * const options: LocalRateLimiterOptions = { maxPerSecond: 14 };
 */
export interface LocalRateLimiterOptions {
  /**
   * Sends per second at most, averaged; up to one second's worth (at least one send) may go at
   * once after a quiet spell. Fractions are allowed: `0.5` is one send every 2 s.
   */
  maxPerSecond: number;
  /**
   * Sends that may go at once after a quiet spell (default: one second's worth, `maxPerSecond`,
   * at least 1). With burst `b`, the schedule puts at most `b + maxPerSecond - 1` sends in any
   * one-second window (the burst, then the paced ones): the default allows up to
   * `2 × maxPerSecond - 1` in the first second after a quiet spell. `burst: 1` spaces every send
   * `1000 / maxPerSecond` ms apart, so the schedule holds `maxPerSecond` per window. Real sends
   * drift from the schedule (a timer or the event loop late by a few ms, the request's own
   * latency), so against a strict "at most N in any 1 s" limit (a sliding window) leave a margin,
   * e.g. `maxPerSecond: N - 1` (measured at 20/s, burst 1: 21 resolutions in the busiest window
   * when one is late by 1 ms).
   */
  burst?: number | undefined;
  /**
   * The clock and sleep the waits use: core's `realRuntime` by default; a fake one in tests (its
   * `sleep` is called with each wait, in slices of at most 2^31 - 1 ms).
   */
  runtime?: Runtime | undefined;
}

/**
 * A send rate (per second), as `localRateLimiter` and `sesTransport({ maxSendRate })` take it:
 * positive, finite, and large enough that the interval between sends (1000 / rate ms) is a
 * number (a rate of 1e-320 has none).
 *
 * @example
 * z.strictObject({ maxSendRate: SendRateSchema.optional() }).parse({ maxSendRate: 14 });
 */
export const SendRateSchema = z
  .number()
  .positive()
  .finite()
  .refine(
    (rate) => Number.isFinite(1000 / rate),
    "too small: the interval between sends overflows",
  );

/** {@link LocalRateLimiterOptions}, checked. @internal */
export const LocalRateLimiterOptionsSchema = z.strictObject({
  maxPerSecond: SendRateSchema,
  burst: z.int().min(1).max(1_000_000).optional(),
  runtime: RuntimeSchema.optional(),
});

/** {@link RateLimiterAcquireOptions}, checked. @internal */
export const RateLimiterAcquireOptionsSchema = z.strictObject({
  signal: AbortSignalSchema.optional(),
});

/**
 * Node's (and browsers') timers hold a signed 32-bit delay: a longer `setTimeout` fires after
 * 1 ms instead. Longer waits are slept in slices of this size.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * A token bucket that paces sends to `ratePerSecond`, allowing a burst of at most `burst`
 * sends (default `max(1, ratePerSecond)`, one second's worth). {@link TokenBucket.reserve}
 * takes a token now and says how long to wait before using it, so concurrent senders queue up
 * in the order they asked; {@link TokenBucket.release} gives back a token that was reserved but
 * not used.
 *
 * @example
 * const bucket = new TokenBucket(14, realRuntime.now);
 * await realRuntime.sleep(bucket.reserve());
 * @internal
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly capacity: number;
  /** How many reservations were made: the ticket of the latest. */
  private latest = 0;

  constructor(
    private readonly ratePerSecond: number,
    private readonly now: () => number,
    burst = Math.max(1, ratePerSecond),
  ) {
    this.capacity = burst;
    this.tokens = this.capacity;
    this.last = now();
  }

  /** Takes one token; returns the milliseconds to wait before the send it pays for. */
  reserve(): number {
    this.refill();
    this.latest += 1;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.ratePerSecond) * 1000);
  }

  /** The ticket of the reservation just made (read right after {@link reserve}). */
  get ticket(): number {
    return this.latest;
  }

  /**
   * Gives back a token {@link reserve} took for a send that will not happen (its wait was
   * aborted), when `ticket` is the latest reservation: the next caller then takes its place, as
   * if it had never asked. When a later caller is already queued, the token stays spent: the
   * queued ones keep their slots, and the aborted slot cannot be handed to a new caller without
   * putting two sends in one slot (`burst: 1` would then let `maxPerSecond + 1` through in a
   * second). Without a ticket, the token goes back unconditionally.
   */
  release(ticket?: number): void {
    if (ticket !== undefined && ticket !== this.latest) return;
    if (ticket !== undefined) this.latest -= 1;
    this.refill();
    this.tokens = Math.min(this.capacity, this.tokens + 1);
  }

  private refill(): void {
    const now = this.now();
    // The runtime's clock is wall time: one set back must not take tokens away.
    const elapsed = Math.max(0, now - this.last);
    this.tokens = Math.min(this.capacity, this.tokens + (elapsed / 1000) * this.ratePerSecond);
    this.last = now;
  }
}

/**
 * The in-process {@link RateLimiter}: a token bucket of `maxPerSecond` with a burst of one
 * second (at least one send; `burst` changes it). Concurrent callers are served in the order
 * they called `acquire`; one whose signal fires gives its place back. It paces one process
 * only: for several processes sharing one budget (an SES account's `MaxSendRate`), use a
 * limiter backed by a shared store, such as `redisRateLimiter` of `@assmbl/outbox`.
 *
 * A wait longer than a timer can hold (2^31 - 1 ms, about 24.8 days, at rates below ~4.7e-7/s)
 * is slept in slices, never handed to `setTimeout` whole (which would fire after 1 ms).
 *
 * @example
 * import { localRateLimiter } from "@assmbl/core";
 * const limiter = localRateLimiter({ maxPerSecond: 14 });
 * const first = sesTransport({ client, rateLimiter: limiter });
 * const second = sesTransport({ client: otherClient, rateLimiter: limiter }); // together ≤ 14/s
 * @example
 * // "At most 20 in any 1 s window" (a sliding-window budget): no burst, one send every 50 ms.
 * const steady = localRateLimiter({ maxPerSecond: 20, burst: 1 });
 * @example
 * // Paced by hand:
 * for (const message of messages) {
 *   await limiter.acquire({ signal });
 *   await send(message);
 * }
 * @throws {AgentMailError} `invalid_options` for an unknown option (named) or a `maxPerSecond`
 * that is not a positive finite number; from `acquire`, `invalid_options` for bad options and
 * `aborted` when the signal fires.
 */
export function localRateLimiter(options: LocalRateLimiterOptions): RateLimiter {
  const config = parseInput(LocalRateLimiterOptionsSchema, options, "localRateLimiter options");
  const runtime = config.runtime ?? realRuntime;
  const bucket = new TokenBucket(config.maxPerSecond, () => runtime.now(), config.burst);
  return {
    async acquire(acquireOptions?: RateLimiterAcquireOptions): Promise<void> {
      const { signal } = parseInput(
        RateLimiterAcquireOptionsSchema,
        acquireOptions ?? {},
        "rateLimiter.acquire options",
      );
      if (signal?.aborted) throw abortedWait(signal);
      const reservedAt = runtime.now();
      const wait = bucket.reserve();
      const ticket = bucket.ticket;
      if (wait === 0) return;
      try {
        await sleepInSlices(runtime, wait, signal);
        // A timer may fire a millisecond early by the clock (measured: 4 of 149 waits at 50/s by
        // Date.now): top the wait up until the clock says its time came, so no acquire resolves
        // before its slot. Not when the clock did not move at all (a fake that records sleeps).
        for (let topUps = 0; topUps < 3; topUps++) {
          const left = reservedAt + wait - runtime.now();
          if (left <= 0 || left >= wait) break;
          await sleepInSlices(runtime, Math.ceil(left), signal);
        }
      } catch (error) {
        // The send this token paid for will not happen: the next caller may have it, unless a
        // later caller is already queued behind it (then its slot stays unused).
        bucket.release(ticket);
        throw error;
      }
    },
  };
}

/**
 * Sleeps `ms` with `runtime.sleep`, in slices a timer can hold, raced against `signal` so that a
 * runtime whose sleep ignores the signal cannot hold an aborted wait.
 */
async function sleepInSlices(
  runtime: Runtime,
  ms: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  let onAbort = () => {};
  const fired = signal
    ? new Promise<never>((_, reject) => {
        onAbort = () => reject(abortedWait(signal));
        signal.addEventListener("abort", onAbort, { once: true });
      })
    : undefined;
  // Handled here too: an abort between two slices rejects `fired` with no race awaiting it.
  fired?.catch(() => {});
  try {
    for (let left = ms; left > 0; left -= MAX_TIMER_MS) {
      const slice = runtime.sleep(Math.min(left, MAX_TIMER_MS), signal);
      if (fired) {
        // A sleep the signal ended loses to `fired`, which carries this limiter's message.
        await Promise.race([
          slice.catch((error: unknown) => {
            if (signal?.aborted) return fired;
            throw error;
          }),
          fired,
        ]);
      } else {
        await slice;
      }
      if (signal?.aborted) throw abortedWait(signal);
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}

function abortedWait(signal: AbortSignal): AgentMailError {
  return new AgentMailError({
    code: "aborted",
    message: "the wait for the rate limiter was aborted",
    cause: signal.reason,
  });
}
