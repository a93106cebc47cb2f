import { formatAddress, type PreparedMessage, type SendRequest } from "@assmbl/core";

/** An attachment as `/send` refers to it: bytes already in platform storage. */
export interface AttachmentRef {
  object_key: string;
  filename: string;
  content_type: string;
}

/**
 * The `POST /send` body (spec §5.1) of a prepared message whose attachments are all in storage.
 * The sender is not part of it: the platform sends as the token's agent. `marketplace_request_id`
 * and `usage` (the seller's billing report) are fields of the body, not only headers: the
 * platform meters by them.
 *
 * @example
 * const body = toSendRequest(withManifestRows(prepared, rows), refs, "idem-123");
 */
export function toSendRequest(
  message: PreparedMessage,
  attachments: readonly AttachmentRef[],
  idempotencyKey: string,
): SendRequest {
  return {
    to: message.to.map(formatAddress),
    cc: message.cc.map(formatAddress),
    bcc: message.bcc.map(formatAddress),
    ...(message.replyTo.length > 0 ? { reply_to: message.replyTo.map(formatAddress) } : {}),
    subject: message.subject,
    body: message.text,
    html: message.html ?? null,
    headers: { ...message.headers },
    attachments: [...attachments],
    correlation_id: message.correlationId ?? null,
    idempotency_key: idempotencyKey,
    marketplace_request_id: message.marketplaceRequestId ?? null,
    // Already in the wire spelling (core's SendUsageSchema, checked when the message was sealed).
    usage: message.usage === undefined ? null : { ...message.usage },
  };
}
