import { randomUUID } from "node:crypto";
import { AgentMailError, type MailMessage, parseInput } from "@assmbl/core";
import { Queue } from "bullmq";
import { bullConnection, jobIdFor } from "./connection.js";
import { type OutboxEvent, type OutboxEventStream, openEvents } from "./events.js";
import {
  DEFAULT_QUEUE_NAME,
  type EnqueueOptions,
  EnqueueOptionsSchema,
  type OutboxOptions,
  OutboxOptionsSchema,
} from "./options.js";
import {
  AuthWatch,
  DEFAULT_REDIS_TIMEOUT_MS,
  type GuardFailure,
  guarded,
  PRODUCER_CONNECTION_DEFAULTS,
  redisFailure,
} from "./redis-guard.js";
import { checkRepeat } from "./repeat.js";
import { serializeCopies } from "./serialize.js";

/** The BullMQ backoff type of outbox jobs: the worker computes it with core's full jitter. @internal */
export const BACKOFF_TYPE = "agentmail-full-jitter";

/**
 * What `enqueue` returns: the job, and the idempotency key every attempt of the send carries.
 *
 * @example
 * const { jobId, idempotencyKey }: EnqueueResult = await outbox.enqueue(message);
 */
export interface EnqueueResult {
  jobId: string;
  idempotencyKey: string;
  /**
   * Present when the key already had a job (a retried enqueue): where that job is. `failed`:
   * it is a dead letter (`code` says why) and this call queued nothing.
   */
  duplicate?: { state: OutboxEvent["state"]; code?: string };
}

/**
 * The producer side of the outbox (see {@link createOutbox}).
 *
 * @example
 * const outbox: Outbox = createOutbox({ connection, mailer });
 */
export interface Outbox {
  /**
   * Prepares `message` here (validation, key lookup, encryption: `mailer.prepareCopies`) and
   * stores the result as one job: every copy of the send, with its idempotency key (the
   * message's, else a new `idem_<uuid>`). Resolves once Redis has the job. A key the queue still
   * holds a job for returns that job: nothing new is queued.
   *
   * @example
   * const { jobId, idempotencyKey } = await outbox.enqueue({ to, subject: "Report", text, encrypt: true });
   * @throws {AgentMailError} what `mailer.prepareCopies` throws (nothing is queued),
   * `job_too_large` past {@link MAX_JOB_BYTES}, `invalid_options`; `idempotency_key_reused`
   * when the key's job holds a different message; `network_error` when Redis does not answer
   * within `redisTimeoutMs` (the message says whether anything may have been queued),
   * `unauthorized` when Redis refuses the credentials, `aborted` when `signal` fires.
   */
  enqueue(message: MailMessage, options?: EnqueueOptions): Promise<EnqueueResult>;
  /**
   * The queue's events from now on, from every process and worker (see {@link OutboxEvent}).
   * Jobs this outbox enqueues after the call are all seen.
   *
   * @example
   * const events = outbox.events();
   * const { jobId } = await outbox.enqueue(message);
   * for await (const event of events) if (event.jobId === jobId && event.state === "sent") break;
   */
  events(): OutboxEventStream;
  /** Closes the queue's connections and every open event stream. */
  close(): Promise<void>;
}

/**
 * A durable outbox on Redis (BullMQ): `enqueue` prepares a message in the calling process and
 * stores the prepared copies, so an encrypted message reaches Redis as ciphertext only; workers
 * ({@link startOutboxWorker}) send it, retry what can be retried under the same idempotency key,
 * and leave what cannot in the failed set with its error code. Jobs are capped at
 * {@link MAX_JOB_BYTES}.
 *
 * @example
 * import { createMailer } from "@assmbl/core";
 * import { createOutbox } from "@assmbl/outbox";
 * const outbox = createOutbox({ connection: "redis://127.0.0.1:6379", mailer });
 * const { jobId } = await outbox.enqueue({ to: "other-agent@agents.example.com", subject: "Hi", text: "Hello", encrypt: true });
 * await outbox.close();
 * @throws {AgentMailError} `invalid_options` for unknown (named) or malformed options.
 */
export function createOutbox(options: OutboxOptions): Outbox {
  const config = parseInput(OutboxOptionsSchema, options, "createOutbox options");
  const queueName = config.queueName ?? DEFAULT_QUEUE_NAME;
  const timeoutMs = config.redisTimeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS;
  // A producer connection: commands fail while Redis is away instead of queuing in memory.
  const queue = new Queue(queueName, {
    connection: { ...PRODUCER_CONNECTION_DEFAULTS, ...bullConnection(config.connection) },
  });
  // Errors surface on the calls that hit them; an unhandled `error` event would crash the process.
  queue.on("error", () => {});
  const auth = new AuthWatch(queue, queue.backend);
  const streams = new Set<OutboxEventStream>();
  const keep = config.keepCompleted ?? {};

  return {
    async enqueue(message, enqueueOptions) {
      const { signal } = parseInput(EnqueueOptionsSchema, enqueueOptions ?? {}, "enqueue options");
      const idempotencyKey = message?.idempotencyKey ?? `idem_${randomUUID()}`;
      const copies = await config.mailer.prepareCopies(
        { ...message, idempotencyKey },
        signal ? { signal } : undefined,
      );
      const data = await serializeCopies(copies, idempotencyKey, signal);
      const guard = (tail: string) => ({
        signal,
        timeoutMs,
        auth,
        fail: (failure: GuardFailure) => redisFailure(failure, "enqueue", timeoutMs, tail),
      });
      // Until Redis is ready nothing has been sent to it.
      await guarded(
        Promise.all([
          queue.waitUntilReady(),
          // A stream opened before this call sees the job's events.
          ...[...streams].map((stream) => stream.ready.catch(() => {})),
        ]),
        guard("nothing was queued"),
      );
      const jobId = jobIdFor(idempotencyKey);
      const job = await guarded(
        queue.add(idempotencyKey, data, {
          jobId,
          attempts: config.attempts ?? 6,
          backoff: { type: BACKOFF_TYPE },
          removeOnComplete: { age: keep.ageSeconds ?? 86_400, count: keep.count ?? 10_000 },
          removeOnFail: false,
        }),
        guard(
          `the job may have been queued: enqueue the same message again with idempotencyKey "${idempotencyKey}" (one key, one job)`,
        ),
      ).catch((error: unknown) => {
        if (AgentMailError.is(error)) throw error;
        const nothing = /enableOfflineQueue|Stream isn't writeable/i.test(String(error));
        throw new AgentMailError({
          code: "network_error",
          message: `enqueue: Redis failed the write (${error instanceof Error ? error.message : String(error)}); ${
            nothing
              ? "nothing was queued"
              : `the job may have been queued: enqueue the same message again with idempotencyKey "${idempotencyKey}"`
          }`,
          cause: error,
        });
      });
      const duplicate = await guarded(
        checkRepeat(queue, jobId, job.timestamp, data.fingerprint, idempotencyKey),
        guard(`the job with idempotencyKey "${idempotencyKey}" is queued (or was already)`),
      );
      return { jobId: job.id as string, idempotencyKey, ...(duplicate ? { duplicate } : {}) };
    },
    events() {
      const stream = openEvents(queue, config.connection, queueName, { timeoutMs, auth });
      streams.add(stream);
      const close = stream.close;
      stream.close = async () => {
        streams.delete(stream);
        await close();
      };
      return stream;
    },
    async close() {
      await Promise.all([...streams].map((stream) => stream.close()));
      await queue.close();
    },
  };
}
