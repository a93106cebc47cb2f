import {
  AgentMailError,
  AgentMailHeaders,
  armoredMessageProblem,
  assertSafeHeader,
  assertSafeHeaderValue,
  ENCRYPTED_BODY,
  isReservedHeader,
  type Mailbox,
  MEDIA_TYPE_PATTERN,
  mimeHeaders,
  type PreparedMessage,
  parseAddress,
  parseInput,
} from "@assmbl/core";
import { z } from "zod";
import { assertFoldable, hasEncodedWordLookalike } from "./fold.js";

const utf8 = new TextEncoder();
// Longest display name (UTF-8 bytes) with "=?" that is written as one Q encoded word (up to
// three characters a byte) and still fits a 998-character header line beside its address.
const MAX_LOOKALIKE_NAME = 250;

const mailbox = z.object({
  address: z.string(),
  localPart: z.string(),
  domain: z.string(),
  name: z.string().optional(),
});

// The structure of core's PreparedMessage. Not strict: a newer core may add fields, and a
// transport moves what it understands. Values are checked one by one below.
const PreparedSchema = z.object({
  specificationVersion: z.literal("v1"),
  from: mailbox,
  to: z.array(mailbox),
  cc: z.array(mailbox),
  bcc: z.array(mailbox),
  replyTo: z.array(mailbox),
  subject: z.string(),
  text: z.string(),
  html: z.string().optional(),
  headers: z.record(z.string(), z.string()),
  attachments: z.array(
    z.object({
      manifest: z.object({ index: z.number(), filename: z.string(), content_type: z.string() }),
      content: z.unknown().optional(),
    }),
  ),
  correlationId: z.string().optional(),
  idempotencyKey: z.string().optional(),
  marketplaceRequestId: z.string().optional(),
  encrypted: z.object({ body: z.boolean() }),
});

const OWN_HEADERS = new Set<string>([AgentMailHeaders.encrypted, AgentMailHeaders.attachments]);

/**
 * Re-checks a prepared message before it is rendered (defence in depth: `createMailer` already
 * validated it, but a transport may be handed one built by hand). Every value bound for a
 * header goes through core's header-safety checks; no caller header may take the place of one
 * the composer writes (a `Bcc` header among them); an encrypted body must be one armored
 * OpenPGP message with no HTML beside it.
 *
 * @example
 * checkPrepared(prepared); // throws before anything is built or sent
 * @throws {AgentMailError} `invalid_message`, `header_injection`, `invalid_header`,
 * `reserved_header`, `invalid_address`, `invalid_attachment`, `encryption_failed`,
 * `html_not_encryptable`, `no_recipients`.
 */
export function checkPrepared(prepared: PreparedMessage): void {
  parseInput(PreparedSchema, prepared, "prepared message", "invalid_message");
  assertSafeHeaderValue(prepared.subject, "subject");
  assertFoldable("Subject", prepared.subject, "subject");
  checkMailbox(prepared.from, "from");
  for (const kind of ["to", "cc", "bcc", "replyTo"] as const) {
    prepared[kind].forEach((entry, i) => {
      checkMailbox(entry, `${kind}[${i}]`);
    });
  }
  if (prepared.to.length + prepared.cc.length + prepared.bcc.length === 0) {
    throw new AgentMailError({ code: "no_recipients", message: "the message has no recipient" });
  }
  for (const name of Object.keys(prepared.headers)) {
    if (!OWN_HEADERS.has(name) && isReservedHeader(name)) {
      throw new AgentMailError({
        code: "reserved_header",
        message: `header ${name} is written by the MIME composer and cannot be given`,
      });
    }
  }
  const seen = new Set<string>();
  for (const [name, value] of Object.entries(mimeHeaders(prepared))) {
    assertSafeHeader(name, value);
    if (name !== AgentMailHeaders.attachments) assertFoldable(name, value, `header ${name}`);
    const lower = name.toLowerCase();
    if (seen.has(lower)) {
      throw new AgentMailError({
        code: "invalid_header",
        message: `header ${name} is given twice`,
      });
    }
    seen.add(lower);
  }
  checkBody(prepared);
  prepared.attachments.forEach((attachment, i) => {
    const what = `attachments[${i}]`;
    assertSafeHeaderValue(attachment.manifest.filename, `${what}.filename`);
    assertSafeHeaderValue(attachment.manifest.content_type, `${what}.content_type`);
    if (!MEDIA_TYPE_PATTERN.test(attachment.manifest.content_type)) {
      throw new AgentMailError({
        code: "invalid_attachment",
        message: `${what}.content_type is not a media type such as application/pdf`,
      });
    }
    if (attachment.manifest.index !== i) {
      throw new AgentMailError({
        code: "invalid_manifest",
        message: `${what} has manifest index ${attachment.manifest.index}; rows must be in MIME order`,
      });
    }
    if (attachment.content === undefined) {
      throw new AgentMailError({
        code: "invalid_attachment",
        message: `${what} (${attachment.manifest.filename}) refers to stored bytes (object_key); SES sends whole MIME messages, so pass the bytes instead`,
      });
    }
  });
  if (prepared.attachments.length === 0 && prepared.headers[AgentMailHeaders.attachments]) {
    throw new AgentMailError({
      code: "invalid_manifest",
      message: `${AgentMailHeaders.attachments} is set on a message without attachments`,
    });
  }
}

