// The consumer side: each job is one logical send (its copies in order). Progress in the job
// records which copies went and which one a worker had started, so a retry (or another worker
// after a crash) never sends a finished copy again and knows when a copy's outcome is unknown.
import {
  AgentMailError,
  fullJitterDelay,
  isRetryableCode,
  type MailTransport,
  type PreparedMessage,
  parseInput,
  type RateLimiter,
} from "@assmbl/core";
import { type Job, UnrecoverableError, Worker } from "bullmq";
import { bullConnection } from "./connection.js";
import { parseJobData } from "./job-schema.js";
import {
  DEFAULT_QUEUE_NAME,
  type OutboxWorkerOptions,
  OutboxWorkerOptionsSchema,
  type UnknownOutcomePolicy,
} from "./options.js";
import { type OutboxJobData, rebuildCopy } from "./serialize.js";

/** One copy a worker sent. */
export interface OutboxSentCopy {
  kind: "primary" | "bcc";
  /** Absent when a repeat found the copy already committed (`idempotency_key_reused`). */
  messageId?: string;
  idempotencyKey?: string;
}

/**
 * A finished job's return value (BullMQ `job.returnvalue`).
 *
 * @example
 * const { messageId, copies }: OutboxJobResult = job.returnvalue;
 */
export interface OutboxJobResult {
  /** The primary copy's message id, when known. */
  messageId?: string;
  copies: OutboxSentCopy[];
}

/** What the job's progress holds between attempts. @internal */
interface Progress {
  done: OutboxSentCopy[];
  /** The copy an attempt handed to the transport and has not settled. */
  pending?: number;
}

/**
 * A running worker (see {@link startOutboxWorker}).
 *
 * @example
 * const worker: OutboxWorker = startOutboxWorker({ connection, transport });
 * await worker.close();
 */
export interface OutboxWorker {
  /**
   * Stops taking jobs, waits for the ones it is sending, and closes its connections. `force`:
   * does not wait; the jobs it held go to another worker once their lock lapses
   * (`lockDurationMs`), which treats a copy it had handed to the transport as a crash would.
   */
  close(options?: { force?: boolean }): Promise<void>;
}

/**
 * Starts a worker that sends the outbox's jobs through `transport`, each copy under its
 * idempotency key on every attempt (the key travels in the prepared message, as
 * `X-AgentMail-Idempotency-Key` and `/send`'s `idempotency_key`).
 *
 * A failed attempt is retried (up to the outbox's `attempts`, waiting core's full-jitter
 * backoff) when its `AgentMailError` is retryable; otherwise the job fails at once and stays in
 * BullMQ's failed set, its `failedReason` starting with the code (`invalid_message: ...`).
 * A copy whose send may have gone (`outcome: "unknown"`, or a worker that died holding it) is
 * resent only as `unknownOutcome` allows: by default through the AgentMail API (which answers a
 * repeat under the same key from its record), never through SES (which has no key: a repeat
 * could deliver twice). Copies already sent are never sent again; a later copy that fails for
 * good ends the job with `partially_sent`.
 *
 * @example
 * import { sesTransport } from "@assmbl/transport-ses";
 * import { redisRateLimiter, startOutboxWorker } from "@assmbl/outbox";
 * const rateLimiter = redisRateLimiter({ connection, key: "ses", maxPerSecond: 14 });
 * const worker = startOutboxWorker({ connection, transport: sesTransport({ client }), rateLimiter, concurrency: 8 });
 * process.on("SIGTERM", () => void worker.close());
 * @throws {AgentMailError} `invalid_options` for unknown (named) or malformed options.
 */
