/**
 * Size and count limits of the wire contract (spec §9), in one place.
 *
 * @example
 * if (bytes.length > Limits.sesV1MessageBytes) throw new Error("too large for SES v1");
 */
export const Limits = {
  /** SES v1 `SendRawEmail` / `SendEmail`: 10 MiB after encoding. */
  sesV1MessageBytes: 10 * 1024 * 1024,
  /** SES v2 raw message: 40 MiB after encoding. */
  sesV2MessageBytes: 40 * 1024 * 1024,
  /**
   * Recipients (to + cc + bcc) per SES message; also the most Bcc copies one send makes (an
   * encrypted message with more Bcc recipients fails with `too_many_recipients` before any lookup).
   */
  recipientsPerMessage: 50,
  /** Largest armored OpenPGP key accepted from the directory (ours). */
  armoredKeyBytes: 64 * 1024,
  /**
   * Largest directory record read from `GET /public/agents/{id}` (ours): the 64 KiB armored key,
   * the SPKI `public_key` and the other fields, JSON-escaped, fit well within it.
   */
  directoryRecordBytes: 96 * 1024,
  /** Largest JSON answer of the other API routes (inbox pages, send results, upload grants) (ours). */
  jsonResponseBytes: 1024 * 1024,
  /**
   * Largest `GET /messages/{id}` answer (ours): its `raw_mime` is at most an SES v2 message (40
   * MiB), JSON-escaped. Larger attachments are fetched on their own with `downloadDir`.
   */
  messageResponseBytes: 64 * 1024 * 1024,
  /** Largest error body read from any peer (ours): enough for `{error, message}` and more. */
  errorBodyBytes: 16 * 1024,
  /**
   * How much more plaintext than ciphertext one received message may decrypt to, all its parts
   * together, when the plaintext is held in memory (ours): the bound on decompression bombs. A
   * part that would pass it fails with `plaintext_too_large`, and so does every part after it.
   * 64 MiB keeps a bomb's cost, with the reading around it, under 128 MiB.
   */
  plaintextExpansionBytes: 64 * 1024 * 1024,
  /**
   * With `downloadDir` (plaintext written to files, not held), a message may decrypt to this
   * many times its ciphertext, plus `plaintextExpansionBytes` (ours): a compressible file sent
   * compressed (PGPy compresses by default) still arrives, while a few KB of a bomb cannot fill
   * the disk.
   */
  downloadExpansionRatio: 32,
  /**
   * The most bytes of attachments delivered by reference that one receive call downloads into
   * memory when it has no `downloadDir`, all of them together (ours): an attachment past it keeps
   * `bytes: null` and an `attachment_too_large` error naming `downloadDir`.
   */
  inMemoryAttachmentBytes: 64 * 1024 * 1024,
  /**
   * The longest the mailer waits for the next chunk of a MailCrypto's ciphertext stream before
   * the send fails with `encryption_failed` (ours): a stream that stops yielding would otherwise
   * hold the send, and a transport's open upload, forever. Generous: encryption is CPU-bound.
   */
  cryptoStreamIdleMs: 60_000,
  /** Largest `limit` of `GET /inbox`. */
  inboxPageSize: 100,
  /** Longest agent id (ours). */
  agentIdLength: 64,
  /** Longest attachment filename, in UTF-8 bytes (ours: common filesystem limit). */
  filenameBytes: 255,
  /**
   * The most attachment bytes a send that goes out as copies may hold, counted as copies ×
   * the total size of its attachments (bytes and streams alike). An encrypted message with Bcc
   * recipients goes out as the primary copy and one copy per Bcc recipient, each encrypted to its
   * own recipients, and every copy is encrypted and held in memory before the first one is sent
   * (so that a failure sends nothing). Attachment bytes are checked before any lookup, and streams
   * are read into memory under what is left of `this / copies`, cancelled past it; either way the
   * send fails with `message_too_large` before anything is sent. The armored ciphertext held is
   * about 4/3 of this (ours: 256 MiB, e.g. 16 copies of 16 MiB or 4 copies of 64 MiB).
   */
  bccCopiesAttachmentBytes: 256 * 1024 * 1024,
} as const;
