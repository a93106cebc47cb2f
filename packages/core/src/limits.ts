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
  /** Recipients (to + cc + bcc) per SES message. */
  recipientsPerMessage: 50,
  /** Largest armored OpenPGP key accepted from the directory (ours). */
  armoredKeyBytes: 64 * 1024,
  /** Largest `limit` of `GET /inbox`. */
  inboxPageSize: 100,
  /** Longest agent id (ours). */
  agentIdLength: 64,
  /** Longest attachment filename, in UTF-8 bytes (ours: common filesystem limit). */
  filenameBytes: 255,
  /**
   * The most a send holds in memory of streamed attachments when it goes out as several copies
   * (an encrypted message with Bcc recipients: each gets its own copy, encrypted to its key alone).
   * A stream cannot be read twice, so it is read once into memory and encrypted per copy; past
   * this, the send fails with `message_too_large` before anything is sent (ours: 64 MiB, above
   * SES v2's 40 MiB message limit, far below what a worker can hold).
   */
  bccCopyBufferBytes: 64 * 1024 * 1024,
} as const;
