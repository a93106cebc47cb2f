// Every public option of the outbox, written twice: the TSDoc'd interface users read and the
// strict zod schema that checks it at run time (options.types.test.ts keeps the two in step).
import type { Mailer, MailTransport, RateLimiter } from "@assmbl/core";
import type { RedisOptions } from "ioredis";
import { z } from "zod";

/**
 * Where Redis is: a `redis://` / `rediss://` URL, or ioredis options (`{ host, port, password,
 * tls, ... }`). The outbox opens its own connections from it (BullMQ needs several: a blocking
 * one per worker, one for events), and closes them on `close()`.
 *
 * @example
 * const connection: OutboxConnection = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
 */
export type OutboxConnection = string | RedisOptions;

const ConnectionSchema = z.union([
  z.string().regex(/^rediss?:\/\//, "a redis:// or rediss:// URL"),
  z.custom<RedisOptions>(
    (value) => typeof value === "object" && value !== null && !Array.isArray(value),
    "a redis:// URL or an ioredis options object",
  ),
]);

// Letters, digits and `_-.`: BullMQ keys the queue by name, and refuses `:`.
const QueueNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,100}$/, "1-100 letters, digits, '_', '-' or '.'");

/** The default queue name. */
export const DEFAULT_QUEUE_NAME = "agentmail-outbox";

/**
 * Options of {@link createOutbox}.
 *
 * @example
 * const options: OutboxOptions = { connection: "redis://127.0.0.1:6379", mailer };
 */
export interface OutboxOptions {
  /** Redis (see {@link OutboxConnection}). */
  connection: OutboxConnection;
  /** Prepares each message in the caller's process: validation, key lookup, encryption. */
  mailer: Mailer;
  /** The BullMQ queue; default `agentmail-outbox`. Workers must name the same one. */
  queueName?: string;
  /** Attempts per job, the first included (default 6): retryable failures are retried this often. */
  attempts?: number;
  /**
   * Finished jobs kept, for inspection: `{ ageSeconds, count }`, default one day and 10,000.
   * Failed jobs (the dead letters) are always kept until you remove them.
   */
  keepCompleted?: { ageSeconds?: number; count?: number };
  /**
   * How long `enqueue` and `events().ready` wait for Redis (down, unreachable, slow) before
   * failing with `network_error` (default 10,000 ms). A refused password fails at once.
   */
  redisTimeoutMs?: number;
}

/** {@link OutboxOptions}, checked. @internal */
export const OutboxOptionsSchema = z.strictObject({
  connection: ConnectionSchema,
  mailer: z.custom<Mailer>(
    (value) =>
      typeof value === "object" &&
      value !== null &&
      typeof (value as Mailer).prepareCopies === "function",
    "expected a mailer from createMailer (with prepareCopies)",
  ),
  queueName: QueueNameSchema.optional(),
  attempts: z.int().min(1).max(100).optional(),
  keepCompleted: z
    .strictObject({
      ageSeconds: z.int().min(0).optional(),
      count: z.int().min(0).optional(),
    })
    .optional(),
  redisTimeoutMs: z.int().min(1).max(600_000).optional(),
});

/**
 * Options of `outbox.enqueue`.
 *
 * @example
 * await outbox.enqueue(message, { signal: AbortSignal.timeout(30_000) });
 */
export interface EnqueueOptions {
  /** Aborts the preparation (key lookups, encryption) and the write to Redis. */
  signal?: AbortSignal;
}

/** {@link EnqueueOptions}, checked. @internal */
export const EnqueueOptionsSchema = z.strictObject({
  signal: z.instanceof(AbortSignal).optional(),
});

/**
 * What a worker does with a copy whose send may have reached the provider: an attempt that
 * failed with `outcome: "unknown"`, or one interrupted by a crash after the transport had the
 * copy. `resend`: send it again under the same idempotency key (safe when the receiving side
 * deduplicates on it: the AgentMail API answers a repeat from its record, and the platform's mail
 * processor delivers a repeated `X-AgentMail-Idempotency-Key` once). `fail`: never resend it; the
 * job fails with `outcome: "unknown"` for you to check.
 *
 * @example
 * const policy: UnknownOutcomePolicy = "fail"; // SES to recipients off the platform
 */
export type UnknownOutcomePolicy = "resend" | "fail";

/**
 * Options of {@link startOutboxWorker}.
 *
 * @example
 * const options: OutboxWorkerOptions = { connection, transport, concurrency: 4, rateLimit: { max: 14, durationMs: 1000 } };
 */