export function startOutboxWorker(options: OutboxWorkerOptions): OutboxWorker {
  const config = parseInput(OutboxWorkerOptionsSchema, options, "startOutboxWorker options");
  const transport = config.transport;
  const lockDuration = config.lockDurationMs ?? 30_000;
  const backoff = {
    baseDelayMs: config.backoff?.baseDelayMs ?? 1000,
    maxDelayMs: config.backoff?.maxDelayMs ?? 60_000,
  };
  const crashPolicy: UnknownOutcomePolicy =
    config.unknownOutcome ?? (transport.name === "agentmail-api" ? "resend" : "fail");

  // One controller per job held: aborted when BullMQ fails to renew the job's lock, so a send in
  // flight learns that another worker may be taking the job over.
  const held = new Map<string, AbortController>();
  const worker = new Worker<OutboxJobData, OutboxJobResult>(
    config.queueName ?? DEFAULT_QUEUE_NAME,
    async (job, token) => {
      const lost = new AbortController();
      held.set(job.id as string, lost);
      try {
        return await processJob(job, transport, {
          crashPolicy,
          unknownOutcome: config.unknownOutcome,
          lock: { token, duration: lockDuration, lost: lost.signal },
          rateLimiter: config.rateLimiter,
        });
      } finally {
        held.delete(job.id as string);
      }
    },
    {
      connection: { ...bullConnection(config.connection), maxRetriesPerRequest: null },
      concurrency: config.concurrency ?? 1,
      ...(config.rateLimit
        ? { limiter: { max: config.rateLimit.max, duration: config.rateLimit.durationMs } }
        : {}),
      lockDuration,
      stalledInterval: lockDuration,
      settings: {
        // Core's full jitter; attemptsMade is 1 before the first retry.
        // Outbox jobs name BACKOFF_TYPE; this strategy is the only one the worker knows.
        backoffStrategy: (attemptsMade) => fullJitterDelay(attemptsMade - 1, Math.random, backoff),
      },
    },
  );
  // Connection errors are retried by ioredis; an unhandled `error` event would crash the process.
  worker.on("error", () => {});
  worker.on("lockRenewalFailed", (jobIds: string[]) => {
    for (const jobId of jobIds) held.get(jobId)?.abort(new Error(`lost the lock of job ${jobId}`));
  });
  return {
    async close(closeOptions) {
      await worker.close(closeOptions?.force === true);
    },
  };
}

async function processJob(
  job: Job<OutboxJobData, OutboxJobResult>,
  transport: MailTransport,
  policy: {
    crashPolicy: UnknownOutcomePolicy;
    unknownOutcome: UnknownOutcomePolicy | undefined;
    lock: JobLock;
    rateLimiter: RateLimiter | undefined;
  },
): Promise<OutboxJobResult> {
  let copies: OutboxJobData["copies"];
  try {
    copies = parseJobData(job.data).copies;
  } catch (error) {
    throw finalError(error, []);
  }
  const progress = readProgress(job.progress);
  const done = [...progress.done];
  for (let index = done.length; index < copies.length; index++) {
    const copy = copies[index] as OutboxJobData["copies"][number];
    let prepared: PreparedMessage;
    try {
      prepared = rebuildCopy(copy);
    } catch (error) {
      throw finalError(error, done);
    }
    const interrupted = progress.pending === index;
    if (interrupted && policy.crashPolicy === "fail") {
      throw finalError(
        new AgentMailError({
          code: "transport_failed",
          message:
            `an earlier attempt handed this copy to the ${transport.name} transport and did not finish (a worker stopped or lost its lock): ` +
            `it may have been sent, and the transport does not deduplicate on the idempotency key "${prepared.idempotencyKey}", so it is not sent again. ` +
            'Check the recipient, or start the worker with unknownOutcome: "resend" if the receiving side deduplicates',
          outcome: "unknown",
          ...(prepared.idempotencyKey ? { idempotencyKey: prepared.idempotencyKey } : {}),
          retryable: false,
        }),
        done,
      );
    }
    // The budget first, before the copy is marked as handed over: a worker that dies while
    // waiting here leaves the copy unsent, for another worker to send without doubt.
    if (policy.rateLimiter) {
      try {
        await policy.rateLimiter.acquire({ signal: policy.lock.lost });
      } catch (error) {
        if (policy.lock.lost.aborted) throw lockLost(job);
        if (!shouldRetry(error, policy.unknownOutcome)) throw finalError(error, done);
        throw new Error(reasonOf(error));
      }
    }
    // Still ours? A worker that lost its lock (stalled past lockDurationMs) must not send the
    // next copy, nor write progress over the new owner's.
    await holdLock(job, policy.lock);
    await job.updateProgress({ done, pending: index } satisfies Progress);
    try {
      const result = await transport.send(prepared, { signal: policy.lock.lost });
      done.push({
        kind: copy.kind,
        messageId: result.messageId,
        ...keyOf(result.idempotencyKey ?? prepared.idempotencyKey),
      });
    } catch (error) {
      // Another worker may own the job now: leave its progress alone ("pending" tells it what
      // this send may have done).
      if (policy.lock.lost.aborted) throw lockLost(job);
      if (
        interrupted &&
        AgentMailError.is(error, "idempotency_key_reused") &&
        error.outcome === "sent"
      ) {
        // The interrupted attempt's request was committed; this repeat differs (new uploads).
        done.push({ kind: copy.kind, ...keyOf(prepared.idempotencyKey) });
      } else {
        const retry = shouldRetry(error, policy.unknownOutcome);
        if (AgentMailError.is(error) && error.outcome === "not_sent") {
          // Nothing went: the next attempt may send this copy without doubt.
          await job.updateProgress({ done } satisfies Progress).catch(() => {});
        }
        if (!retry) throw finalError(error, done);
        throw new Error(reasonOf(error));
      }
    }
    await holdLock(job, policy.lock);
    await job.updateProgress({ done } satisfies Progress);
  }
  const primary = done[0];
  return { ...(primary?.messageId ? { messageId: primary.messageId } : {}), copies: done };
}

