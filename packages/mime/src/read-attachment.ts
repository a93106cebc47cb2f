import {
  AgentMailError,
  abortedError,
  type DecryptOptions,
  type MailDecryptor,
  type ManifestRow,
} from "@assmbl/core";
import type { DownloadDir } from "./download-dir.js";
import { cleanText, type MimeAttachment } from "./parse-mime.js";
import {
  asAgentMailError,
  isMediaType,
  mediaTypeOf,
  PGP_ENCRYPTED,
  restoredName,
  restoredType,
} from "./part-fields.js";
import {
  type AttachmentSource,
  bytesPart,
  MAX_DOWNLOAD_BYTES,
  type PartStream,
  readPart,
} from "./part-stream.js";
import type { PlaintextBudget } from "./plaintext-budget.js";
import type { PlatformAttachment, ReceivedAttachment } from "./received-message.js";
import { safeFileName } from "./safe-file-name.js";
import { signerField } from "./signer-binding.js";

/**
 * What every attachment of one message is read with (built by `readMessage`).
 *
 * @example
 * const attachment = await readAttachment(context satisfies PartContext, part, 0);
 */
export interface PartContext {
  rows: Map<number, ManifestRow> | undefined;
  platform: readonly PlatformAttachment[] | undefined;
  isEncryptedPart(index: number): boolean;
  decryptWith: MailDecryptor | undefined;
  /** `verificationKeys` and `signal`, as every decryption of the message gets them. */
  decryptOptions: DecryptOptions;
  budget: PlaintextBudget;
  includeAttachments: boolean | undefined;
  signal: AbortSignal | undefined;
  downloadDir: DownloadDir | undefined;
  source: AttachmentSource | undefined;
  /** What is left of `source.maxInMemoryBytes` for this message (counted down). */
  inMemoryLeft: { bytes: number };
}

/**
 * Reads attachment `index` of a message (spec §7): its status, restored name and type, and its
 * bytes (plaintext when it decrypts) in memory or, with a `downloadDir`, in a file there.
 *
 * @example
 * const attachment = await readAttachment(context, parsed.attachments[0], 0);
 * @throws {AgentMailError} `aborted` when the signal fires; every other failure is the part's `error`.
 */