function checkMailbox(entry: Mailbox, what: string): void {
  assertSafeHeaderValue(entry.address, `${what} address`);
  if (entry.name !== undefined) {
    assertSafeHeaderValue(entry.name, `${what} display name`);
    // A name with an encoded-word look-alike is written as one encoded word (see compose.ts),
    // three characters a byte at worst: it must still fit a header line.
    if (
      hasEncodedWordLookalike(entry.name) &&
      utf8.encode(entry.name).length > MAX_LOOKALIKE_NAME
    ) {
      throw new AgentMailError({
        code: "invalid_address",
        message: `${what} display name holds "=?" and is longer than ${MAX_LOOKALIKE_NAME} bytes; it could not be written as one encoded word within a header line`,
      });
    }
  }
  // Readers decode encoded words even inside an address (Python's email turns
  // "=?utf-8?q?x?=@example.com" into x@example.com), and an address cannot be encoded.
  if (hasEncodedWordLookalike(entry.address)) {
    throw new AgentMailError({
      code: "invalid_address",
      message: `${what} address holds "=?", which readers would decode as an RFC 2047 encoded word`,
    });
  }
  // The bare address must be one addr-spec, so it cannot smuggle a second recipient.
  const parsed = parseAddress(entry.address);
  if (parsed.name !== undefined || parsed.address.toLowerCase() !== entry.address.toLowerCase()) {
    throw new AgentMailError({
      code: "invalid_address",
      message: `${what} is not a bare address`,
    });
  }
}

function checkBody(prepared: PreparedMessage): void {
  const flagged = prepared.headers[AgentMailHeaders.encrypted];
  if (flagged !== undefined && (flagged !== ENCRYPTED_BODY || !prepared.encrypted.body)) {
    throw new AgentMailError({
      code: "invalid_message",
      message: `${AgentMailHeaders.encrypted} must be "${ENCRYPTED_BODY}" and only on a message whose body is encrypted`,
    });
  }
  if (!prepared.encrypted.body) return;
  if (flagged === undefined) {
    throw new AgentMailError({
      code: "invalid_message",
      message: `an encrypted body needs the ${AgentMailHeaders.encrypted}: ${ENCRYPTED_BODY} header`,
    });
  }
  if (prepared.html !== undefined) {
    throw new AgentMailError({
      code: "html_not_encryptable",
      message: "an HTML part is never sent in clear beside an encrypted body; nothing was sent",
    });
  }
  // The full structure (session key packets, then one SEIPD), not only the armor lines: a
  // prepared message built by hand must not put plaintext between them. v6 is the mailer's call.
  const problem = armoredMessageProblem(prepared.text, { allowV6: true });
  if (problem !== undefined) {
    throw new AgentMailError({
      code: "encryption_failed",
      message: `the body is marked encrypted but is not one armored OpenPGP message: ${problem}; nothing was sent`,
    });
  }
}
