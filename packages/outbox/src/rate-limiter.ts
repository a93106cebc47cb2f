// A send budget shared through Redis, spaced from the last grant: one Lua script on Redis' own
// clock grants a send only when at least 1 / maxPerSecond has passed since the last grant, and
// otherwise says how long to wait (nothing is reserved). Grants are thus instants the caller is
// actually there for, never closer than the interval however late anyone woke. (A fixed window,
// even with slots in it, let a late grant at the end of one window sit next to the first of the
// next: 21 in a sliding second at 20/s; reserving future slots let a caller that woke late sit
// next to one that woke on time.) Not rate-limiter-flexible, which the first version used: its
// Redis limiter counts in windows of whole seconds (its keys expire with EX seconds), so it can
// neither hold a 50 ms spacing nor keep a burst at a window's edge from doubling the budget.
import { AgentMailError, parseInput, type RateLimiter } from "@assmbl/core";
import { Redis } from "ioredis";
import { z } from "zod";
import { type RedisRateLimiterOptions, RedisRateLimiterOptionsSchema } from "./options.js";
import {
  AuthWatch,
  DEFAULT_REDIS_TIMEOUT_MS,
  guarded,
  isAuthError,
  redisFailure,
} from "./redis-guard.js";

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
 * `key` (through the outbox: to `startOutboxWorker({ rateLimiter })` instead, see there). `acquire` waits (never fails) while the budget is spent; grants are at least
 * `1 / maxPerSecond` seconds apart, so any one-second window holds at most `maxPerSecond`
 * grants. The budget is one Redis key, `agentmail-rate:<key>`, holding the instant of the next
 * free grant on Redis' clock. Waiting callers ask again when it comes (one small script call
 * each per interval) and the first to ask wins: grants are not handed out in arrival order. A
 * grant bounds when `acquire` resolves; the send leaves after it, so a process that stalls
 * between the two can still put two sends closer than the interval: keep a small margin under
 * a hard provider limit.
 *
 * @example
 * import { redisRateLimiter } from "@assmbl/outbox";
 * import { sesTransport } from "@assmbl/transport-ses";
 * const rateLimiter = redisRateLimiter({ connection: process.env.REDIS_URL ?? "", key: "ses:us-east-1", maxPerSecond: 14 });
 * const transport = sesTransport({ client, rateLimiter }); // every process: 14/s together
 * @throws {AgentMailError} `invalid_options` for unknown (named) or malformed options; from
 * `acquire`, `aborted` when its signal fires (also during the Redis call), `network_error` when
 * Redis cannot be reached, `unauthorized` when it refuses the credentials.
 */
export function redisRateLimiter(options: RedisRateLimiterOptions): RedisRateLimiter {
  const config = parseInput(RedisRateLimiterOptionsSchema, options, "redisRateLimiter options");
  const intervalMicros = Math.ceil(1_000_000 / config.maxPerSecond);
  const budgetKey = `agentmail-rate:${config.key}`;
  const client =
    typeof config.connection === "string"
      ? new Redis(config.connection, { lazyConnect: false, maxRetriesPerRequest: 2 })
      : new Redis({ maxRetriesPerRequest: 2, ...config.connection } as never);
  client.on("error", () => {});
  const auth = new AuthWatch(client, client);

  return {
    async acquire(acquireOptions) {
      const { signal } = parseInput(
        AcquireOptionsSchema,
        acquireOptions ?? {},
        "rateLimiter.acquire options",
      );
      for (;;) {
        if (signal?.aborted) throw aborted(signal);
        let waitMicros: number;
        try {
          // Raced against the signal and a deadline: ioredis may hold the call while reconnecting.
          waitMicros = Number(
            await guarded(client.eval(TRY_GRANT, 1, budgetKey, String(intervalMicros)), {
              signal,
              timeoutMs: DEFAULT_REDIS_TIMEOUT_MS,
              auth,
              fail: (failure) =>
                failure.kind === "aborted"
                  ? aborted(signal as AbortSignal)
                  : redisFailure(
                      failure,
                      "redisRateLimiter",
                      DEFAULT_REDIS_TIMEOUT_MS,
                      "nothing was sent",
                    ),
            }),
          );
        } catch (error) {
          if (AgentMailError.is(error)) throw error;
          if (isAuthError(error)) {
            throw redisFailure(
              { kind: "auth", error: error as Error },
              "redisRateLimiter",
              0,
              "nothing was sent",
            );
          }
          throw new AgentMailError({
            code: "network_error",
            message: `redisRateLimiter: Redis did not answer (${error instanceof Error ? error.message : String(error)}); nothing was sent`,
            cause: error,
          });
        }
        if (waitMicros === 0) return;
        // Not granted: ask again when the budget frees (rounded up: never before).
        await sleep(Math.ceil(waitMicros / 1000), signal);
      }
    },
    async close() {
      await client.quit().catch(() => client.disconnect());
    },
  };
}

// One send now, if the last grant is at least the interval ago (then this grant's instant plus
// the interval is the next free one): returns 0; else the microseconds until the next free one.
// Integers are formatted with %.0f: Lua's tostring keeps 14 digits, too few for microseconds.
const TRY_GRANT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local free = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if now < free then return string.format('%.0f', free - now) end
redis.call('SET', KEYS[1], string.format('%.0f', now + interval), 'PX', math.ceil(interval / 1000) + 1000)
return '0'`;

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
