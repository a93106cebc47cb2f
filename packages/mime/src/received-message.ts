// The shape of a received message and its attachments, as `fetchMessage` and `openMessage`
// return it; `readMessage` (read-message.ts) fills it in.
import type { AgentMailError, SignatureVerification } from "@assmbl/core";
import type { MessageSigner } from "./signer-binding.js";

/**
 * Where an attachment stands on the platform (always `ready` for a raw message).
 *
 * @example
 * const waiting = message.attachments.filter((a) => a.status === ("pending" satisfies AttachmentStatus));
 */
export type AttachmentStatus = "ready" | "pending" | "failed";

/**
 * One attachment of a received message.
 *
 * @example
 * for (const a of message.attachments) if (a.decrypted) await writeFile(a.filename, a.bytes ?? new Uint8Array());
 */
export interface ReceivedAttachment {
  /** 0-based, MIME order (the manifest's `index`). */
  index: number;
  /**
   * The plaintext's name once decrypted: `original_filename`, else the name as sent without
   * `.asc`, else `attachment-<index>`. A restored name is safe to write as a file in a directory
   * on Linux, macOS and Windows, and displays as what it is; a candidate is skipped (the next one
   * is tried) when it:
   *
   * - is empty, or longer than 255 UTF-8 bytes (the name limit of ext4, APFS and NTFS);
   * - holds `/` or `\\`, or a character Windows refuses: `< > : " | ? *` (`:` would also open an
   *   NTFS alternate data stream);
   * - holds an invisible or reordering character: a control (C0, DEL, C1), a format character
   *   (bidi marks, embeddings, overrides and isolates such as U+202E, zero-width space and
   *   joiners, word joiner, U+FEFF, soft hyphen), U+2028 or U+2029, a lone surrogate, or any
   *   other default-ignorable code point (such as U+3164 or a variation selector);
   * - is only dots and spaces (`.`, `..`, `...`, ` `), or ends with a dot or a space (Windows
   *   drops those: `a.pdf.` would be written as `a.pdf`);
   * - is a Windows device name, with or without an extension, in any case: `CON`, `PRN`, `AUX`,
   *   `NUL`, `COM0`-`COM9`, `LPT0`-`LPT9` (and `COM¹²³`, `LPT¹²³`), `CONIN$`, `CONOUT$`, `CLOCK$`
   *   (`nul.txt`, `Com1.tar.gz`).
   *
   * A restored name may still start with a dot (a hidden file on Linux and macOS). Else (not
   * decrypted) the name as sent (the MIME part's, else the manifest's, else the platform's),
   * cleaned as `subject` is and cut to its last path segment (`../../.ssh/authorized_keys` is
   * `authorized_keys`; a name of only dots and spaces is `attachment-<index>`), so it never holds
   * `/` or `\\`; it still comes from the sender: check it before using it as a file name.
   */
  filename: string;
  /**
   * The plaintext's type once decrypted (`original_content_type`, else `application/octet-stream`);
   * else as sent. Only a media type without control characters (C0, DEL, C1) is taken from the
   * sender (else the next source, or `application/octet-stream`).
   */
  contentType: string;
  /**
   * Byte size of `bytes` (with `downloadDir`: of the file written); while `pending` or `failed`,
   * and for a part without bytes, the size sent (the platform's for a part it delivered by
   * reference), or 0.
   */
  size: number;
  status: AttachmentStatus;
  /** The part is an OpenPGP message: per its manifest row, or its `application/pgp-encrypted` type. */
  encrypted: boolean;
  /** `bytes` is the plaintext. */
  decrypted: boolean;
  /**
   * Plaintext when `decrypted`, else the bytes as sent (ciphertext when `encrypted`); `null`
   * unless `ready`, with `includeAttachments: false`, with `downloadDir` (see `path`), and for
   * an attachment too large to hold in memory (`attachment_too_large`).
   */
  bytes: Uint8Array | null;
  /**
   * With `downloadDir`: the absolute path of the file the attachment was written to (plaintext
   * when `decrypted`, else the bytes as sent). Its name is `filename` when that is a safe file
   * name (else `attachment-<index>`), numbered `name (1).ext`, `name (2).ext`, ... when a file
   * of that name already exists (no file is ever replaced). Absent for a part that failed: a
   * failed part leaves no file behind.
   */
  path?: string;
  /** Signature check of a decrypted part (only when it was decrypted). */
  verification?: SignatureVerification;
  /** When the part is signed but `verification` is not `valid`: which key signed, and why it does not count. */
  signer?: MessageSigner;
  /**
   * Why the part is not plaintext or has no bytes: `decryption_failed`, `plaintext_too_large`,
   * `attachment_pending`, `attachment_failed`, `attachment_too_large`, ...
   */
  error?: AgentMailError;
}

