import { concatBytes } from "../bytes.js";
import { AgentMailError } from "../errors.js";
import type { AttachmentBytes } from "../transport.js";
import { type CopyBudget, tooLargeForCopies } from "./copy-budget.js";
import type { NormalizedAttachment } from "./normalize.js";

/**
 * Reads every streamed attachment into memory, once, so that a send going out as several copies
 * can encrypt (or carry) the same bytes in each: a stream cannot be read twice. Bytes
 * attachments and stored references pass through untouched. The streams of one send hold at most
 * `budget.streamRoom` bytes together (what the bound on copies × attachment bytes leaves them);
 * past it the stream being read is cancelled and the send fails before anything is sent.
 *
 * @example
 * const attachments = await bufferStreams(normalized.attachments, { budget: copyBudget(normalized.attachments, 3) });
 * @throws {AgentMailError} `message_too_large` past the budget; `aborted` when `signal` fires.
 */
export async function bufferStreams(
  attachments: readonly NormalizedAttachment[],
  options: { budget: CopyBudget; signal?: AbortSignal | undefined },
): Promise<NormalizedAttachment[]> {
  const { budget } = options;
  let held = 0;
  const out: NormalizedAttachment[] = [];
  // One at a time: the cap counts what is held, so reading in parallel would overshoot it.
  for (const attachment of attachments) {
    const content = attachment.content;
    if (content === undefined || content instanceof Uint8Array) {
      out.push(attachment);
      continue;
    }
    const bytes = await readStream(content, options.signal, {
      bytes: budget.streamRoom - held,
      error: (read) =>
        tooLargeForCopies({
          copies: budget.copies,
          limit: budget.limit,
          attachmentBytes: budget.bytes + held + read,
          stream: attachment.filename,
        }),
    });
    held += bytes.length;
    out.push({ ...attachment, content: bytes, size: bytes.length });
  }
  return out;
}

/**
 * Reads a stream whole. Used for ciphertext a crypto implementation streamed back for bytes: a
 * send of several copies checks every copy in full before the first one leaves.
 *
 * @example
 * const bytes = await readWhole(await crypto.encryptAttachment(plaintext, recipients));
 */
export async function readWhole(
  content: AttachmentBytes,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  if (content instanceof Uint8Array) return content;
  return readStream(content, signal);
}

async function readStream(
  stream: ReadableStream<Uint8Array>,
  signal: AbortSignal | undefined,
  cap?: { bytes: number; error: (read: number) => AgentMailError },
): Promise<Uint8Array> {
  const reader = stream.getReader();
  // An abort cancels the read in flight, so a stalled stream cannot hold the send forever.
  const onAbort = () => void reader.cancel(signal?.reason).catch(() => {});
  signal?.addEventListener("abort", onAbort, { once: true });
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      if (signal?.aborted) throw abortedError(signal);
      const { done, value } = await reader.read();
      if (signal?.aborted) throw abortedError(signal);
      if (done) break;
      size += value.length;
      if (cap && size > cap.bytes) {
        const error = cap.error(size);
        await reader.cancel(error).catch(() => {});
        throw error;
      }
      chunks.push(value);
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
    reader.releaseLock();
  }
  return concatBytes(...chunks);
}

function abortedError(signal: AbortSignal): AgentMailError {
  return new AgentMailError({
    code: "aborted",
    message: "the send was aborted; nothing was sent",
    cause: signal.reason,
  });
}
