// After queue.add: was the job this call's, or did the key already have one? BullMQ returns the
// existing job id for a repeated id and keeps the stored data, so a repeat is told apart by
// the stored timestamp, and "the same message" by the fingerprint at the head of the stored
// data (read server-side: only its first bytes cross the wire, never the whole job).
import { AgentMailError } from "@assmbl/core";
import type { Queue } from "bullmq";
import { codeOfReason } from "./connection.js";
import type { OutboxEvent } from "./events.js";

const HEAD = `
local h = redis.call('HMGET', KEYS[1], 'timestamp', 'failedReason')
local d = redis.call('HGET', KEYS[1], 'data')
return {h[1] or '', h[2] or '', d and string.sub(d, 1, 160) or ''}`;

/**
 * `undefined` when the stored job is the one this call added; else where the earlier job is.
 * @throws {AgentMailError} `idempotency_key_reused` when the stored job holds another message.
 * @internal
 */
export async function checkRepeat(
  queue: Queue,
  jobId: string,
  timestamp: number,
  fingerprint: string,
  idempotencyKey: string,
): Promise<{ state: OutboxEvent["state"]; code?: string } | undefined> {
  const client = (await queue.backend.client) as unknown as import("ioredis").Redis;
  const [storedAt, failedReason, head] = (await client.eval(HEAD, 1, queue.toKey(jobId))) as [
    string,
    string,
    string,
  ];
  // Removed since (finished and trimmed): nothing to compare with.
  if (head === "")
    return storedAt === "" || storedAt === String(timestamp) ? undefined : { state: "sent" };
  const stored = /^\{"v":1,"fingerprint":"([0-9a-f]{64})"/.exec(head)?.[1];
  if (stored !== undefined && stored !== fingerprint) {
    throw new AgentMailError({
      code: "idempotency_key_reused",
      message:
        `the outbox already holds a job under idempotencyKey "${idempotencyKey}" for a different message ` +
        "(other recipients, subject, headers or clear content); nothing was queued. Use a new idempotency key for a new message",
      idempotencyKey,
      retryable: false,
    });
  }
  if (storedAt === String(timestamp)) return undefined;
  const state = await queue.getJobState(jobId);
  const mapped: OutboxEvent["state"] =
    state === "completed"
      ? "sent"
      : state === "failed"
        ? "failed"
        : state === "active"
          ? "sending"
          : "queued";
  const code = mapped === "failed" ? (codeOfReason(failedReason) ?? "transport_failed") : undefined;
  return { state: mapped, ...(code ? { code } : {}) };
}
