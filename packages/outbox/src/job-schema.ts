// A job's data is input from Redis, trusted no more than any other: its shape is checked before
// the first copy goes (core's validatePreparedMessage then checks each copy's content), so a
// malformed job fails once with invalid_message instead of throwing TypeErrors on every retry.
import { AgentMailError } from "@assmbl/core";
import { z } from "zod";
import type { OutboxJobData } from "./serialize.js";

// The prepared message's keys, no others; their values are core's to validate.
const StoredMessageSchema = z.strictObject({
  specificationVersion: z.literal("v1"),
  from: z.unknown(),
  to: z.array(z.unknown()),
  cc: z.array(z.unknown()),
  bcc: z.array(z.unknown()),
  replyTo: z.array(z.unknown()),
  subject: z.string(),
  text: z.string(),
  html: z.string().optional(),
  headers: z.record(z.string(), z.string()),
  attachments: z.array(
    z.strictObject({
      manifest: z.record(z.string(), z.unknown()),
      base64: z.base64().optional(),
    }),
  ),
  correlationId: z.string().optional(),
  idempotencyKey: z.string().optional(),
  marketplaceRequestId: z.string().optional(),
  usage: z.unknown().optional(),
  encrypted: z.strictObject({ body: z.boolean() }),
});

const JobDataSchema = z
  .strictObject({
    v: z.literal(1),
    fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
    idempotencyKey: z.string().min(1),
    copies: z
      .array(z.strictObject({ kind: z.enum(["primary", "bcc"]), message: StoredMessageSchema }))
      .min(1)
      .max(10_000),
  })
  // The primary copy goes under the job's key (Bcc copies carry keys derived from it): one
  // naming another would escape the job's deduplication.
  .refine(
    (data) =>
      data.copies.every(
        (copy) => copy.kind !== "primary" || copy.message.idempotencyKey === data.idempotencyKey,
      ),
    { message: "the primary copy must carry the job's idempotencyKey", path: ["copies"] },
  );

/**
 * The job's data, checked.
 * @throws {AgentMailError} `invalid_message` naming the first wrong field.
 * @internal
 */
export function parseJobData(data: unknown): OutboxJobData {
  const result = JobDataSchema.safeParse(data);
  if (result.success) return result.data as OutboxJobData;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? issue.path.join(".") : "(root)";
  throw new AgentMailError({
    code: "invalid_message",
    message: `the job's data is not an outbox job (${where}: ${issue?.message ?? "invalid"}); it is not sent. Enqueue jobs with outbox.enqueue only`,
    outcome: "not_sent",
  });
}