/**
 * A received message, read per spec §7.
 *
 * @example
 * const message = await openMessage(raw, { decryptWith: key });
 * console.log(message.encrypted ? message.bodyTextDecrypted : message.bodyText);
 */
export interface ReceivedMessage {
  /** The platform's message id (`fetchMessage`), or the `Message-ID` without brackets (`openMessage`). */
  id: string;
  /** The sender's bare address. */
  sender: string;
  /** The platform vouches for the sender; always `false` for a raw message (`openMessage`). */
  senderVerified: boolean;
  /**
   * Decoded as Python's `email` reads it; a TAB becomes a space, and control characters (C0, DEL,
   * C1), U+2028, U+2029 and the bidi embeddings, overrides and isolates (U+202A-U+202E,
   * U+2066-U+2069) become U+FFFD (LRM, RLM and ALM are kept). The same holds for `headers`,
   * `sender`, `id`, and attachment names and types as sent.
   */
  subject: string;
  /**
   * Header values by lower-case name: the first occurrence, unfolded and RFC 2047 decoded as
   * Python's `email` (`policy.default`) reads an unstructured header, control characters replaced
   * as in `subject`. `x-agentmail-attachments` is the manifest's decoded JSON text.
   */
  headers: Record<string, string>;
  /** The body is an OpenPGP message (`X-AgentMail-Encrypted: body`, or an armored text body). */
  encrypted: boolean;
  /** The text body as received: the armored ciphertext when `encrypted`. */
  bodyText: string;
  /** The HTML body, when the message has one (never beside an encrypted body from this SDK). */
  bodyHtml?: string;
  /** The decrypted body; absent unless decryption succeeded. */
  bodyTextDecrypted?: string;
  /**
   * Signature check of the decrypted body. With a `KeyDirectory` as `verifyWith`, `valid` only
   * when the signing key is the sender's directory key and one of its self-certified user ids
   * names the sender's address; a signature by any other key is `invalid` (see `signer`).
   */
  verification?: SignatureVerification;
  /**
   * When the body is signed but `verification` is not `valid`: which key signed (`fingerprint`,
   * `keyId`) and why it does not count (`reason`: e.g. it is another agent's key).
   */
  signer?: MessageSigner;
  /** Why an encrypted body was not decrypted (no partial plaintext is ever returned). */
  bodyError?: AgentMailError;
  attachments: ReceivedAttachment[];
  /**
   * Set when the message has an `X-AgentMail-Attachments` header that cannot be read
   * (`invalid_manifest`: not JSON once its encoded words are decoded, a row that breaks spec §4,
   * longer than core's `MANIFEST_HEADER_MAX_LENGTH`); its message says what is wrong. The
   * attachments are then read without it: encrypted by their `application/pgp-encrypted` type,
   * names restored by stripping `.asc`. Also set (`invalid_manifest`, naming the indexes) when
   * readable rows name an attachment the message does not have (no MIME part with that index,
   * nor, for `fetchMessage`, an attachment the platform lists): those rows are ignored, the
   * others are used. (A readable manifest whose name or type is not safe to use is not an error:
   * that value is just not used.)
   */
  manifestError?: AgentMailError;
}

/** What the platform says about one attachment, layered over the MIME part. */
export interface PlatformAttachment {
  index: number;
  status: AttachmentStatus;
  fileName: string;
  contentType: string;
  size: number | null | undefined;
}
