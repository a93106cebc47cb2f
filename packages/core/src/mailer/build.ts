import { AgentMailHeaders, ENCRYPTED_BODY } from "../headers.js";
import { encodeManifest } from "../manifest.js";
import { type ManifestRow, OPENPGP_ARMORED } from "../schemas/manifest.js";
import type { PreparedAttachment, PreparedMessage } from "../transport.js";
import type { EncryptedParts } from "./encrypt.js";
import type { NormalizedAttachment, NormalizedMessage } from "./normalize.js";

/**
 * Step 4 of the pipeline: the manifest and the headers, and the prepared message a transport
 * receives.
 *
 * @example
 * const prepared = buildPrepared(normalized, await encryptParts(normalized, recipients, crypto));
 */
export function buildPrepared(message: NormalizedMessage, parts: EncryptedParts): PreparedMessage {
  const attachments: PreparedAttachment[] = parts.attachments.map((attachment, index) => ({
    manifest: manifestRow(attachment, index),
    ...(attachment.content ? { content: attachment.content } : {}),
  }));
  const headers: Record<string, string> = {};
  if (parts.bodyEncrypted) headers[AgentMailHeaders.encrypted] = ENCRYPTED_BODY;
  if (attachments.length > 0)
    headers[AgentMailHeaders.attachments] = encodeManifest(attachments.map((a) => a.manifest));
  Object.assign(headers, message.headers);
  return {
    specificationVersion: "v1",
    from: message.from,
    to: message.to,
    cc: message.cc,
    bcc: message.bcc,
    replyTo: message.replyTo,
    subject: message.subject,
    text: parts.text,
    ...(message.html === undefined ? {} : { html: message.html }),
    headers,
    attachments,
    ...(message.correlationId === undefined ? {} : { correlationId: message.correlationId }),
    ...(message.idempotencyKey === undefined ? {} : { idempotencyKey: message.idempotencyKey }),
    ...(message.marketplaceRequestId === undefined
      ? {}
      : { marketplaceRequestId: message.marketplaceRequestId }),
    ...(message.usage === undefined ? {} : { usage: message.usage }),
    encrypted: { body: parts.bodyEncrypted },
  };
}

function manifestRow(attachment: NormalizedAttachment, index: number): ManifestRow {
  return {
    index,
    filename: attachment.filename,
    content_type: attachment.contentType,
    ...(attachment.size === undefined ? {} : { size: attachment.size }),
    encrypted: attachment.encrypted,
    ...(attachment.encrypted ? { encryption: { ...OPENPGP_ARMORED } } : {}),
    ...(attachment.originalFilename === undefined
      ? {}
      : { original_filename: attachment.originalFilename }),
    ...(attachment.originalContentType === undefined
      ? {}
      : { original_content_type: attachment.originalContentType }),
    ...(attachment.objectKey === undefined ? {} : { object_key: attachment.objectKey }),
  };
}
