// Attachment bytes as a stream, and the seam through which a transport that stores messages
// (transport-api's fetchMessage) hands the reader bytes that are not in the MIME itself.
import { concatBytes } from "@assmbl/core";

/**
 * The most an attachment is read from an {@link AttachmentSource} when the platform reports no
 * size (S3's largest single object).
 *
 * @example
 * const cap = size ?? MAX_DOWNLOAD_BYTES;
 */
export const MAX_DOWNLOAD_BYTES = 5 * 1024 ** 3;

/**
 * One attachment arriving from storage: its bytes as a stream, and `close()` to drop the
 * connection (idempotent; harmless after the stream ended).
 *
 * @example
 * const part: PartStream = { stream: new Blob([bytes]).stream(), close: () => {} };
 */
export interface PartStream {
  stream: ReadableStream<Uint8Array>;
  close(): void;
}

/**
 * Where a reader gets an attachment's bytes when they are not (only) in the MIME: a platform that
 * delivers the attachments of large messages by reference (empty MIME parts listed with their
 * size) and serves them on a download route. `@assmbl/transport-api`'s `fetchMessage` passes one
 * built on its API client; without one (`openMessage`), only the MIME's own bytes are read.
 *
 * @example
 * const source: AttachmentSource = {
 *   open: (index, maxBytes, expectedBytes) => downloadAttachment(http, { messageId, index, maxBytes, expectedBytes, timeoutMs }),
 *   maxInMemoryBytes: Limits.inMemoryAttachmentBytes,
 * };
 */
export interface AttachmentSource {
  /**
   * Streams attachment `index` from the platform, reading at most `maxBytes`; with
   * `expectedBytes` (the size the platform reported), a body of any other length is an error.
   */
  open(index: number, maxBytes: number, expectedBytes?: number): Promise<PartStream>;
  /**
   * How many bytes of attachments delivered by reference (empty MIME parts the platform lists
   * with their size) one message may read into memory, all of them together, when there is no
   * `downloadDir`. The reader counts them down as it reads.
   */
  maxInMemoryBytes: number;
}

/**
 * Reads a {@link PartStream} into memory (it is closed afterwards).
 *
 * @example
 * const bytes = await readPart(await source.open(0, size, size));
 * @throws {AgentMailError} whatever the stream errors with.
 */
export async function readPart(part: PartStream): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  try {
    const reader = part.stream.getReader();
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      chunks.push(next.value);
    }
  } finally {
    part.close();
  }
  return chunks.length === 1 ? (chunks[0] as Uint8Array) : concatBytes(...chunks);
}

/**
 * Bytes already in memory as a {@link PartStream}, in 64 KiB chunks (views, not copies).
 *
 * @example
 * await bytesPart(part.bytes).stream.pipeTo(sink);
 */
export function bytesPart(bytes: Uint8Array): PartStream {
  const CHUNK = 64 * 1024;
  let offset = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(sink) {
        if (offset >= bytes.length) {
          sink.close();
          return;
        }
        sink.enqueue(bytes.subarray(offset, offset + CHUNK));
        offset += CHUNK;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, close: () => {} };
}
