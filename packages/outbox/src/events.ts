// Job progress as a stream of OutboxEvent, from BullMQ's per-queue event stream (a Redis stream
// every producer and worker writes to), so one process sees what every worker did.
import { Job, type Queue, QueueEvents } from "bullmq";
import { bullConnection, codeOfReason } from "./connection.js";
import type { OutboxConnection } from "./options.js";

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
  /** Resolves once the stream reads Redis: every event after this point is delivered. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/** Opens a stream of the queue's events from now on. @internal */
export function openEvents(
  queue: Queue,
  connection: OutboxConnection,
  queueName: string,
): OutboxEventStream {
  const buffered: OutboxEvent[] = [];
  const waiting: ((result: IteratorResult<OutboxEvent>) => void)[] = [];
  let closed = false;
  let events: QueueEvents | undefined;
  // Events can arrive in any order from the lookups below: keep them in stream order.
  let chain: Promise<void> = Promise.resolve();

  const push = (event: OutboxEvent) => {
    if (closed) return;
    const next = waiting.shift();
    if (next) next({ value: event, done: false });
    else buffered.push(event);
  };
  const keyOf = async (jobId: string): Promise<string> => {
    if (!jobId.startsWith("h_")) return jobId;
    const job = await Job.fromId(queue, jobId);
    return job?.name ?? jobId;
  };
  const emit = (jobId: string, rest: Omit<OutboxEvent, "jobId" | "idempotencyKey">) => {
    chain = chain.then(async () => {
      const idempotencyKey = await keyOf(jobId).catch(() => jobId);
      push({ jobId, idempotencyKey, ...rest });
    });
  };

  const ready = (async () => {
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
  ready.catch(() => {});

  const close = async () => {
    if (closed) return;
    closed = true;
    for (const resolve of waiting.splice(0)) resolve({ value: undefined, done: true });
    await ready.catch(() => {});
    await events?.close();
  };

  const stream: OutboxEventStream = {
    ready,
    close,
    next() {
      const event = buffered.shift();
      if (event) return Promise.resolve({ value: event, done: false });
      if (closed) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => waiting.push(resolve));
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