export interface OutboxWorkerOptions {
  /** Redis (see {@link OutboxConnection}). */
  connection: OutboxConnection;
  /** Moves each prepared message: `sesTransport`, `apiTransport`, or your own. */
  transport: MailTransport;
  /** The BullMQ queue; default `agentmail-outbox`. */
  queueName?: string;
  /** Jobs this worker sends at once (default 1). */
  concurrency?: number;
  /**
   * At most `max` jobs started per `durationMs` across every worker of the queue (BullMQ's
   * global limiter). It counts jobs, not requests: a job with Bcc copies, or a transport's own
   * retries, make more. To hold an SES account's `MaxSendRate` exactly, use `rateLimiter`.
   */
  rateLimit?: { max: number; durationMs: number };
  /**
   * Asked before each copy is handed to the transport (a {@link redisRateLimiter} shared by
   * every worker, for an SES account's `MaxSendRate`). Give the limiter here, not to
   * `sesTransport`, when sending through the outbox: a copy is marked as handed over only once
   * the limiter let it go, so a worker that dies while copies wait on the budget leaves them to
   * be sent by another worker, not dead-lettered as maybe-sent (a limiter inside the transport
   * waits after that mark). Build the transport with `maxAttempts: 1` on its SES client, so
   * every attempt is one of the outbox's, each through this limiter.
   */
  rateLimiter?: RateLimiter;
  /**
   * The wait between attempts of a job: core's full jitter, a delay drawn from
   * `[0, min(maxDelayMs, baseDelayMs * 2^retry))`; default 1 s doubling to 60 s.
   */
  backoff?: { baseDelayMs?: number; maxDelayMs?: number };
  /**
   * See {@link UnknownOutcomePolicy}. Default: a transport error's own `retryable` decides (the
   * AgentMail API says true, SES false), and a crash mid-send resends only through the AgentMail
   * API transport (`name: "agentmail-api"`).
   */
  unknownOutcome?: UnknownOutcomePolicy;
  /**
   * How long a worker holds a job without renewing its lock before other workers consider it
   * crashed and take the job over (default 30,000 ms; renewed every half of it while alive).
   */
  lockDurationMs?: number;
}

/** {@link OutboxWorkerOptions}, checked. @internal */
export const OutboxWorkerOptionsSchema = z.strictObject({
  connection: ConnectionSchema,
  transport: z.custom<MailTransport>(
    (value) =>
      typeof value === "object" &&
      value !== null &&
      (value as MailTransport).specificationVersion === "v1" &&
      typeof (value as MailTransport).send === "function",
    "expected a MailTransport (specificationVersion v1, send())",
  ),
  queueName: QueueNameSchema.optional(),
  concurrency: z.int().min(1).max(1000).optional(),
  rateLimit: z
    .strictObject({
      max: z.int().min(1),
      durationMs: z.int().min(1),
    })
    .optional(),
  backoff: z
    .strictObject({
      baseDelayMs: z.int().min(0).optional(),
      maxDelayMs: z.int().min(0).optional(),
    })
    .optional(),
  rateLimiter: z
    .custom<RateLimiter>(
      (value) =>
        typeof value === "object" &&
        value !== null &&
        typeof (value as RateLimiter).acquire === "function",
      "expected a RateLimiter (acquire())",
    )
    .optional(),
  unknownOutcome: z.enum(["resend", "fail"]).optional(),
  lockDurationMs: z.int().min(100).max(3_600_000).optional(),
});

/**
 * Options of {@link redisRateLimiter}.
 *
 * @example
 * const options: RedisRateLimiterOptions = { connection, key: "ses:us-east-1", maxPerSecond: 14 };
 */
export interface RedisRateLimiterOptions {
  /** Redis (see {@link OutboxConnection}). */
  connection: OutboxConnection;
  /** The budget's name: every limiter with the same key and Redis shares one budget. */
  key: string;
  /**
   * Sends per second at most, over every process: grants are at least `1 / maxPerSecond`
   * seconds apart (14 → 71.5 ms; 0.5 → 2 s).
   */
  maxPerSecond: number;
}

/** {@link RedisRateLimiterOptions}, checked. @internal */
export const RedisRateLimiterOptionsSchema = z.strictObject({
  connection: ConnectionSchema,
  key: z.string().regex(/^[\x21-\x7e]{1,200}$/, "1-200 printable ASCII characters"),
  maxPerSecond: z.number().positive().max(1_000_000).finite(),
});
