import type { Mailbox } from "./address.js";
import { AgentMailError } from "./errors.js";
import { AgentMailHeaders } from "./headers.js";
import { encodeManifest } from "./manifest.js";
import type { SendUsage } from "./schemas/billing.js";
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
  /**
   * What a seller reports for billing on a marketplace response, in the wire spelling of `/send`
   * (`SendUsageSchema`): `/send` carries it; it is never a MIME header, so a transport that cannot
   * carry it must refuse the message rather than drop it (the SES transport does, unless told).
   */
  usage?: SendUsage;
  encrypted: { body: boolean };
}

/** Per-send options a transport receives. */
export interface TransportSendOptions {
  signal?: AbortSignal;
}

/**
 * What a send did to billing, as the transport knows it.
 *
 * - `linked: true`: the platform metered the send (`/send`). `marketplace` is what it did for a
 *   send with a marketplace request id, when it did something: `reserved` (a buyer's request
 *   reached a seller with pricing), `settled` (a seller's response; `charge` in the seller's
 *   currency) or `not_settled` (a response with no open reservation between the two).
 *   `reservationKey` is the platform's `reservation_key`, when it gave one.
 * - `linked: false`: nothing was metered, and `reason` says why, e.g. `ses_not_metered` for a
 *   message sent directly through SES, which carries `X-AgentMail-Marketplace-Request-Id` but has
 *   no billing linkage (platform-documented).
 *
 * @example
 * const billing: SendBilling = { linked: true, marketplace: { status: "settled", charge: 0.0105 } };
 * if (!billing.linked) console.warn(`not metered: ${billing.reason}`);
 */
export type SendBilling =
  | {
      linked: true;
      marketplace?: { status: string; charge?: number };
      reservationKey?: string;
    }
  | {
      linked: false;
      /** Why the send was not metered, snake_case: `ses_not_metered`. */
      reason: string;
      /** What that means for the caller, in words. */
      detail?: string;
    };

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
  /**
   * What the send did to billing (see {@link SendBilling}). Absent when the transport does not
   * say: a transport of your own, or SES for a message with neither a marketplace request id nor
   * `usage`.
   */
  billing?: SendBilling;
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
