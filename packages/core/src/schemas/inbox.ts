import { z } from "zod";
import { Limits } from "../limits.js";

const booleanQuery = z.union([
  z.boolean(),
  z.enum(["true", "false"]).transform((v) => v === "true"),
]);

/**
 * `GET /inbox` query (ours). Strings as they arrive in a URL are accepted for numbers and booleans.
 *
 * @example
 * InboxQuerySchema.parse({ limit: "20", verified_only: "true" });
 */
export const InboxQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(Limits.inboxPageSize).optional(),
  cursor: z.string().min(1).optional(),
  verified_only: booleanQuery.optional(),
  q: z.string().min(1).optional(),
  label: z.string().min(1).optional(),
  is_read: booleanQuery.optional(),
  include_archived: booleanQuery.optional(),
});

/**
 * Attachment status on a received message (ours).
 *
 * @example
 * AttachmentStatusSchema.parse({ index: 0, status: "ready", file_name: "a.asc", content_type: "application/pgp-encrypted", size: 10 });
 */
export const AttachmentStatusSchema = z.object({
  index: z.int().nonnegative(),
  status: z.enum(["pending", "ready", "failed"]),
  file_name: z.string(),
  content_type: z.string(),
  size: z.int().nonnegative().nullable().optional(),
});

/**
 * One item of `GET /inbox` (PascalCase keys, as the platform spells them).
 *
 * @example
 * InboxItemSchema.parse({ MessageID: "m1", Sender: "a@x.example", SenderVerified: true, Subject: "hi", ReceivedAt: "2026-01-01T00:00:00Z" });
 */
export const InboxItemSchema = z.looseObject({
  MessageID: z.string().min(1),
  Sender: z.string(),
  SenderVerified: z.boolean(),
  Subject: z.string(),
  ReceivedAt: z.string(),
  /** (ours) The state the `label`, `is_read` and `include_archived` filters select on. */
  Labels: z.array(z.string()).optional(),
  IsRead: z.boolean().optional(),
  IsArchived: z.boolean().optional(),
});

/**
 * `GET /inbox` response: items oldest first, `next_cursor` null on the last page.
 *
 * @example
 * InboxPageSchema.parse({ items: [], next_cursor: null });
 */
export const InboxPageSchema = z.object({
  items: z.array(InboxItemSchema),
  next_cursor: z.string().nullable(),
});

/**
 * `GET /messages/{id}` (ours): the inbox fields, the raw MIME and the attachments' status.
 *
 * @example
 * MessageSchema.parse({ ...item, raw_mime: "From: ...", attachments: [] });
 */
export const MessageSchema = InboxItemSchema.extend({
  raw_mime: z.string(),
  attachments: z.array(AttachmentStatusSchema),
});
