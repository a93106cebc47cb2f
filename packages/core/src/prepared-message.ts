// The one validation of a PreparedMessage. createMailer runs it last and hands transports a
// frozen message marked as validated; a transport calls assertPrepared, which trusts that mark
// (O(1)) and validates anything else once: a message built by hand, read back from a queue, or
// a changed copy of a prepared one (a copy carries no mark).

import { z } from "zod";
import { isReadableStream } from "./bytes.js";
import { guardCiphertext } from "./ciphertext-guard.js";
import { AgentMailError } from "./errors.js";
import { CustomUnitsSchema } from "./mailer/schemas.js";
import { checkAttachments, checkBody, checkHeaders } from "./prepared-checks.js";
import { SendUsageSchema } from "./schemas/billing.js";
import { ManifestRowSchema } from "./schemas/manifest.js";
import type { AttachmentBytes, PreparedAttachment, PreparedMessage } from "./transport.js";
import { parseInput } from "./validate.js";

// Module-level, not a symbol on the message: a mark cannot be forged, copied by a spread, or
// carried through JSON or structuredClone. Two copies of core (two versions installed) each
// keep their own map, so a transport's core validates a message another core marked once more,
// under its own rules: slower, never weaker. Each validated message maps to the one a transport
// sends: itself, or (when it has encrypted attachment bytes) a twin holding private copies of
// them, since a typed array cannot be frozen and the caller can still write into the other's.
const validated = new WeakMap<object, PreparedMessage>();

const MailboxSchema = z.object({
  address: z.string(),
  localPart: z.string(),
  domain: z.string(),
  name: z.string().optional(),
});

// Not strict: a message from a newer core may carry fields this one does not know; they are
// dropped from the validated copy, since a transport moves only what it understands.
const PreparedSchema = z.object({
  specificationVersion: z.literal("v1"),
  from: MailboxSchema,
  to: z.array(MailboxSchema),
  cc: z.array(MailboxSchema),
  bcc: z.array(MailboxSchema),
  replyTo: z.array(MailboxSchema),
  subject: z.string(),
  text: z.string(),
  html: z.string().optional(),
  headers: z.record(z.string(), z.string()),
  attachments: z.array(
    z.object({
      manifest: ManifestRowSchema,
      content: z
        .custom<AttachmentBytes>(
          // isView reads the internal slot: a Proxy passes instanceof, then fails every read.
          (value) =>
            (value instanceof Uint8Array && ArrayBuffer.isView(value)) || isReadableStream(value),
          "expected a Uint8Array or a ReadableStream",
        )
        .optional(),
    }),
  ),
  correlationId: z.string().optional(),
  idempotencyKey: z.string().optional(),
  marketplaceRequestId: z.string().optional(),
  // Strict, unlike the message: a usage field this core does not know would be dropped from what
  // is billed, and a billing report silently cut short is a money bug. Refused instead.
  usage: SendUsageSchema.extend({ custom_units: CustomUnitsSchema.optional() }).optional(),
  encrypted: z.object({ body: z.boolean() }),
});

/**
 * Validates a prepared message, every check in one place: its structure (specification v1),
 * every value bound for a header (subject, addresses, the `X-AgentMail-*` headers, the caller's
 * headers, filenames and media types) through core's header-safety checks, no reserved header
 * and no name twice, at least one recipient, `usage` in the wire spelling of `/send` (strict: a
 * field this core does not know is refused, never dropped from a billing report), the manifest rows in MIME order with
 * `X-AgentMail-Attachments` (when given) their exact encoding, and an encrypted body or attachment as one
 * armored OpenPGP message (no HTML beside an encrypted body).
 *
 * Returns a validated copy, frozen (its arrays, mailboxes, rows and headers too) and marked, so
 * {@link assertPrepared} trusts it without a second pass. An encrypted attachment's bytes are
 * copied, and the copy checked and kept out of reach: byte arrays cannot be frozen in
 * JavaScript, so the returned message holds the bytes as given and {@link assertPrepared} hands
 * a transport the copy (bytes written into the others after validation never go out as
 * ciphertext). An encrypted stream is wrapped in core's streaming ciphertext check and checked
 * as the transport reads it (never read twice, never released unchecked).
 *
 * @example
 * const checked = validatePreparedMessage(JSON.parse(queued)); // then transport.send(checked)
 * @throws {AgentMailError} `invalid_message`, `header_injection`, `invalid_header`,
 * `reserved_header`, `invalid_address`, `no_recipients`, `invalid_attachment`,
 * `invalid_manifest`, `encryption_failed`, `html_not_encryptable`.
 */
export function validatePreparedMessage(message: unknown): PreparedMessage {
  return validate(message, { ciphertextChecked: false });
}

