// Large streams made on demand: the source of the transports' memory tests (large-stream.ts) and
// of transport-api's upload-memory bench. Plain JavaScript (types in lazy-stream.d.mts) so that
// `node bench/*.mjs` can import it.
import { createHash } from "node:crypto";

/**
 * `total` pseudo-random bytes (xorshift32), made `chunk` bytes at a time only when the reader
 * pulls (a fresh array each time, as a file stream would hand out), hashed as they are made.
 * `onPull` runs on every pull, e.g. to sample memory while the consumer is busy.
 *
 * @example
 * const source = lazyRandomStream(256 * 1024 ** 2);
 * await send(source.stream); source.produced(); source.sha256();
 */
export function lazyRandomStream(total, options = {}) {
  const chunkSize = options.chunk ?? 64 * 1024;
  const hash = createHash("sha256");
  let produced = 0;
  let state = 0x9e3779b9;
  let cancelled = false;
  const stream = new ReadableStream(
    {
      pull(controller) {
        options.onPull?.();
        if (produced >= total) {
          controller.close();
          return;
        }
        const size = Math.min(chunkSize, total - produced);
        const chunk = new Uint8Array(size);
        const words = new Uint32Array(chunk.buffer, 0, size >>> 2);
        for (let i = 0; i < words.length; i++) {
          state ^= state << 13;
          state ^= state >>> 17;
          state ^= state << 5;
          words[i] = state;
        }
        hash.update(chunk);
        produced += size;
        controller.enqueue(chunk);
      },
      cancel() {
        cancelled = true;
      },
    },
    // No read-ahead of its own: every byte produced was asked for by the consumer.
    { highWaterMark: 0 },
  );
  return {
    stream,
    produced: () => produced,
    sha256: () => hash.digest("hex"),
    cancelled: () => cancelled,
  };
}