/** The processor's hold on a job: BullMQ's lock token, and a signal aborted when it is lost. */
interface JobLock {
  token: string | undefined;
  duration: number;
  lost: AbortSignal;
}

/** Extends the job's lock for another `duration`, or stops the processor if it is gone. */
async function holdLock(job: Job, lock: JobLock): Promise<void> {
  if (lock.lost.aborted) throw lockLost(job);
  if (lock.token === undefined) return;
  const extended = await job.extendLock(lock.token, lock.duration);
  if (extended !== 1) throw lockLost(job);
}

// A plain error: the job is not this worker's to fail (BullMQ refuses the move without the lock).
function lockLost(job: Job): Error {
  return new Error(
    `transport_failed: this worker lost the lock of job ${job.id} (it stalled past lockDurationMs); another worker takes it over`,
  );
}

function shouldRetry(error: unknown, unknownOutcome: UnknownOutcomePolicy | undefined): boolean {
  if (!AgentMailError.is(error)) return false;
  if (error.outcome === "sent") return false;
  if (error.outcome === "unknown") {
    if (unknownOutcome === "fail") return false;
    if (unknownOutcome === "resend")
      return error.retryable || isRetryableCode(error.code, error.status);
  }
  return error.retryable;
}

function finalError(error: unknown, done: readonly OutboxSentCopy[]): UnrecoverableError {
  if (done.length === 0) return new UnrecoverableError(reasonOf(error));
  return new UnrecoverableError(
    `partially_sent: ${done.length} cop${done.length === 1 ? "y" : "ies"} went (${done
      .map((copy) => copy.kind)
      .join(
        ", ",
      )}), then the next failed with ${reasonOf(error)}. Send again to the remaining recipients only, under a new idempotency key`,
  );
}

/** `code: message`: the code first, for `failedReason` readers (and the events' `code`). */
function reasonOf(error: unknown): string {
  if (AgentMailError.is(error)) {
    const outcome = error.outcome ? ` (outcome ${error.outcome})` : "";
    return `${error.code}: ${error.message}${outcome}`;
  }
  return `transport_failed: ${error instanceof Error ? error.message : String(error)}`;
}

function keyOf(key: string | undefined): { idempotencyKey?: string } {
  return key === undefined ? {} : { idempotencyKey: key };
}

function readProgress(value: unknown): Progress {
  if (typeof value !== "object" || value === null) return { done: [] };
  const { done, pending } = value as Partial<Progress>;
  return {
    done: Array.isArray(done) ? done : [],
    ...(typeof pending === "number" ? { pending } : {}),
  };
}
