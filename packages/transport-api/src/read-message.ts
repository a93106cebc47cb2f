import {
  AgentMailError,
  AgentMailHeaders,
  ENCRYPTED_BODY,
  isArmoredMessage,
  type MailDecryptor,
  MEDIA_TYPE_PATTERN,
  type SignatureVerification,
} from "@assmbl/core";
import { manifestRows } from "./manifest-rows.js";
import { cleanText, type ParsedMime } from "./mime.js";
import { abortedError } from "./retry.js";
import { safeFileName } from "./safe-file-name.js";

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
   * cleaned as `subject` is; it still comes from the sender: sanitise it before using it as a
   * path.
   */
  filename: string;
  /**
   * The plaintext's type once decrypted (`original_content_type`, else `application/octet-stream`);
   * else as sent. Only a media type without control characters (C0, DEL, C1) is taken from the
   * sender (else the next source, or `application/octet-stream`).
   */
  contentType: string;
  /** Byte size of `bytes`; while `pending` or `failed`, the size the platform reported (or 0). */
  size: number;
  status: AttachmentStatus;
  /** The part is an OpenPGP message: per its manifest row, or its `application/pgp-encrypted` type. */
  encrypted: boolean;
  /** `bytes` is the plaintext. */
  decrypted: boolean;
  /**
   * Plaintext when `decrypted`, else the bytes as sent (ciphertext when `encrypted`); `null`
   * unless `ready`, and with `includeAttachments: false`.
   */
  bytes: Uint8Array | null;
  /** Signature check of a decrypted part (only when it was decrypted). */
  verification?: SignatureVerification;
  /** Why the part is not plaintext or has no bytes: `decryption_failed`, `attachment_pending`, `attachment_failed`, ... */
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
  /** Signature check of the decrypted body. */
  verification?: SignatureVerification;
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

/** How to read a parsed message. */
export interface ReadOptions {
  decryptWith?: MailDecryptor | undefined;
  /** Armored keys whose signatures count; asked for only when something is decrypted. */
  verificationKeys?: () => Promise<readonly string[] | undefined>;
  /** The platform's view of the attachments (fetchMessage); absent for a raw message. */
  platform?: readonly PlatformAttachment[] | undefined;
  /** Return (and decrypt) attachment bytes; with `false` attachments are listed without bytes (default true). */
  includeAttachments?: boolean | undefined;
  signal?: AbortSignal | undefined;
}

const PGP_ENCRYPTED = "application/pgp-encrypted";

/**
 * Spec §7: detects what is encrypted, decrypts it with the caller's key, restores attachment
 * names and types, and keeps the ciphertext (with the error) of any part that fails. An
 * encrypted body that fails leaves `bodyTextDecrypted` absent: never partial plaintext.
 *
 * @example
 * const fields = await readMessage(await parseMime(raw), { decryptWith: key });
 */