/**
 * What a transport calls first: for a message this core validated (from `createMailer` or from
 * {@link validatePreparedMessage}), `message` itself or, when it has encrypted attachment bytes,
 * its twin holding the copies of them that were checked (O(1) either way); else a validated copy
 * of `message`. Send what it returns, never `message`.
 *
 * @example
 * async send(message, options) {
 *   const checked = assertPrepared(message); // throws before anything is rendered or sent
 *   return deliver(checked, options);
 * }
 * @throws {AgentMailError} as {@link validatePreparedMessage}.
 */
export function assertPrepared(message: unknown): PreparedMessage {
  const sendable = isValidatedPrepared(message) ? validated.get(message) : undefined;
  return sendable ?? (validated.get(validatePreparedMessage(message)) as PreparedMessage);
}

/**
 * Whether this copy of core validated `message` (and so froze it).
 *
 * @example
 * isValidatedPrepared(await mailer.prepare(message)); // true
 * isValidatedPrepared({ ...(await mailer.prepare(message)) }); // false: a copy is validated again
 */
export function isValidatedPrepared(message: unknown): message is PreparedMessage {
  return typeof message === "object" && message !== null && validated.has(message);
}

/**
 * The mailer's last step: {@link validatePreparedMessage} without a second pass over the
 * ciphertext, which `encryptParts` already held to stricter expectations (each recipient's key,
 * the crypto's v6 opt-in) and whose streams it already wraps in the streaming check.
 *
 * @internal
 */
export function sealMailerPrepared(message: PreparedMessage): PreparedMessage {
  return validate(message, { ciphertextChecked: true });
}

function validate(message: unknown, options: { ciphertextChecked: boolean }): PreparedMessage {
  // zod's output is a fresh copy (bytes and streams by reference): checked, frozen and sent,
  // so nothing the caller still holds can change what was checked.
  const copy = parseInput(
    PreparedSchema,
    message,
    "prepared message",
    "invalid_message",
  ) as PreparedMessage;
  if (copy.usage !== undefined && copy.marketplaceRequestId === undefined) {
    // Usage settles a marketplace request; without one it bills nothing and would be lost.
    throw new AgentMailError({
      code: "invalid_message",
      message: "prepared message: usage needs a marketplaceRequestId (it settles that request)",
    });
  }
  checkHeaders(copy);
  checkBody(copy, options.ciphertextChecked);
  checkAttachments(copy);
  const sent = copy.attachments.map((attachment, i) =>
    guarded(attachment, i, options.ciphertextChecked),
  );
  // The caller's message keeps the caller's bytes; the transport gets the checked copies.
  const held = copy.attachments.map((attachment, i) =>
    attachment.content instanceof Uint8Array ? attachment : (sent[i] as PreparedAttachment),
  );
  const sealed = deepFreeze({ ...copy, attachments: held });
  const twin = sent.every((attachment, i) => attachment === held[i])
    ? sealed
    : deepFreeze({ ...copy, attachments: sent });
  validated.set(sealed, twin);
  validated.set(twin, twin);
  return sealed;
}

function guarded(
  attachment: PreparedAttachment,
  index: number,
  ciphertextChecked: boolean,
): PreparedAttachment {
  const { content, manifest } = attachment;
  if (!manifest.encrypted || content === undefined) return attachment;
  if (content instanceof Uint8Array) {
    // A copy made through the array's internal slots (no method of a subclass runs), checked
    // unless the mailer already checked these bytes, and never handed to the caller: nothing
    // written into the caller's array afterwards reaches the wire. A copy costs 1-2 ms per MiB,
    // the check ~15 (bench/sealed-bytes.mjs): the mailer's bytes are copied, not checked again.
    const bytes = new Uint8Array(content);
    if (!ciphertextChecked) guard(bytes, index, manifest.filename);
    return { manifest, content: bytes };
  }
  // The mailer's streams are wrapped in the check already; anyone else's is wrapped here.
  if (ciphertextChecked) return attachment;
  return { manifest, content: guard(content, index, manifest.filename) };
}

function guard(content: AttachmentBytes, index: number, filename: string): AttachmentBytes {
  // Shape only (v6 allowed), as for the body. Bytes are checked now; a stream as it is read.
  return guardCiphertext(content, `attachments[${index}] (${filename})`, { allowV6: true });
}

function deepFreeze(message: PreparedMessage): PreparedMessage {
  const mailbox = <T extends object>(entry: T): T => Object.freeze(entry);
  for (const list of [message.to, message.cc, message.bcc, message.replyTo]) {
    list.forEach(mailbox);
    Object.freeze(list);
  }
  mailbox(message.from);
  for (const attachment of message.attachments) {
    if (attachment.manifest.encryption) Object.freeze(attachment.manifest.encryption);
    Object.freeze(attachment.manifest);
    // The content itself stays as it is: a stream must stay readable, and a non-empty typed
    // array cannot be frozen.
    Object.freeze(attachment);
  }
  Object.freeze(message.attachments);
  Object.freeze(message.headers);
  Object.freeze(message.encrypted);
  if (message.usage) {
    if (message.usage.custom_units) Object.freeze(message.usage.custom_units);
    Object.freeze(message.usage);
  }
  return Object.freeze(message);
}
