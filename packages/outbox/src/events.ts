// Job progress as a stream of OutboxEvent, from BullMQ's per-queue event stream (a Redis stream
// every producer and worker writes to), so one process sees what every worker did.
import type { AgentMailError } from "@assmbl/core";
import { type Queue, QueueEvents } from "bullmq";
import { bullConnection, codeOfReason } from "./connection.js";
import type { OutboxConnection } from "./options.js";
import { type AuthWatch, guarded, redisFailure } from "./redis-guard.js";

/**
 * Where a job is: `queued` (waiting, or waiting to be retried; `code` says why a retry is due),
 * `sending` (a worker has it), `sent` (every copy went; `messageId` is the primary copy's), or
 * `failed` (the dead letter: `code` is the `AgentMailError` code that ended it).
 *
 * @example
 * const event: OutboxEvent = { jobId: "idem_1", idempotencyKey: "idem_1", state: "sent", messageId: "<...>" };
 */
export interface OutboxEvent {
  jobId: string;
  idempotencyKey: string;
  state: "queued" | "sending" | "sent" | "failed";
  messageId?: string;
  code?: string;
}

/**
 * An async iterator of {@link OutboxEvent}s; `close()` (or leaving a `for await` loop) stops it.
 *
 * @example
 * const events = outbox.events();
 * for await (const event of events) if (event.state === "sent") break;
 */
export interface OutboxEventStream extends AsyncIterableIterator<OutboxEvent> {
  /**
   * Resolves once the stream reads Redis: every event after this point is delivered. Rejects
   * (and the stream ends with that error) when Redis does not answer within the outbox's
   * `redisTimeoutMs` (`network_error`) or refuses the credentials (`unauthorized`).
   */
  ready: Promise<void>;
  close(): Promise<void>;
}

/** Opens a stream of the queue's events from now on. @internal */
export function openEvents(
  queue: Queue,
  connection: OutboxConnection,
  queueName: string,
  limits: { timeoutMs: number; auth: AuthWatch },
): OutboxEventStream {
  const buffered: OutboxEvent[] = [];
  const waiting: ((result: IteratorResult<OutboxEvent> | AgentMailError) => void)[] = [];
  let closed = false;
  let failure: AgentMailError | undefined;
  let events: QueueEvents | undefined;
  // Events can arrive in any order from the lookups below: keep them in stream order.
  let chain: Promise<void> = Promise.resolve();

  const push = (event: OutboxEvent) => {
    if (closed) return;
    const next = waiting.shift();
    if (next) next({ value: event, done: false });
    else buffered.push(event);
  };
  // A hashed job id's key is the job's name: read that one field (never the whole job, which
  // may be megabytes), once per job while its events flow.
  const names = new Map<string, string>();
  const keyOf = async (jobId: string): Promise<string> => {
    if (!jobId.startsWith("h_")) return jobId;
    const known = names.get(jobId);
    if (known !== undefined) return known;
    const client = (await queue.backend.client) as unknown as import("ioredis").Redis;
    const name = (await client.hget(queue.toKey(jobId), "name")) ?? jobId;
    names.set(jobId, name);
    if (names.size > 1000) names.delete(names.keys().next().value as string);
    return name;
  };
  const emit = (jobId: string, rest: Omit<OutboxEvent, "jobId" | "idempotencyKey">) => {
    chain = chain.then(async () => {
      const idempotencyKey = await keyOf(jobId).catch(() => jobId);
      push({ jobId, idempotencyKey, ...rest });
    });
  };

  const opening = (async () => {
    // Start from the stream's current end, read before the listener opens, so nothing added
    // between `events()` and the first XREAD is missed.
    const client = (await queue.backend.client) as unknown as import("ioredis").Redis;
    const last = (await client.xrevrange(queue.keys.events as string, "+", "-", "COUNT", 1)) as [
      string,
      string[],
    ][];
    if (closed) return;
    events = new QueueEvents(queueName, {
      connection: bullConnection(connection),
      lastEventId: last[0]?.[0] ?? "0-0",
    });
    events.on("error", () => {});
    events.on("added", ({ jobId }) => emit(jobId, { state: "queued" }));
    events.on("active", ({ jobId }) => emit(jobId, { state: "sending" }));
    events.on("completed", ({ jobId, returnvalue }) => {
      const messageId = (returnvalue as { messageId?: unknown } | null)?.messageId;
      emit(jobId, { state: "sent", ...(typeof messageId === "string" ? { messageId } : {}) });
    });
    events.on("failed", ({ jobId, failedReason }) => {
      const code = codeOfReason(failedReason) ?? "transport_failed";
      emit(jobId, { state: "failed", code });
    });
    // A retry (after a failed attempt or a crashed worker): queued again.
    events.on("delayed", ({ jobId }) => emit(jobId, { state: "queued" }));
    events.on("waiting", ({ jobId, prev }) => {
      if (prev === "failed" || prev === "active") emit(jobId, { state: "queued" });
    });
    await events.waitUntilReady();
  })();
  const ready = guarded(opening, {
    timeoutMs: limits.timeoutMs,
    auth: limits.auth,
    fail: (reason) =>
      redisFailure(reason, "outbox.events()", limits.timeoutMs, "the stream delivers nothing"),
  }).catch(async (error: AgentMailError) => {
    // A stream that never opened ends: its readers get the error instead of waiting forever.
    failure = error;
    const readers = waiting.splice(0);
    await close();
    for (const reject of readers) reject(error);
    throw error;
  });
  ready.catch(() => {});

  const close = async () => {
    if (closed) return;
    closed = true;
    for (const resolve of waiting.splice(0)) resolve({ value: undefined, done: true });
    // Not awaiting `opening`: with Redis away it never settles. It closes what it opens late.
    await events?.close();
  };

  const stream: OutboxEventStream = {
    ready,
    close,
    next() {
      const event = buffered.shift();
      if (event) return Promise.resolve({ value: event, done: false });
      if (failure) return Promise.reject(failure);
      if (closed) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve, reject) =>
        waiting.push((result) =>
          "done" in result ? resolve(result) : reject(result as AgentMailError),
        ),
      );
    },
    async return() {
      await stream.close();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return stream;
    },
  };
  return stream;
}
