// A send budget shared through Redis: rate-limiter-flexible's RateLimiterRedis counts sends per
// fixed window, and each granted send is held to its even slot in that window, so no sliding
// one-second window ever sees more than the budget (a bare fixed window allows twice it across
// a window boundary, which SES would throttle).
import { AgentMailError, parseInput, type RateLimiter } from "@assmbl/core";
import { Redis } from "ioredis";
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { z } from "zod";
import { type RedisRateLimiterOptions, RedisRateLimiterOptionsSchema } from "./options.js";

const AcquireOptionsSchema = z.strictObject({ signal: z.instanceof(AbortSignal).optional() });

/**
 * A core `RateLimiter` that can also close its Redis connection.
 *
 * @example
 * const limiter: RedisRateLimiter = redisRateLimiter({ connection, key: "ses", maxPerSecond: 14 });
 * await limiter.close();
 */
export interface RedisRateLimiter extends RateLimiter {
  /** Closes its Redis connection; `acquire` fails afterwards. */
  close(): Promise<void>;
}

/**
 * Core's `RateLimiter` on Redis, for a budget several processes share (an SES account's
 * `MaxSendRate`): give it to `sesTransport({ rateLimiter })` in every process, with the same
 * `key`. `acquire` waits (never fails) while the budget is spent; grants are spaced evenly,
 * `1 / maxPerSecond` seconds apart at full load, so any one-second window holds at most
 * `maxPerSecond` sends. Built on rate-limiter-flexible's `RateLimiterRedis` (its key is
 * `rlflx:<key>`).
 *
 * @example
 * import { redisRateLimiter } from "@assmbl/outbox";
 * import { sesTransport } from "@assmbl/transport-ses";
 * const rateLimiter = redisRateLimiter({ connection: process.env.REDIS_URL ?? "", key: "ses:us-east-1", maxPerSecond: 14 });
 * const transport = sesTransport({ client, rateLimiter }); // every process: 14/s together
 * @throws {AgentMailError} `invalid_options` for unknown (named) or malformed options; from
 * `acquire`, `aborted` when its signal fires and `network_error` when Redis cannot be reached.
 */
export function redisRateLimiter(options: RedisRateLimiterOptions): RedisRateLimiter {
  const config = parseInput(RedisRateLimiterOptionsSchema, options, "redisRateLimiter options");
  // A window of whole seconds holding whole sends: 14.5/s counts 14 per second, 0.5/s 1 per 2 s.
  const windowSeconds = config.maxPerSecond >= 1 ? 1 : Math.ceil(1 / config.maxPerSecond);
  const points = Math.max(1, Math.floor(config.maxPerSecond * windowSeconds));
  const windowMs = windowSeconds * 1000;
  const client =
    typeof config.connection === "string"
      ? new Redis(config.connection, { lazyConnect: false, maxRetriesPerRequest: 2 })
      : new Redis({ maxRetriesPerRequest: 2, ...config.connection } as never);
  client.on("error", () => {});
  const limiter = new RateLimiterRedis({
    storeClient: client,
    keyPrefix: "rlflx",
    points,
    duration: windowSeconds,
  });

  return {
    async acquire(acquireOptions) {
      const { signal } = parseInput(
        AcquireOptionsSchema,
        acquireOptions ?? {},
        "rateLimiter.acquire options",
      );
      for (;;) {
        if (signal?.aborted) throw aborted(signal);
        let wait: number;
        try {
          const granted = await limiter.consume(config.key, 1);
          // The window began windowMs - msBeforeNext ago; grant n goes at its n-th slot.
          const elapsed = windowMs - granted.msBeforeNext;
          const slot = ((granted.consumedPoints - 1) * windowMs) / points;
          wait = Math.max(0, Math.ceil(slot - elapsed));
          if (wait === 0) return;
          await sleep(wait, signal);
          return;
        } catch (error) {
          if (!(error instanceof RateLimiterRes)) {
            if (AgentMailError.is(error)) throw error;
            throw new AgentMailError({
              code: "network_error",
              message: `redisRateLimiter: Redis did not answer (${error instanceof Error ? error.message : String(error)}); nothing was sent`,
              cause: error,
            });
          }
          // The budget is spent until this window ends: wait for the next one, then ask again.
          wait = Math.max(1, error.msBeforeNext);
        }
        await sleep(wait, signal);
      }
    },
    async close() {
      await client.quit().catch(() => client.disconnect());
    },
  };
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(aborted(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(aborted(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function aborted(signal: AbortSignal): AgentMailError {
  return new AgentMailError({
    code: "aborted",
    message: "the wait for the Redis rate limiter was aborted",
    cause: signal.reason,
  });
}
