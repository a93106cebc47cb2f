import { randomInt } from "node:crypto";
import { parseInput } from "@assmbl/core";
import { z } from "zod";

/**
 * What a faulted request suffers: `fail` (503, nothing done), `drop` (done, then the connection
 * is cut before any answer), `rate_limit` (429 with `Retry-After`, nothing done).
 *
 * @example
 * const kind: DevFaultKind = "drop";
 */
export type DevFaultKind = "fail" | "drop" | "rate_limit";

/**
 * Faults the dev server injects, so tests can exercise a client's retries, idempotency and
 * timeouts. `startDevServer({ faults })` sets them; `server.setFaults(faults)` replaces them
 * (`{}` clears).
 *
 * Each faulted request first waits `latencyMs`, then takes the next entry of `queue`, else
 * draws against `failRate`, `rateLimitRate` and `dropResponseRate` in that order (independent
 * draws from a PRNG seeded with `seed`).
 *
 * @example
 * server.setFaults({ queue: ["drop"] }); // the next API request commits, then its connection is cut
 * server.setFaults({ failRate: 0.2, seed: 42, paths: /^\/send$/ });
 */
export interface DevFaults {
  /** Milliseconds to wait before handling each faulted request; default 0. */
  latencyMs?: number | undefined;
  /** 0..1: answer 503 `server_error` (`Retry-After: 0`) and do nothing. */
  failRate?: number | undefined;
  /** 0..1: do the work (commit), then destroy the socket without answering. */
  dropResponseRate?: number | undefined;
  /** 0..1: answer 429 `rate_limited` with `Retry-After` and do nothing. */
  rateLimitRate?: number | undefined;
  /** `Retry-After` of the 429s, in seconds; default 1. */
  retryAfterSeconds?: number | undefined;
  /** Consumed in order by the next faulted requests, before the rates apply. */
  queue?: DevFaultKind[] | undefined;
  /** Seeds the PRNG, so that a run is reproducible; random when absent. */
  seed?: number | undefined;
  /**
   * Which request paths are faulted; default every AgentMail API route and storage URL, never
   * the SES endpoint.
   */
  paths?: RegExp | undefined;
}

const rate = z.number().min(0).max(1);

/**
 * {@link DevFaults}, checked strictly: unknown keys are refused by name, rates must be 0..1.
 *
 * @example
 * DevFaultsSchema.parse({ failRate: 0.5 });
 */
export const DevFaultsSchema = z.strictObject({
  latencyMs: z.int().min(0).max(60_000).optional(),
  failRate: rate.optional(),
  dropResponseRate: rate.optional(),
  rateLimitRate: rate.optional(),
  retryAfterSeconds: z.int().min(0).max(86_400).optional(),
  queue: z
    .array(z.enum(["fail", "drop", "rate_limit"]))
    .max(10_000)
    .optional(),
  seed: z.int().optional(),
  paths: z.instanceof(RegExp).optional(),
});

/**
 * What the server does with one request: wait, then maybe a fault.
 *
 * @example
 * const decision: FaultDecision = { latencyMs: 0, action: "fail", retryAfterSeconds: 1 };
 */
export interface FaultDecision {
  latencyMs: number;
  action: DevFaultKind | undefined;
  retryAfterSeconds: number;
}

/**
 * Holds the current {@link DevFaults} and decides, request by request, which fault (if any)
 * applies. The server owns one; `server.setFaults` calls {@link FaultInjector.set}.
 *
 * @example
 * const faults = new FaultInjector({ queue: ["fail"] });
 * faults.decide("/send", true)?.action; // "fail"
 * faults.decide("/send", true)?.action; // undefined
 */
export class FaultInjector {
  #faults: DevFaults = {};
  #queue: DevFaultKind[] = [];
  #random: () => number = Math.random;

  /**
   * @throws {AgentMailError} `invalid_options` for unknown keys or out-of-range values.
   */
  constructor(faults: DevFaults = {}) {
    this.set(faults);
  }

  /**
   * Replaces the faults (the queue and the PRNG start over); `{}` clears them.
   *
   * @example
   * injector.set({ rateLimitRate: 1, retryAfterSeconds: 2 });
   * @throws {AgentMailError} `invalid_options` for unknown keys or out-of-range values (naming the key).
   */
  set(faults: DevFaults): void {
    const parsed = parseInput(DevFaultsSchema, faults, "faults");
    this.#faults = parsed;
    this.#queue = [...(parsed.queue ?? [])];
    this.#random = mulberry32(parsed.seed ?? randomInt(2 ** 31));
  }

  /**
   * The faults in effect, with what is left of the queue.
   *
   * @example
   * injector.current().queue; // ["drop"]
   */
  current(): DevFaults {
    return { ...this.#faults, queue: [...this.#queue] };
  }

  /**
   * The decision for a request to `path`, or `undefined` when the path is not faulted.
   * `apiPath` says whether the path is one faulted by default (an API route or storage URL).
   *
   * @example
   * injector.decide("/inbox", true);
   */
  decide(path: string, apiPath: boolean): FaultDecision | undefined {
    const { paths } = this.#faults;
    if (paths) {
      paths.lastIndex = 0;
      if (!paths.test(path)) return undefined;
    } else if (!apiPath) {
      return undefined;
    }
    let action = this.#queue.shift();
    if (action === undefined) {
      if (this.#draw(this.#faults.failRate)) action = "fail";
      else if (this.#draw(this.#faults.rateLimitRate)) action = "rate_limit";
      else if (this.#draw(this.#faults.dropResponseRate)) action = "drop";
    }
    return {
      latencyMs: this.#faults.latencyMs ?? 0,
      action,
      retryAfterSeconds: this.#faults.retryAfterSeconds ?? 1,
    };
  }

  #draw(probability: number | undefined): boolean {
    return probability !== undefined && probability > 0 && this.#random() < probability;
  }
}

/**
 * A small deterministic PRNG (mulberry32), so a seeded run replays exactly.
 *
 * @example
 * const random = mulberry32(42); // random() → the same sequence in [0, 1) every run
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
