import {
  AgentMailError,
  type AttachmentStatusSchema,
  type InboxItemSchema,
  Limits,
  type MessageSchema,
} from "@assmbl/core";
import type { AttachmentStatus, PlatformAttachment } from "@assmbl/mime/read";
import { z } from "zod";

/**
 * Filters and paging of `listInbox` / `iterInbox` (camelCase for the wire's snake_case query).
 *
 * @example
 * const query: InboxQuery = { verifiedOnly: true, q: "invoice", limit: 50 };
 */
export interface InboxQuery {
  /** Page size, 1–100 (platform default 20). */
  limit?: number | undefined;
  /** `nextCursor` of the previous page. */
  cursor?: string | undefined;
  /** Only messages whose sender the platform verified. */
  verifiedOnly?: boolean | undefined;
  /** Case-insensitive substring of the subject or sender. */
  q?: string | undefined;
  label?: string | undefined;
  isRead?: boolean | undefined;
  /** Archived messages are hidden unless `true`. */
  includeArchived?: boolean | undefined;
}

export const InboxQueryOptionsSchema = z
  .strictObject({
    limit: z.int().min(1).max(Limits.inboxPageSize).optional(),
    cursor: z.string().min(1).optional(),
    verifiedOnly: z.boolean().optional(),
    q: z.string().min(1).optional(),
    label: z.string().min(1).optional(),
    isRead: z.boolean().optional(),
    includeArchived: z.boolean().optional(),
  })
  .optional();

/**
 * The `GET /inbox` query string of a parsed {@link InboxQuery}.
 *
 * @example
 * toWireQuery({ verifiedOnly: true }); // { verified_only: "true" }
 */
export function toWireQuery(
  query: z.output<typeof InboxQueryOptionsSchema>,
): Record<string, string> {
  const wire: Record<string, string> = {};
  if (!query) return wire;
  if (query.limit !== undefined) wire.limit = String(query.limit);
  if (query.cursor !== undefined) wire.cursor = query.cursor;
  if (query.verifiedOnly !== undefined) wire.verified_only = String(query.verifiedOnly);
  if (query.q !== undefined) wire.q = query.q;
  if (query.label !== undefined) wire.label = query.label;
  if (query.isRead !== undefined) wire.is_read = String(query.isRead);
  if (query.includeArchived !== undefined) wire.include_archived = String(query.includeArchived);
  return wire;
}

/**
 * One message of the inbox.
 *
 * @example
 * for await (const item of client.iterInbox({ verifiedOnly: true })) console.log(item.subject, item.receivedAt.toISOString());
 */
export interface InboxItem {
  /** The platform's message id (`MessageID`): what `getMessage` and `fetchMessage` take. */
  id: string;
  sender: string;
  senderVerified: boolean;
  subject: string;
  receivedAt: Date;
  labels: string[];
  isRead: boolean;
  isArchived: boolean;
}

/**
 * One page of `GET /inbox`, oldest first.
 *
 * @example
 * const { items, nextCursor } = await client.listInbox({ limit: 100 });
 */
export interface InboxPage {
  items: InboxItem[];
  /** Pass as `cursor` for the next page; `null` on the last page. */
  nextCursor: string | null;
}

/**
 * An attachment as the platform lists it.
 *
 * @example
 * const pending = message.attachments.filter((a: AttachmentInfo) => a.status === "pending");
 */
export interface AttachmentInfo {
  index: number;
  status: AttachmentStatus;
  filename: string;
  contentType: string;
  size: number | null;
}

/**
 * `GET /messages/{id}`: the inbox fields, the raw MIME and the attachments' status.
 *
 * @example
 * const { rawMime, attachments } = await client.getMessage(id);
 */
export interface StoredMessage extends InboxItem {
  /** The message as received (RFC 5322). */
  rawMime: string;
  attachments: AttachmentInfo[];
}

/**
 * Converts one wire inbox item.
 *
 * @example
 * toInboxItem({ MessageID: "m1", Sender: "a@x.example", SenderVerified: true, Subject: "hi", ReceivedAt: "2026-01-01T00:00:00Z" });
 * @throws {AgentMailError} `invalid_response` for a `ReceivedAt` that is not a date.
 */
export function toInboxItem(wire: z.output<typeof InboxItemSchema>): InboxItem {
  const receivedAt = new Date(wire.ReceivedAt);
  if (Number.isNaN(receivedAt.getTime())) {
    throw new AgentMailError({
      code: "invalid_response",
      message: `inbox item ${wire.MessageID}: ReceivedAt is not a date`,
    });
  }
  return {
    id: wire.MessageID,
    sender: wire.Sender,
    senderVerified: wire.SenderVerified,
    subject: wire.Subject,
    receivedAt,
    labels: [...(wire.Labels ?? [])],
    isRead: wire.IsRead ?? false,
    isArchived: wire.IsArchived ?? false,
  };
}

/**
 * Converts one wire attachment status.
 *
 * @example
 * toAttachmentInfo({ index: 0, status: "ready", file_name: "a.asc", content_type: "application/pgp-encrypted", size: 10 });
 */
export function toAttachmentInfo(wire: z.output<typeof AttachmentStatusSchema>): AttachmentInfo {
  return {
    index: wire.index,
    status: wire.status,
    filename: wire.file_name,
    contentType: wire.content_type,
    size: wire.size ?? null,
  };
}

/**
 * Converts `GET /messages/{id}`.
 *
 * @example
 * const message = toStoredMessage(body);
 * @throws {AgentMailError} `invalid_response`.
 */
export function toStoredMessage(wire: z.output<typeof MessageSchema>): StoredMessage {
  return {
    ...toInboxItem(wire),
    rawMime: wire.raw_mime,
    attachments: wire.attachments.map(toAttachmentInfo),
  };
}

/**
 * The platform's view of an attachment, for `readMessage`.
 *
 * @example
 * const platform = stored.attachments.map(toPlatformAttachment);
 */
export function toPlatformAttachment(info: AttachmentInfo): PlatformAttachment {
  return {
    index: info.index,
    status: info.status,
    fileName: info.filename,
    contentType: info.contentType,
    size: info.size,
  };
}
