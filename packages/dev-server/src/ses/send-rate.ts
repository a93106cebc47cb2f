import { SesError } from "./errors.js";

/** One second: the window SES's `MaxSendRate` is counted over. */
export const SEND_RATE_WINDOW_MS = 1000;

/** What SES answers past the account's sending rate (v1 and v2 alike). */
export const MAX_SEND_RATE_EXCEEDED = "Maximum sending rate exceeded.";

/**
 * The SES account's sending rate, shared by every agent of one server (SES counts per account
 * and region, and the dev server is one account): at most `maxSendRate` accepted sends in any
 * sliding window of one second, by the server's clock. A send at time `t` is refused when
 * `maxSendRate` sends were accepted in `(t - 1000, t]`. Sliding rather than fixed, so the rule
 * is the one a reader of the accepted sends' timestamps checks ("at most N in any 1 s"), and a
 * client that keeps to that never sees `Throttling`; a fixed window would let 2N through across
 * a boundary. One accepted SES call counts once, whatever its recipients (real SES counts
 * recipients; a client limiter counts calls, and this is the budget it keeps to). Refused calls
 * (throttled or invalid) do not count. Without a rate nothing is throttled.
 *
 * @example
 * const rate = new SesSendRate({ maxSendRate: 2, now: () => clock });
 * rate.check(); rate.record(); // one send
 */
export class SesSendRate {
  /** The rate `GetSendQuota` / `GetAccount` report; enforced only when {@link enforced}. */
  readonly maxSendRate: number;
  /** Whether sends past the rate are refused (the server was given `sesMaxSendRate`). */
  readonly enforced: boolean;
  readonly #now: () => number;
  /** Times of the sends accepted in the last window, oldest first: at most `maxSendRate`. */
  #times: number[] = [];
  #throttled = 0;

  constructor(options: { maxSendRate?: number | undefined; now?: (() => number) | undefined }) {
    this.enforced = options.maxSendRate !== undefined;
    this.maxSendRate = options.maxSendRate ?? UNENFORCED_MAX_SEND_RATE;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Refuses a send that would exceed the rate now. Call {@link record} once it is accepted, with
   * no await in between, so no other send slips under the rate.
   *
   * @throws {SesError} `throttling` "Maximum sending rate exceeded."
   */
  check(): void {
    if (!this.enforced) return;
    this.#prune(this.#now());
    if (this.#times.length >= this.maxSendRate) {
      this.#throttled += 1;
      throw new SesError("throttling", MAX_SEND_RATE_EXCEEDED);
    }
  }

  /** Counts one accepted send at the server's current time. */
  record(): void {
    if (!this.enforced) return;
    const at = this.#now();
    this.#prune(at);
    this.#times.push(at);
  }

  /** How many sends were refused for the rate since the server started. */
  throttledCount(): number {
    return this.#throttled;
  }

  #prune(now: number): void {
    // A clock moved backwards keeps every time it has: they are still "recent".
    let drop = 0;
    while (drop < this.#times.length && (this.#times[drop] ?? now) <= now - SEND_RATE_WINDOW_MS) {
      drop += 1;
    }
    if (drop > 0) this.#times.splice(0, drop);
  }
}

/** `MaxSendRate` reported when the server does not throttle (a new production account's 14). */
export const UNENFORCED_MAX_SEND_RATE = 14;

/** The largest `sesMaxSendRate`: the window holds one timestamp per send it allows. */
export const MAX_SES_MAX_SEND_RATE = 100_000;