export async function readMessage(
  parsed: ParsedMime,
  options: ReadOptions,
): Promise<Omit<ReceivedMessage, "id" | "sender" | "senderVerified">> {
  const { decryptWith, signal } = options;
  const { rows, manifestError } = manifestRows(parsed, options.platform);
  const encryptedHeader =
    parsed.headers[AgentMailHeaders.encrypted.toLowerCase()]?.trim().toLowerCase() ===
    ENCRYPTED_BODY;
  const encrypted = encryptedHeader || isArmoredMessage(parsed.text);
  const isEncryptedPart = (index: number) => {
    const row = rows?.get(index);
    const part = parsed.attachments[index];
    return (
      row?.encrypted === true ||
      mediaTypeOf(row?.content_type ?? "") === PGP_ENCRYPTED ||
      part?.mediaType === PGP_ENCRYPTED
    );
  };
  // Keys are looked up (a directory request) only when something will be decrypted, and before
  // any decryption: a lookup failure fails the read rather than pass as a decryption error.
  const decrypts =
    decryptWith !== undefined &&
    (encrypted ||
      (options.includeAttachments !== false &&
        parsed.attachments.some((_, i) => isEncryptedPart(i))));
  const verification = decrypts ? await options.verificationKeys?.() : undefined;
  const decryptOptions = {
    ...(verification ? { verificationKeys: verification } : {}),
    ...(signal ? { signal } : {}),
  };

  const body = async (): Promise<
    Pick<ReceivedMessage, "bodyTextDecrypted" | "verification" | "bodyError">
  > => {
    if (!encrypted || !decryptWith) return {};
    try {
      const { text, verification } = await decryptWith.decryptText(parsed.text, decryptOptions);
      return { bodyTextDecrypted: text, verification };
    } catch (error) {
      if (signal?.aborted) throw abortedError(signal, "reading the message");
      return { bodyError: asAgentMailError(error, "the body could not be decrypted") };
    }
  };

  const count = Math.max(parsed.attachments.length, options.platform?.length ?? 0);
  const attachment = async (index: number): Promise<ReceivedAttachment> => {
    const part = parsed.attachments[index];
    const row = rows?.get(index);
    const platform = options.platform?.find((item) => item.index === index);
    // The name as sent decides what can be restored; the name returned has no control characters.
    const sentName = part?.filename ?? row?.filename ?? platform?.fileName;
    const filename = sentName ? cleanText(sentName) : `attachment-${index}`;
    // The first of the sender's types that is a media type (a manifest's may hold anything).
    const contentType =
      [row?.content_type, part?.mediaType, platform?.contentType].find(isMediaType) ??
      "application/octet-stream";
    const isEncrypted =
      isEncryptedPart(index) || (!part && mediaTypeOf(contentType) === PGP_ENCRYPTED);
    const status = platform?.status ?? "ready";
    const base = { index, filename, contentType, status, encrypted: isEncrypted, decrypted: false };
    if (status !== "ready") {
      return {
        ...base,
        size: platform?.size ?? row?.size ?? 0,
        bytes: null,
        error:
          status === "pending"
            ? new AgentMailError({
                code: "attachment_pending",
                message: `attachment ${index} (${filename}) is still being processed by the platform; fetch the message again later`,
              })
            : new AgentMailError({
                code: "attachment_failed",
                message: `the platform could not process attachment ${index} (${filename}); its bytes are not available`,
              }),
      };
    }
    if (!part) {
      return {
        ...base,
        size: platform?.size ?? 0,
        bytes: null,
        error: new AgentMailError({
          code: "invalid_response",
          message: `the platform lists attachment ${index}, but the message has no such MIME part`,
        }),
      };
    }
    if (options.includeAttachments === false) {
      return { ...base, size: part.bytes.length, bytes: null };
    }
    if (!isEncrypted || !decryptWith) {
      return { ...base, size: part.bytes.length, bytes: part.bytes };
    }
    try {
      const { data, verification } = await decryptWith.decryptBytes(part.bytes, decryptOptions);
      return {
        ...base,
        filename:
          safeFileName(row?.original_filename) ??
          safeFileName(sentName === undefined ? undefined : stripAsc(sentName)) ??
          `attachment-${index}`,
        contentType: [row?.original_content_type].find(isMediaType) ?? "application/octet-stream",
        size: data.length,
        decrypted: true,
        bytes: data,
        verification,
      };
    } catch (error) {
      if (signal?.aborted) throw abortedError(signal, "reading the message");
      return {
        ...base,
        size: part.bytes.length,
        bytes: part.bytes,
        error: asAgentMailError(error, `attachment ${index} (${filename}) could not be decrypted`),
      };
    }
  };

  const [bodyFields, attachments] = await Promise.all([
    body(),
    Promise.all(Array.from({ length: count }, (_, index) => attachment(index))),
  ]);
  return {
    subject: parsed.subject,
    headers: parsed.headers,
    encrypted,
    bodyText: parsed.text,
    ...(parsed.html === undefined ? {} : { bodyHtml: parsed.html }),
    ...bodyFields,
    attachments,
    ...(manifestError ? { manifestError } : {}),
  };
}

function mediaTypeOf(contentType: string): string {
  return (contentType.split(";")[0] ?? "").trim().toLowerCase();
}

// C0 controls, DEL and C1 controls.
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

// A type from the sender is used only if it is a media type, without control characters (core's
// pattern already refuses CR and LF, which would end a header the type is written into).
function isMediaType(value: string | undefined): value is string {
  return value !== undefined && MEDIA_TYPE_PATTERN.test(value) && !CONTROL_CHARACTER.test(value);
}

function stripAsc(filename: string): string {
  return /\.asc$/i.test(filename) && filename.length > 4 ? filename.slice(0, -4) : filename;
}

function asAgentMailError(error: unknown, message: string): AgentMailError {
  if (AgentMailError.is(error)) return error;
  return new AgentMailError({
    code: "decryption_failed",
    message: `${message}: ${error instanceof Error ? error.message : String(error)}`,
    cause: error,
  });
}
