import {
  AgentMailHeaders,
  abortedError,
  ENCRYPTED_BODY,
  isArmoredMessage,
  type MailDecryptor,
} from "@assmbl/core";
import type { DownloadDir } from "./download-dir.js";
import { manifestRows } from "./manifest-rows.js";
import type { ParsedMime } from "./parse-mime.js";
import { asAgentMailError, mediaTypeOf, PGP_ENCRYPTED } from "./part-fields.js";
import { type AttachmentSource, MAX_DOWNLOAD_BYTES } from "./part-stream.js";
import { defaultPlaintextBudget, PlaintextBudget, utf8Length } from "./plaintext-budget.js";
import { readAttachment } from "./read-attachment.js";
import type {
  PlatformAttachment,
  ReceivedAttachment,
  ReceivedMessage,
} from "./received-message.js";
import { sentFileName } from "./safe-file-name.js";
import { signerField } from "./signer-binding.js";

/** How to read a parsed message. */
export interface ReadOptions {
  decryptWith?: MailDecryptor | undefined;
  /** Armored keys whose signatures count; asked for only when something is decrypted. */
  verificationKeys?: () => Promise<readonly string[] | undefined>;
  /** The platform's view of the attachments (fetchMessage); absent for a raw message. */
  platform?: readonly PlatformAttachment[] | undefined;
  /** Return (and decrypt) attachment bytes; with `false` attachments are listed without bytes (default true). */
  includeAttachments?: boolean | undefined;
  /**
   * The most plaintext the body and the attachments may decrypt to, together (default: the
   * message's ciphertext bytes plus `Limits.plaintextExpansionBytes`).
   */
  maxPlaintextBytes?: number | undefined;
  /** Write each ready attachment to a file there instead of returning its bytes. */
  downloadDir?: DownloadDir | undefined;
  /** Where attachment bytes come from besides the MIME (fetchMessage's download route). */
  source?: AttachmentSource | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * What `readMessage` reads: a {@link ReceivedMessage} but its id, sender and `senderVerified`.
 *
 * @example
 * const fields: ReadFields = await readMessage(parsed, { decryptWith: key });
 */
export type ReadFields = Omit<ReceivedMessage, "id" | "sender" | "senderVerified">;

/**
 * Spec §7: detects what is encrypted, decrypts it with the caller's key, restores attachment
 * names and types, and keeps the ciphertext (with the error) of any part that fails. An
 * encrypted body that fails leaves `bodyTextDecrypted` absent: never partial plaintext.
 *
 * The body, then each attachment in MIME order, is decrypted one after another (never two at
 * once), under one plaintext budget for the whole message: each decryption is told what is left
 * (`maxPlaintextBytes`); the part that would pass it fails with `plaintext_too_large`, and so
 * does every encrypted part after it, without being tried.
 *
 * @example
 * const fields = await readMessage(await parseMime(raw), { decryptWith: key });
 */
export async function readMessage(parsed: ParsedMime, options: ReadOptions): Promise<ReadFields> {
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
  const budget = new PlaintextBudget(
    options.maxPlaintextBytes ??
      defaultPlaintextBudget(ciphertextBytes(parsed, options, encrypted, isEncryptedPart), {
        toFiles: options.downloadDir !== undefined,
      }),
  );

  const body = async (): Promise<
    Pick<ReceivedMessage, "bodyTextDecrypted" | "verification" | "signer" | "bodyError">
  > => {
    if (!encrypted || !decryptWith) return {};
    try {
      const result = await budget.spend(
        "the body",
        (maxPlaintextBytes) =>
          decryptWith.decryptText(parsed.text, { ...decryptOptions, maxPlaintextBytes }),
        (result) => utf8Length(result.text),
      );
      return {
        bodyTextDecrypted: result.text,
        verification: result.verification,
        ...signerField(result),
      };
    } catch (error) {
      if (signal?.aborted) throw abortedError(signal, "reading the message");
      return { bodyError: asAgentMailError(error, "the body could not be decrypted") };
    }
  };

  const context = {
    rows,
    platform: options.platform,
    isEncryptedPart,
    decryptWith,
    decryptOptions,
    budget,
    includeAttachments: options.includeAttachments,
    signal,
    downloadDir: options.downloadDir,
    source: options.source,
    inMemoryLeft: { bytes: options.source?.maxInMemoryBytes ?? 0 },
  };
  // One after another: concurrent decryptions would each hold their plaintext (and a budget
  // checked only as each one ends could be passed many times over).
  const bodyFields = await body();
  const count = Math.max(parsed.attachments.length, options.platform?.length ?? 0);
  const attachments: ReceivedAttachment[] = [];
  for (let index = 0; index < count; index++) {
    const attachment = await readAttachment(context, parsed.attachments[index], index);
    // A name as sent is the sender's: never a path (a restored name is already a safe one).
    if (!attachment.decrypted) attachment.filename = sentFileName(attachment.filename, index);
    attachments.push(attachment);
  }
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
 * The ciphertext bytes that will be decrypted: the encrypted body, and each ready encrypted
 * attachment (the larger of its MIME part and the size the platform lists, which is what a part
 * delivered by reference or downloaded holds).
 */
function ciphertextBytes(
  parsed: ParsedMime,
  options: ReadOptions,
  encrypted: boolean,
  isEncryptedPart: (index: number) => boolean,
): number {
  if (!options.decryptWith) return 0;
  let total = encrypted ? utf8Length(parsed.text) : 0;
  if (options.includeAttachments === false) return total;
  parsed.attachments.forEach((part, index) => {
    const platform = options.platform?.find((item) => item.index === index);
    if (!isEncryptedPart(index) || (platform?.status ?? "ready") !== "ready") return;
    const own = part.body?.size() ?? part.bytes.length;
    // The platform's size counts only for a part it delivered by reference (empty in the MIME),
    // and no more than can be read: a platform listing a huge size must not widen the budget.
    const listed =
      own === 0 && !part.body && typeof platform?.size === "number" ? platform.size : 0;
    const readable = options.downloadDir
      ? MAX_DOWNLOAD_BYTES
      : (options.source?.maxInMemoryBytes ?? 0);
    total += own > 0 ? own : Math.min(listed, readable);
  });
  return total;
}