export async function readAttachment(
  context: PartContext,
  part: MimeAttachment | undefined,
  index: number,
): Promise<ReceivedAttachment> {
  const { rows, decryptWith, signal } = context;
  const row = rows?.get(index);
  const platform = context.platform?.find((item) => item.index === index);
  // The name as sent decides what can be restored; the name returned has no control characters.
  const sentName = part?.filename ?? row?.filename ?? platform?.fileName;
  const filename = sentName ? cleanText(sentName) : `attachment-${index}`;
  // The first of the sender's types that is a media type (a manifest's may hold anything).
  const contentType =
    [row?.content_type, part?.mediaType, platform?.contentType].find(isMediaType) ??
    "application/octet-stream";
  const isEncrypted =
    context.isEncryptedPart(index) || (!part && mediaTypeOf(contentType) === PGP_ENCRYPTED);
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
  // Delivered by reference: the platform keeps the bytes of a message too large for one MIME
  // message (over 40 MiB) and sends the part empty, listing its real size. (A part left in the
  // raw by parseMime, with a `body`, is not empty.)
  const byReference = !part.body && part.bytes.length === 0 && (platform?.size ?? 0) > 0;
  // A function: a body left in the raw is decoded to be measured, only if the size is needed.
  const sentSize = () =>
    byReference ? (platform?.size ?? 0) : (part.body?.size() ?? part.bytes.length);
  if (context.includeAttachments === false) return { ...base, size: sentSize(), bytes: null };
  const what = `attachment ${index} (${filename})`;
  const decrypts = isEncrypted && decryptWith !== undefined;
  const failed = (error: unknown, bytes: Uint8Array | null = null): ReceivedAttachment => {
    if (signal?.aborted) throw abortedError(signal, "reading the message");
    return {
      ...base,
      size: bytes?.length ?? sentSize(),
      bytes,
      error: asAgentMailError(error, `${what} could not be decrypted`),
    };
  };
  const open = (): Promise<PartStream> =>
    context.source
      ? context.source.open(
          index,
          platform?.size ?? MAX_DOWNLOAD_BYTES,
          typeof platform?.size === "number" ? platform.size : undefined,
        )
      : Promise.resolve(ownBytes(part));

  if (context.downloadDir) {
    const dir = context.downloadDir;
    if (!decrypts || !decryptWith) {
      try {
        const saved = await dir.save(safeFileName(sentName) ?? `attachment-${index}`, (sink) =>
          pipe(open, sink),
        );
        return { ...base, size: saved.bytes, bytes: null, path: saved.path };
      } catch (error) {
        return failed(error);
      }
    }
    try {
      const saved = await context.budget.spend(
        what,
        (maxPlaintextBytes) =>
          dir.save(restoredName(row, sentName, index), async (sink) => {
            const source = await open();
            try {
              const into = decryptWith.decryptInto as NonNullable<MailDecryptor["decryptInto"]>;
              const result = await into.call(decryptWith, source.stream, sink, {
                ...context.decryptOptions,
                maxPlaintextBytes,
              });
              // A decryptor that ignored the limit: the file is dropped before it gets a name.
              if (result.bytes > maxPlaintextBytes) throw overBudget();
              return result;
            } finally {
              source.close();
            }
          }),
        (saved) => saved.bytes,
      );
      return {
        ...base,
        filename: restoredName(row, sentName, index),
        contentType: restoredType(row),
        size: saved.bytes,
        decrypted: true,
        bytes: null,
        path: saved.path,
        verification: saved.result.verification,
        ...signerField(saved.result),
      };
    } catch (error) {
      return failed(error);
    }
  }

  let bytes = part.bytes;
  if (part.body) {
    // Only a caller that asked for bytes of a part it had left in the raw gets here.
    bytes = await readPart(ownBytes(part));
  } else if (byReference) {
    const size = sentSize();
    // One allowance for the whole message: many parts listed at the cap each would add up.
    if (size > context.inMemoryLeft.bytes) {
      return failed(
        new AgentMailError({
          code: "attachment_too_large",
          message: `${what} is ${size} bytes, more than the ${context.inMemoryLeft.bytes} left of the ${context.source?.maxInMemoryBytes ?? 0} bytes of attachments this message may hold in memory: pass downloadDir to write them to files (or raise maxInMemoryAttachmentBytes)`,
        }),
      );
    }
    context.inMemoryLeft.bytes -= size;
    try {
      if (decrypts) context.budget.check(what);
      bytes = await readPart(await open());
    } catch (error) {
      return failed(error);
    }
  }
  if (!decrypts || !decryptWith) return { ...base, size: bytes.length, bytes };
  try {
    const decrypted = await context.budget.spend(
      what,
      (maxPlaintextBytes) =>
        decryptWith.decryptBytes(bytes, { ...context.decryptOptions, maxPlaintextBytes }),
      (result) => result.data.length,
    );
    return {
      ...base,
      filename: restoredName(row, sentName, index),
      contentType: restoredType(row),
      size: decrypted.data.length,
      decrypted: true,
      bytes: decrypted.data,
      verification: decrypted.verification,
      ...signerField(decrypted),
    };
  } catch (error) {
    return failed(error, bytes);
  }
}

/** The part's own bytes: decoded from the raw as they are read when it was left there. */
function ownBytes(part: MimeAttachment): PartStream {
  return part.body ? { stream: part.body.stream(), close: () => {} } : bytesPart(part.bytes);
}

async function pipe(open: () => Promise<PartStream>, sink: WritableStream<Uint8Array>) {
  const source = await open();
  try {
    await source.stream.pipeTo(sink);
  } finally {
    source.close();
  }
}

function overBudget(): AgentMailError {
  return new AgentMailError({
    code: "plaintext_too_large",
    message: "the decryptor produced more plaintext than allowed",
  });
}
