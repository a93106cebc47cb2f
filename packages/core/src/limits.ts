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
} as const;
