import {
  AgentMailError,
  type AttachmentBytes,
  concatBytes,
  type ManifestRow,
  type PreparedMessage,
  untilAborted,
  withManifestRows,
} from "@assmbl/core";

/** A prepared message whose attachments are all whole byte arrays, manifest sizes filled in. */
export interface CollectedMessage {
  prepared: PreparedMessage;
  /** The bytes of each attachment, in MIME order. */
  contents: Uint8Array[];
}

/**
 * The size limit {@link renderMessage} enforces while it reads streams: the most bytes the
 * encoded message may have, and who sets it (named in the error).
 *
 * @example
 * const limit: MessageLimit = { bytes: Limits.sesV1MessageBytes, name: "SES v1" };
 */
export interface MessageLimit {
  /** The most bytes the encoded message may have. */
  bytes: number;
  /** Who accepts at most `bytes`, as the error names it ("SES v1"). */
  name: string;
}

/**
 * Reads every attachment whole (a MIME message is rendered complete, so streams cannot
 * stay streams here) and writes the real byte `size` into each manifest row with core's
 * `withManifestRows`, which re-encodes `X-AgentMail-Attachments` from the rows. `prepared` has
 * passed core's `assertPrepared`: an encrypted stream errors (`encryption_failed`) on the first
 * line that is not ciphertext, so the send fails before the message is rendered.
 *
 * With `limit`, streams are read only while the message can still fit: every attachment is sent
 * base64, which makes 4 bytes of every 3 (line breaks on top), so attachments holding more than
 * 3/4 of the limit make a message over it whatever else it holds. Past that the stream being read
 * is cancelled (at most one chunk more than the budget was pulled from it) and the send fails
 * with `message_too_large`. Byte arrays are already in memory: they count towards that budget
 * but are measured exactly once rendered.
 *
 * @example
 * const { prepared: sized, contents } = await collectAttachments(prepared, {
 *   limit: { bytes: Limits.sesV1MessageBytes, name: "SES v1" },
 * });
 * @throws {AgentMailError} `message_too_large` past `limit`, `invalid_attachment` when a stream
 * fails or yields non-bytes, `encryption_failed` when an encrypted stream is not armored
 * OpenPGP, `aborted`.
 */
export async function collectAttachments(
  prepared: PreparedMessage,
  options: { signal?: AbortSignal | undefined; limit?: MessageLimit | undefined } = {},
): Promise<CollectedMessage> {
  const { signal, limit } = options;
  const budget = limit === undefined ? Number.POSITIVE_INFINITY : Math.floor((limit.bytes * 3) / 4);
  let held = 0;
  for (const attachment of prepared.attachments) {
    if (attachment.content instanceof Uint8Array) held += attachment.content.length;
  }
  const contents: Uint8Array[] = [];
  for (const [i, attachment] of prepared.attachments.entries()) {
    const what = `attachments[${i}] (${attachment.manifest.filename})`;
    // Encrypted content was checked by core's assertPrepared (bytes) or is read through core's
    // streaming ciphertext check (streams): read once, never released unchecked.
    const content = attachment.content as AttachmentBytes;
    if (content instanceof Uint8Array) {
      contents.push(content);
      continue;
    }
    const room = budget - held;
    try {
      const bytes = await readAll(content, what, signal, {
        bytes: room,
        error: (read) => tooLarge(what, held + read, limit as MessageLimit),
      });
      held += bytes.length;
      contents.push(bytes);
    } catch (error) {
      // The send is over: the streams not read yet are told to stop too (a file stream closes
      // its file), not left open and locked.
      for (const later of prepared.attachments.slice(i + 1)) {
        const stream = later.content as AttachmentBytes;
        if (!(stream instanceof Uint8Array)) stream.cancel(error).catch(() => {});
      }
      throw error;
    }
  }
  if (contents.length === 0) return { prepared, contents };
  const rows: ManifestRow[] = prepared.attachments.map((attachment, i) => ({
    ...attachment.manifest,
    size: contents[i]?.length ?? 0,
  }));
  return { prepared: withManifestRows(prepared, rows), contents };
}

function tooLarge(what: string, attachmentBytes: number, limit: MessageLimit): AgentMailError {
  const encoded = Math.ceil(attachmentBytes / 3) * 4;
  return new AgentMailError({
    code: "message_too_large",
    message: `${what}: the attachments hold at least ${attachmentBytes} bytes, at least ${encoded} bytes once base64-encoded; ${limit.name} accepts at most ${limit.bytes} bytes (${limit.bytes / 1024 / 1024} MiB) after encoding, so the stream was cancelled without reading the rest; nothing was sent`,
    body: { attachmentBytes, limit: limit.bytes },
  });
}

async function readAll(
  content: ReadableStream<Uint8Array>,
  what: string,
  signal: AbortSignal | undefined,
  cap: { bytes: number; error: (read: number) => AgentMailError },
): Promise<Uint8Array> {
  const reader = content.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const aborted = () =>
    new AgentMailError({
      code: "aborted",
      message: "the send was aborted while attachments were read; nothing was sent",
      cause: signal?.reason,
    });
  try {
    for (;;) {
      if (signal?.aborted) throw aborted();
      // A stalled stream must not outlive an abort: the read is raced against the signal.
      const { done, value } = await untilAborted(reader.read(), signal).catch((error: unknown) => {
        throw signal?.aborted ? aborted() : error;
      });
      if (done) break;
      if (!(value instanceof Uint8Array)) {
        throw new AgentMailError({
          code: "invalid_attachment",
          message: `${what}: the stream yielded a chunk that is not a Uint8Array`,
        });
      }
      size += value.length;
      if (size > cap.bytes) throw cap.error(size);
      chunks.push(value);
    }
  } catch (cause) {
    // Whatever stopped the read, tell the source to stop too: a file stream closes its file, a
    // generator stops producing (a stream that already failed ignores this).
    await reader.cancel(cause).catch(() => {});
    if (AgentMailError.is(cause)) throw cause;
    throw new AgentMailError({
      code: "invalid_attachment",
      message: `${what}: reading the attachment stream failed; nothing was sent`,
      cause,
    });
  } finally {
    reader.releaseLock();
  }
  return concatBytes(...chunks);
}
