import { AgentMailError } from "../errors.js";
import { Limits } from "../limits.js";
import { hiddenBccRecipients } from "./copies.js";
import type { NormalizedMessage } from "./normalize.js";

// The checks a message with Bcc recipients must pass before any lookup: each needs nothing but
// the message, so a send that cannot go out fails before any I/O.

/**
 * Refuses a message with hidden Bcc recipients (distinct, not also To or Cc) and an attachment
 * the caller encrypted itself (`encrypted: true`: bytes, a stream or a stored reference). The
 * mailer cannot re-encrypt that ciphertext per copy, so every copy would carry it as it is: if
 * it was encrypted to the Bcc recipients too, its key ids name them to the To and Cc recipients;
 * if not, the Bcc recipients cannot read it. Either way the send would break its promise, whether
 * or not anything else is encrypted.
 *
 * @example
 * checkCallerEncryptedAttachments(normalized); // throws for { bcc: [audit], attachments: [{ encrypted: true, ... }] }
 * @throws {AgentMailError} `bcc_with_encrypted_attachment`.
 */
export function checkCallerEncryptedAttachments(message: NormalizedMessage): void {
  const encrypted = message.attachments.flatMap((attachment, index) =>
    attachment.encrypted ? [{ index, filename: attachment.filename }] : [],
  );
  if (encrypted.length === 0) return;
  const hidden = hiddenBccRecipients(message).length;
  if (hidden === 0) return;
  const names = encrypted
    .map(({ index, filename }) => `${filename} (attachments[${index}])`)
    .join(", ");
  const one = encrypted.length === 1;
  throw new AgentMailError({
    code: "bcc_with_encrypted_attachment",
    message:
      `${one ? "attachment" : "attachments"} ${names} ${one ? "is" : "are"} already encrypted (encrypted: true), and this message has ${hidden} Bcc ${hidden === 1 ? "recipient" : "recipients"}. ` +
      "The mailer cannot re-encrypt that ciphertext per copy, so every copy would carry it as it is, and an OpenPGP message names the key id of every key it was encrypted to: the To and Cc recipients would learn the Bcc recipients' key ids (or, if it was not encrypted to the Bcc recipients, they could not read it). Nothing was sent. " +
      "Pass the plaintext instead, with encrypt: { attachments: true }, so that each copy is encrypted to its own recipients only; or send to the Bcc recipients in a separate send",
    body: { attachments: encrypted.map(({ index, filename }) => ({ index, filename })) },
  });
}

/**
 * Refuses a send that would make more Bcc copies than `Limits.recipientsPerMessage`: every copy
 * is encrypted and held in memory before the first is sent, so the count is bounded like the
 * recipients of one message.
 *
 * @example
 * checkBccCopyCount(bccCopyRecipients(normalized).length); // throws for 51
 * @throws {AgentMailError} `too_many_recipients`.
 */
export function checkBccCopyCount(bccCopies: number): void {
  const limit = Limits.recipientsPerMessage;
  if (bccCopies <= limit) return;
  throw new AgentMailError({
    code: "too_many_recipients",
    message: `this encrypted message has ${bccCopies} Bcc recipients that are not To or Cc recipients, and each gets a copy of its own, encrypted and held in memory before the first copy is sent; one send makes at most ${limit} Bcc copies (Limits.recipientsPerMessage). Nothing was sent. Send to the Bcc recipients over several sends, at most ${limit} per send`,
    body: { bccCopies, limit },
  });
}

/**
 * The error of `mailer.prepare` for a message that goes out as several copies.
 *
 * @example
 * if (copyCount > 1) throw multipleCopies(copyCount);
 */
export function multipleCopies(count: number): AgentMailError {
  return new AgentMailError({
    code: "multiple_copies",
    message: `this encrypted message has Bcc recipients, so it goes out as ${count} copies (the primary to To and Cc, and one per Bcc recipient, each encrypted to its own recipients only); prepare() returns one prepared message: use mailer.prepareCopies(message) to get all ${count}`,
    body: { copies: count },
  });
}
