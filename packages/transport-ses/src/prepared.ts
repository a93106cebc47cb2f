import {
  AgentMailError,
  AgentMailHeaders,
  armoredMessageProblem,
  assertSafeHeader,
  assertSafeHeaderValue,
  ENCRYPTED_BODY,
  hasEncodedWordLookalike,
  isReservedHeader,
  MEDIA_TYPE_PATTERN,
  mimeHeaders,
  type PreparedMessage,
  parseInput,
} from "@assmbl/core";
import { parseHeaderValue } from "nodemailer/lib/mime-funcs";
import { z } from "zod";
import { assertFoldable } from "./fold.js";
import { assertWritableMailbox } from "./mailbox-header.js";

// A lone surrogate has no UTF-8 encoding: RFC 2231 could not write the name.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

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
  assertWritableMailbox(prepared.from, "from");
  for (const kind of ["to", "cc", "bcc", "replyTo"] as const) {
    prepared[kind].forEach((entry, i) => {
      assertWritableMailbox(entry, `${kind}[${i}]`);
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
    if (LONE_SURROGATE.test(attachment.manifest.filename)) {
      throw new AgentMailError({
        code: "invalid_attachment",
        message: `${what}.filename has a lone surrogate, which has no UTF-8 encoding`,
      });
    }
    checkPartType(attachment.manifest.content_type, `${what}.content_type`);
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

// The part's Content-Type is the manifest's, with `name` added by the composer: a `name` or
// `filename` of the caller's would be replaced on the wire (the manifest keeping the original), and
// a parameter holding "=?" is read as an encoded word by Python's email.
function checkPartType(type: string, what: string): void {
  if (!MEDIA_TYPE_PATTERN.test(type)) {
    throw new AgentMailError({
      code: "invalid_attachment",
      message: `${what} is not a media type such as application/pdf`,
    });
  }
  if (hasEncodedWordLookalike(type)) {
    throw new AgentMailError({
      code: "invalid_attachment",
      message: `${what} holds "=?", which readers decode as an RFC 2047 encoded word; media type parameters cannot carry it`,
    });
  }
  const params = Object.keys(parseHeaderValue(type).params as Record<string, string>);
  const named = params.find((param) => /^(name|filename)$/i.test(param));
  if (named !== undefined) {
    throw new AgentMailError({
      code: "invalid_attachment",
      message: `${what} has a ${named} parameter; the composer writes the attachment's name from its filename, so pass the name as filename instead`,
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
