import type { Mailbox } from "./address.js";
import { AgentMailError } from "./errors.js";
import { AgentMailHeaders } from "./headers.js";
import { encodeManifest } from "./manifest.js";
import type { ManifestRow } from "./schemas/manifest.js";

/** Attachment bytes as the mailer hands them on: whole, or a web stream for large files. */
export type AttachmentBytes = Uint8Array | ReadableStream<Uint8Array>;

/** One attachment of a prepared message. */
export interface PreparedAttachment {
  /** The manifest row as it goes on the wire; `index` is the MIME order. */
  manifest: ManifestRow;
  /** What to send (ciphertext when `manifest.encrypted`); absent for a reference to stored bytes (`manifest.object_key`). */
  content?: AttachmentBytes;
}

/**
 * A message after validation, key lookup and encryption: what a transport moves. Transports
 * never encrypt. They call `assertPrepared` first and deliver what it returns: a message
 * `createMailer` made is frozen and marked as validated, so that is O(1); one built by hand (or
 * a changed copy) is validated once there by `validatePreparedMessage`.
 */
export interface PreparedMessage {
  readonly specificationVersion: "v1";
  from: Mailbox;
  to: Mailbox[];
  cc: Mailbox[];
  /**
   * Delivered to, never named in a header. Empty when the mailer encrypts: each Bcc recipient of
   * an encrypted message gets a copy of its own (a separate prepared message).
   */
  bcc: Mailbox[];
  replyTo: Mailbox[];
  subject: string;
  /** The body: plaintext, or one ASCII-armored OpenPGP message when `encrypted.body`. */
  text: string;
  /** Never present when the body is encrypted. */
  html?: string;
  /**
   * `X-AgentMail-Encrypted`, `X-AgentMail-Attachments` and the caller's headers, in order: the
   * `headers` of a `/send` request. {@link mimeHeaders} adds the workflow headers for MIME.
   */
  headers: Record<string, string>;
  attachments: PreparedAttachment[];
  correlationId?: string;
  idempotencyKey?: string;
  marketplaceRequestId?: string;
  encrypted: { body: boolean };
}

/** Per-send options a transport receives. */
export interface TransportSendOptions {
  signal?: AbortSignal;
}

/** What a transport reports after the message left. */
export interface TransportResult {
  /** The id the receiving side will see (`Message-ID` or the platform's message id). */
  messageId: string;
  /** Set when the transport (or the platform) assigned or echoed one. */
  correlationId?: string;
  idempotencyKey?: string;
  /**
   * Each recipient's status, when the platform reports one (ours: the dev server's `/send` answers
   * `delivered`, `outbound` for a domain it does not serve, or `unknown_agent`).
   */
  recipients?: { address: string; status: string }[];
}

/**
 * A way to move a prepared message: SES, the AgentMail API, or your own. A transport is a tiny
 * object; composition and encryption happen before it is called.
 *
 * @example
 * const logTransport: MailTransport = {
 *   specificationVersion: "v1",
 *   name: "log",
 *   async send(message) {
 *     const checked = assertPrepared(message); // O(1) for a message createMailer prepared
 *     console.log(checked.subject);
 *     return { messageId: crypto.randomUUID() };
 *   },
 * };
 */
export interface MailTransport {
  /** The version of this interface the transport implements. */
  readonly specificationVersion: "v1";
  /** Reported in send results, e.g. `ses` or `agentmail-api`. */
  readonly name: string;
  send(message: PreparedMessage, options: TransportSendOptions): Promise<TransportResult>;
}

/**
 * The headers a MIME rendering of `message` carries beyond the addressing ones: the
 * `X-AgentMail-*` headers in a fixed order, then the caller's headers.
 *
 * @example
 * for (const [name, value] of Object.entries(mimeHeaders(prepared))) lines.push(`${name}: ${value}`);
 */
export function mimeHeaders(message: PreparedMessage): Record<string, string> {
  const {
    [AgentMailHeaders.encrypted]: encrypted,
    [AgentMailHeaders.attachments]: manifest,
    ...custom
  } = message.headers;
  const out: Record<string, string> = {};
  if (encrypted !== undefined) out[AgentMailHeaders.encrypted] = encrypted;
  if (manifest !== undefined) out[AgentMailHeaders.attachments] = manifest;
  if (message.correlationId) out[AgentMailHeaders.correlationId] = message.correlationId;
  if (message.idempotencyKey) out[AgentMailHeaders.idempotencyKey] = message.idempotencyKey;
  if (message.marketplaceRequestId)
    out[AgentMailHeaders.marketplaceRequestId] = message.marketplaceRequestId;
  return Object.assign(out, custom);
}

/**
 * Returns a copy of `message` whose attachments carry `rows` and whose `X-AgentMail-Attachments`
 * header is re-encoded from them. A transport calls it once it knows more than the mailer did:
 * the `object_key` of an upload, the `size` of a streamed file.
 *
 * @example
 * const rows = prepared.attachments.map((a, i) => ({ ...a.manifest, object_key: keys[i] }));
 * const sent = withManifestRows(prepared, rows);
 * @throws {AgentMailError} `invalid_manifest` when the rows are invalid or their count differs.
 */
export function withManifestRows(
  message: PreparedMessage,
  rows: readonly ManifestRow[],
): PreparedMessage {
  if (rows.length !== message.attachments.length) {
    throw new AgentMailError({
      code: "invalid_manifest",
      message: `manifest has ${rows.length} rows for ${message.attachments.length} attachments`,
    });
  }
  if (rows.length === 0) return message;
  const value = encodeManifest(rows);
  return {
    ...message,
    attachments: message.attachments.map((attachment, i) => ({
      ...attachment,
      manifest: rows[i] as ManifestRow,
    })),
    headers: { ...message.headers, [AgentMailHeaders.attachments]: value },
  };
}
