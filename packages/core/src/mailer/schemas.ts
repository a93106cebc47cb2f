import { z } from "zod";
import { type AttachmentContent, isAttachmentContent } from "../bytes.js";
import type { KeyDirectory } from "../key-directory.js";
import type { MailCrypto } from "../mail-crypto.js";
import { SendUsageSchema } from "../schemas/billing.js";
import { AbortSignalSchema, DomainNameSchema, MediaTypeSchema } from "../schemas/common.js";

const addressList = z.union([z.string(), z.array(z.string())]);
const headerMap = z.record(z.string(), z.string());
/** Longest correlation id, idempotency key or marketplace request id, derived keys included (ours). */
export const HEADER_TOKEN_MAX_LENGTH = 256;
// Tokens that travel in headers: printable, bounded.
const headerToken = z.string().min(1).max(HEADER_TOKEN_MAX_LENGTH);
// A parameter holding "=?" is read as an RFC 2047 encoded word by Python's email (it decodes
// them even in quoted parameters), so `charset="=?utf-8?q?EVIL=0D=0A?="` would not read back.
const mediaType = MediaTypeSchema.refine(
  (value) => !value.includes("=?"),
  'expected media type parameters without "=?" (readers decode it as an RFC 2047 encoded word)',
);
// A `name`/`filename` parameter (plain, `name*=` or `name*0=` sections) of the caller's: the
// composer writes the part's name from the attachment's filename, so on the wire it would be
// replaced while the manifest kept the caller's. Conservative: also matched inside a quoted value.
const NAME_PARAMETER = /;\s*(?:name|filename)\s*(?:\*[0-9]*\*?)?\s*=/i;
// The type an attachment part is sent with: one file, never a container. A multipart type would
// make the composer write a part structure of its own, and message/* parts are read as nested
// messages (both break how receivers, Python's email included, count and name the parts).
const partMediaType = mediaType
  .refine(
    (value) => !/^\s*(multipart|message)\//i.test(value),
    "expected a file's media type, not a multipart/* or message/* container (send those bytes as application/octet-stream)",
  )
  .refine(
    (value) => !NAME_PARAMETER.test(value),
    "expected no name or filename parameter: the attachment's name is its filename",
  );

export const ContentAttachmentSchema = z.strictObject({
  filename: z.string().min(1),
  content: z.custom<AttachmentContent>(
    isAttachmentContent,
    "expected bytes, a string, a ReadableStream or an async iterable",
  ),
  contentType: partMediaType.optional(),
  encrypted: z.boolean().optional(),
  originalFilename: z.string().min(1).optional(),
  originalContentType: mediaType.optional(),
});

export const StoredAttachmentSchema = z.strictObject({
  objectKey: z.string().min(1),
  filename: z.string().min(1),
  contentType: partMediaType,
  size: z.int().nonnegative().optional(),
  encrypted: z.boolean().optional(),
  originalFilename: z.string().min(1).optional(),
  originalContentType: mediaType.optional(),
});

// `SendUsagePayload` in the SDK's spelling: each field the wire field's own schema (same bounds),
// so the two cannot drift apart; `usageToWire` maps it 1:1.
const wire = SendUsageSchema.shape;
/**
 * `custom_units` with the wire bounds, refusing a unit named `__proto__`: zod's record output
 * would drop it silently (it cannot be set as an own key by assignment), and a unit silently cut
 * from a billing report is a money bug.
 *
 * @example
 * CustomUnitsSchema.parse({ files: 3 });
 */
export const CustomUnitsSchema = z
  // Typed as the wire record for callers; the record schema after the pipe does the checking.
  .custom<Record<string, number>>(
    (units) => typeof units !== "object" || units === null || !Object.hasOwn(units, "__proto__"),
    'expected no unit named "__proto__"',
  )
  .pipe(wire.custom_units.unwrap());
/**
 * A send's `usage` as the mailer takes it (camelCase, strict).
 *
 * @example
 * MailUsageSchema.parse({ tokensInput: 1200, customUnits: { files: 3 } });
 */
export const MailUsageSchema = z.strictObject({
  outcomesReturned: wire.outcomes_returned,
  tokensInput: wire.tokens_input,
  tokensOutput: wire.tokens_output,
  computeMs: wire.compute_ms,
  customUnits: CustomUnitsSchema.optional(),
});

export const MailMessageSchema = z.strictObject({
  to: addressList,
  cc: addressList.optional(),
  bcc: addressList.optional(),
  replyTo: addressList.optional(),
  subject: z.string(),
  text: z.string().optional(),
  html: z.string().optional(),
  headers: headerMap.optional(),
  // Each attachment is checked on its own below, so an error names the attachment by index.
  attachments: z.array(z.unknown()).optional(),
  correlationId: headerToken.optional(),
  idempotencyKey: headerToken.optional(),
  marketplaceRequestId: headerToken.optional(),
  usage: MailUsageSchema.optional(),
  peerAgentId: z.union([z.string(), z.record(z.string(), z.string())]).optional(),
  encrypt: z
    .union([
      z.boolean(),
      z.strictObject({
        body: z.boolean().optional(),
        attachments: z.boolean().optional(),
        freshKeys: z.boolean().optional(),
      }),
    ])
    .optional(),
});

const hasMethod = (method: string) => (value: unknown) =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as Record<string, unknown>)[method] === "function";

export const MailerOptionsSchema = z.strictObject({
  from: z.string(),
  mailDomain: DomainNameSchema,
  directory: z
    .custom<KeyDirectory>(hasMethod("lookup"), "expected a key directory with lookup()")
    .optional(),
  crypto: z
    .custom<MailCrypto>(hasMethod("encryptText"), "expected a MailCrypto implementation")
    .optional(),
  defaultHeaders: headerMap.optional(),
});

export const SendOptionsSchema = z
  .strictObject({
    signal: AbortSignalSchema.optional(),
  })
  .optional();
