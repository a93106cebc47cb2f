import { randomUUID } from "node:crypto";
import { type MailMessage, parseInput } from "@assmbl/core";
import { Queue } from "bullmq";
import { bullConnection, jobIdFor } from "./connection.js";
import { type OutboxEventStream, openEvents } from "./events.js";
import {
  DEFAULT_QUEUE_NAME,
  type EnqueueOptions,
  EnqueueOptionsSchema,
  type OutboxOptions,
  OutboxOptionsSchema,
} from "./options.js";
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
   * `job_too_large` past {@link MAX_JOB_BYTES}, `invalid_options`.
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
  const queue = new Queue(queueName, { connection: bullConnection(config.connection) });
  // Errors surface on the calls that hit them; an unhandled `error` event would crash the process.
  queue.on("error", () => {});
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
      // A stream opened before this call sees the job's events.
      await Promise.all([...streams].map((stream) => stream.ready.catch(() => {})));
      const job = await queue.add(idempotencyKey, data, {
        jobId: jobIdFor(idempotencyKey),
        attempts: config.attempts ?? 6,
        backoff: { type: BACKOFF_TYPE },
        removeOnComplete: { age: keep.ageSeconds ?? 86_400, count: keep.count ?? 10_000 },
        removeOnFail: false,
      });
      return { jobId: job.id as string, idempotencyKey };
    },
    events() {
      const stream = openEvents(queue, config.connection, queueName);
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
