import {
  AgentMailError,
  type AttachmentBytes,
  concatBytes,
  guardArmored,
  type ManifestRow,
  type PreparedMessage,
  withManifestRows,
} from "@assmbl/core";

/** A prepared message whose attachments are all whole byte arrays, manifest sizes filled in. */
export interface CollectedMessage {
  prepared: PreparedMessage;
  /** The bytes of each attachment, in MIME order. */
  contents: Uint8Array[];
}

/**
 * Reads every attachment whole (SES takes one complete message, so streams cannot stay
 * streams here) and writes the real byte `size` into each manifest row with core's
 * `withManifestRows`, which re-encodes `X-AgentMail-Attachments` from the rows. Encrypted
 * attachments are checked to be armored OpenPGP before their bytes are used.
 *
 * @example
 * const { prepared: sized, contents } = await collectAttachments(prepared);
 * @throws {AgentMailError} `invalid_attachment` when a stream fails or yields non-bytes,
 * `encryption_failed` when an encrypted attachment is not armored, `aborted`.
 */
export async function collectAttachments(
  prepared: PreparedMessage,
  signal?: AbortSignal,
): Promise<CollectedMessage> {
  const contents: Uint8Array[] = [];
  for (const [i, attachment] of prepared.attachments.entries()) {
    const what = `attachments[${i}] (${attachment.manifest.filename})`;
    let content = attachment.content as AttachmentBytes;
    if (attachment.manifest.encrypted) content = guardArmored(content, what);
    contents.push(await readAll(content, what, signal));
  }
  if (contents.length === 0) return { prepared, contents };
  const rows: ManifestRow[] = prepared.attachments.map((attachment, i) => ({
    ...attachment.manifest,
    size: contents[i]?.length ?? 0,
  }));
  return { prepared: withManifestRows(prepared, rows), contents };
}

async function readAll(
  content: AttachmentBytes,
  what: string,
  signal: AbortSignal | undefined,
): Promise<Uint8Array> {
  if (content instanceof Uint8Array) return content;
  const reader = content.getReader();
  const chunks: Uint8Array[] = [];
  try {
    for (;;) {
      if (signal?.aborted) {
        await reader.cancel(signal.reason).catch(() => {});
        throw new AgentMailError({
          code: "aborted",
          message: "the send was aborted while attachments were read; nothing was sent",
          cause: signal.reason,
        });
      }
      const { done, value } = await reader.read();
      if (done) break;
      if (!(value instanceof Uint8Array)) {
        throw new AgentMailError({
          code: "invalid_attachment",
          message: `${what}: the stream yielded a chunk that is not a Uint8Array`,
        });
      }
      chunks.push(value);
    }
  } catch (cause) {
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
