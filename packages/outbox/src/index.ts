export type { OutboxEvent, OutboxEventStream } from "./events.js";
export {
  DEFAULT_QUEUE_NAME,
  type EnqueueOptions,
  type OutboxConnection,
  type OutboxOptions,
  type OutboxWorkerOptions,
  type RedisRateLimiterOptions,
  type UnknownOutcomePolicy,
} from "./options.js";
export {
  createOutbox,
  type EnqueueResult,
  type Outbox,
} from "./outbox.js";
export { type RedisRateLimiter, redisRateLimiter } from "./rate-limiter.js";
export { MAX_JOB_BYTES } from "./serialize.js";
export {
  type OutboxJobResult,
  type OutboxSentCopy,
  type OutboxWorker,
  startOutboxWorker,
} from "./worker.js";
