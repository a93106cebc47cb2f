import type { AttachmentStatusSchema, InboxItemSchema, MessageSchema } from "@assmbl/core";
import type { z } from "zod";
import type { DevAttachmentStatus, DevInboxMessage } from "./inbox.js";
import type { MimeAttachment } from "./mime/attachments.js";

/**
 * One `GET /inbox` item (PascalCase, as the platform spells it).
 *
 * @example
 * const { MessageID, SenderVerified }: InboxItemWire = page.items[0];
 */
export type InboxItemWire = z.output<typeof InboxItemSchema>;
/**
 * `GET /messages/{id}` response.
 *
 * @example
 * const { raw_mime, attachments }: MessageWire = await response.json();
 */
export type MessageWire = z.output<typeof MessageSchema>;
/**
 * One attachment's status, as `GET /messages/{id}` lists it and
 * `GET /messages/{id}/attachments/{index}` answers it.
 *
 * @example
 * const { status, size }: AttachmentStatusWire = message.attachments[0];
 */
export type AttachmentStatusWire = z.output<typeof AttachmentStatusSchema>;

/** A message as `GET /inbox` lists it. */
export function inboxItemWire(message: DevInboxMessage): InboxItemWire {
  return {
    MessageID: message.id,
    Sender: message.sender,
    SenderVerified: message.senderVerified,
    Subject: message.subject,
    ReceivedAt: message.receivedAt.toISOString(),
    Labels: [...message.labels],
    IsRead: message.isRead,
    IsArchived: message.isArchived,
  };
}

/**
 * An attachment part and its status, as the message routes answer it; `size` is the referenced
 * object's for an attachment delivered by reference (its part is empty), else the part's.
 */
export function attachmentWire(
  index: number,
  part: MimeAttachment,
  status: DevAttachmentStatus,
  size: number = part.bytes.byteLength,
): AttachmentStatusWire {
  return {
    index,
    status,
    file_name: part.fileName,
    content_type: part.contentType,
    size,
  };
}
