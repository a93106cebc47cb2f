import { createHash } from "node:crypto";
import type { RedisOptions as BullRedisOptions } from "bullmq";
import type { OutboxConnection } from "./options.js";

/** BullMQ's connection options for ours: a URL becomes `{ url }`; options pass through. @internal */
export function bullConnection(connection: OutboxConnection): BullRedisOptions {
  // ioredis' own options type and BullMQ's copy of it differ only in how optional keys are
  // spelled under exactOptionalPropertyTypes.
  return typeof connection === "string"
    ? { url: connection }
    : ({ ...connection } as BullRedisOptions);
}

// BullMQ refuses custom job ids with `:` or made of digits only.
const PLAIN_ID = /^[A-Za-z0-9_.-]{1,200}$/;

/**
 * The job id of a send: its idempotency key when BullMQ takes that as an id, else `h_` and a
 * SHA-256 of it. One key, one job: enqueuing a key the queue still holds returns that job.
 * @internal
 */
export function jobIdFor(idempotencyKey: string): string {
  if (
    PLAIN_ID.test(idempotencyKey) &&
    !/^\d+$/.test(idempotencyKey) &&
    !idempotencyKey.startsWith("h_")
  ) {
    return idempotencyKey;
  }
  return `h_${createHash("sha256").update(idempotencyKey).digest("hex").slice(0, 40)}`;
}

/** The failure code a worker put at the front of a job's `failedReason` (`code: message`). @internal */
export function codeOfReason(reason: string | undefined): string | undefined {
  return reason === undefined ? undefined : /^([a-z][a-z0-9_]*): /.exec(reason)?.[1];
}
