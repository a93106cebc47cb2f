// The checks behind validatePreparedMessage, one concern each: what may become a header, what
// the body and the manifest must be. They read a snapshot (zod's output), never the caller's
// object, so a getter or a Proxy cannot answer one thing here and another on the wire. A lone
// surrogate anywhere was already refused by parseInput (it has no UTF-8 encoding).
import { type Mailbox, parseAddress } from "./address.js";
import { armoredMessageProblem } from "./ciphertext-guard.js";
import { AgentMailError } from "./errors.js";
import {
  assertSafeHeader,
  assertSafeHeaderValue,
  hasEncodedWordLookalike,
} from "./header-safety.js";
import { AgentMailHeaders, ENCRYPTED_BODY, isReservedHeader } from "./headers.js";
import { decodeManifest, encodeManifest } from "./manifest.js";
import { MEDIA_TYPE_PATTERN } from "./patterns.js";
import { mimeHeaders, type PreparedMessage } from "./transport.js";

const OWN_HEADERS = new Set<string>([AgentMailHeaders.encrypted, AgentMailHeaders.attachments]);

/**
 * Checks a mailbox before it becomes a header (`From`, `To`...) or an envelope address: no
 * control character; an address that is one bare addr-spec without `=?` (readers decode encoded
 * words even inside an address: Python's email turns `=?utf-8?q?x?=@example.com` into
 * x@example.com, and an address cannot be encoded).
 *
 * @example
 * assertSafeMailbox(parseAddress("Bot <bot@agents.example.com>"), "from");
 * @throws {AgentMailError} `header_injection`, `invalid_address`.
 */
export function assertSafeMailbox(entry: Mailbox, what: string): void {
  assertSafeHeaderValue(entry.address, `${what} address`);
  if (entry.name !== undefined) {
    assertSafeHeaderValue(entry.name, `${what} display name`);
  }
  if (hasEncodedWordLookalike(entry.address)) {
    throw new AgentMailError({
      code: "invalid_address",
      message: `${what} address holds "=?", which readers would decode as an RFC 2047 encoded word`,
    });
  }
  // The bare address must be one addr-spec, so it cannot smuggle a second recipient.
  const parsed = parseAddress(entry.address);
  if (parsed.name !== undefined || parsed.address.toLowerCase() !== entry.address.toLowerCase()) {
    throw new AgentMailError({ code: "invalid_address", message: `${what} is not a bare address` });
  }
}

/** Subject, addresses and every header line a rendering writes. */
export function checkHeaders(message: PreparedMessage): void {
  assertSafeHeaderValue(message.subject, "subject");
  assertSafeMailbox(message.from, "from");
  for (const kind of ["to", "cc", "bcc", "replyTo"] as const) {
    message[kind].forEach((entry, i) => {
      assertSafeMailbox(entry, `${kind}[${i}]`);
    });
  }
  if (message.to.length + message.cc.length + message.bcc.length === 0) {
    throw new AgentMailError({ code: "no_recipients", message: "the message has no recipient" });
  }
  for (const name of Object.keys(message.headers)) {
    if (!OWN_HEADERS.has(name) && isReservedHeader(name)) {
      throw new AgentMailError({
        code: "reserved_header",
        message: `header ${name} is written by the SDK or the MIME composer and cannot be given`,
      });
    }
  }
  const seen = new Set<string>();
  for (const [name, value] of Object.entries(mimeHeaders(message))) {
    assertSafeHeader(name, value);
    const lower = name.toLowerCase();
    if (seen.has(lower)) {
      throw new AgentMailError({
        code: "invalid_header",
        message: `header ${name} is given twice`,
      });
    }
    seen.add(lower);
  }
}

/**
 * The body flag, its header and, unless the mailer already held the ciphertext to stricter
 * expectations, the ciphertext's structure: one armored OpenPGP message (session key packets,
 * then one SEIPD), so a message built by hand cannot put plaintext between armor lines.
 */
export function checkBody(message: PreparedMessage, ciphertextChecked: boolean): void {
  const flagged = message.headers[AgentMailHeaders.encrypted];
  if (flagged !== undefined && (flagged !== ENCRYPTED_BODY || !message.encrypted.body)) {
    throw new AgentMailError({
      code: "invalid_message",
      message: `${AgentMailHeaders.encrypted} must be "${ENCRYPTED_BODY}" and only on a message whose body is encrypted`,
    });
  }
  if (!message.encrypted.body) return;
  if (flagged === undefined) {
    throw new AgentMailError({
      code: "invalid_message",
      message: `an encrypted body needs the ${AgentMailHeaders.encrypted}: ${ENCRYPTED_BODY} header`,
    });
  }
  if (message.html !== undefined) {
    throw new AgentMailError({
      code: "html_not_encryptable",
      message: "an HTML part is never sent in clear beside an encrypted body; nothing was sent",
    });
  }
  if (ciphertextChecked) return;
  // Shape only: v6 (PKESK v6 + SEIPD v2) is the mailer's call, made where the crypto is known.
  const problem = armoredMessageProblem(message.text, { allowV6: true });
  if (problem !== undefined) {
    throw new AgentMailError({
      code: "encryption_failed",
      message: `the body is marked encrypted but is not one armored OpenPGP message: ${problem}; nothing was sent`,
    });
  }
}

/**
 * Each attachment's manifest row as a header value, in MIME order, and the manifest header, when
 * given, as the encoding of exactly these rows (a header that says something else would be read
 * instead).
 */
export function checkAttachments(message: PreparedMessage): void {
  message.attachments.forEach((attachment, i) => {
    const what = `attachments[${i}]`;
    const { filename, content_type: type, index } = attachment.manifest;
    assertSafeHeaderValue(filename, `${what}.filename`);
    assertSafeHeaderValue(type, `${what}.content_type`);
    if (!MEDIA_TYPE_PATTERN.test(type)) {
      throw new AgentMailError({
        code: "invalid_attachment",
        message: `${what}.content_type is not a media type such as application/pdf`,
      });
    }
    // Python's email decodes "=?" as an encoded word even in a quoted parameter.
    if (hasEncodedWordLookalike(type)) {
      throw new AgentMailError({
        code: "invalid_attachment",
        message: `${what}.content_type holds "=?", which readers decode as an RFC 2047 encoded word; media type parameters cannot carry it`,
      });
    }
    if (index !== i) {
      throw new AgentMailError({
        code: "invalid_manifest",
        message: `${what} has manifest index ${index}; rows must be in MIME order`,
      });
    }
  });
  const header = message.headers[AgentMailHeaders.attachments];
  if (message.attachments.length === 0) {
    if (header !== undefined) {
      throw new AgentMailError({
        code: "invalid_manifest",
        message: `${AgentMailHeaders.attachments} is set on a message without attachments`,
      });
    }
    return;
  }
  // Receivers read the header, the checks above read the rows: they must say the same (a row
  // marked plain under a header saying "encrypted" would send plaintext flagged as ciphertext).
  // Both re-encoded here, so a header another version of core encoded compares by content. A
  // message without the header is fine: the SDK's transports write it from the rows
  // (withManifestRows), as they fill in sizes and object keys.
  if (header === undefined) return;
  const rows = encodeManifest(message.attachments.map((attachment) => attachment.manifest));
  if (encodeManifest(decodeManifest(header)) !== rows) {
    throw new AgentMailError({
      code: "invalid_manifest",
      message: `${AgentMailHeaders.attachments} does not hold the manifest rows of the message's attachments; withManifestRows writes both`,
    });
  }
}
