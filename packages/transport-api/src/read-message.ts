import {
  AgentMailError,
  AgentMailHeaders,
  decodeManifest,
  ENCRYPTED_BODY,
  isArmoredMessage,
  type MailDecryptor,
  type ManifestRow,
  MEDIA_TYPE_PATTERN,
  type SignatureVerification,
} from "@assmbl/core";
import { cleanText, type ParsedMime } from "./mime.js";
import { abortedError } from "./retry.js";

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
   * The plaintext's name once decrypted: `original_filename`, else the name without `.asc`, else
   * `attachment-<index>`; a restored name is always a base name (a candidate with `/`, `\\`,
   * control characters, or that is `.` or `..`, is skipped). Else the name as sent (the MIME
   * part's, else the manifest's, else the platform's), with control characters replaced (TAB by
   * a space, the others by U+FFFD); it still comes from the sender: sanitise it before using it
   * as a path.
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
  /** Decoded as Python's `email` reads it; control characters replaced (TAB by a space, others by U+FFFD). */
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
   * names restored by stripping `.asc`. (A readable manifest whose name or type holds a control
   * character is not an error: that value is just not used.)
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
  const { rows, manifestError } = manifestRows(parsed.manifestHeader);
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
          safeBaseName(row?.original_filename) ??
          safeBaseName(sentName === undefined ? undefined : stripAsc(sentName)) ??
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

/**
 * The manifest's rows by index; none when the header is absent, and none with the error when it
 * is unreadable (then content types decide, and the caller learns why from `manifestError`).
 */
function manifestRows(value: string | undefined): {
  rows?: Map<number, ManifestRow>;
  manifestError?: AgentMailError;
} {
  if (value === undefined) return {};
  try {
    return { rows: new Map(decodeManifest(value).map((row) => [row.index, row])) };
  } catch (error) {
    return {
      manifestError: AgentMailError.is(error)
        ? error
        : new AgentMailError({
            code: "invalid_manifest",
            message: "the attachment manifest cannot be read",
            cause: error,
          }),
    };
  }
}

function mediaTypeOf(contentType: string): string {
  return (contentType.split(";")[0] ?? "").trim().toLowerCase();
}

// C0 controls, DEL and C1 controls.
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

// Restored names come from the sender (the manifest, or the MIME part's name): a name that could
// climb out of a directory or carry control characters is not restored.
function safeBaseName(name: string | undefined): string | undefined {
  if (!name || name === "." || name === ".." || /[/\\]/.test(name)) return undefined;
  return CONTROL_CHARACTER.test(name) ? undefined : name;
}

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
