// Streams and memory measurement shared by the stream decryption tests.

/**
 * `data` as a stream of `chunk`-byte copies, pulled one at a time.
 *
 * @example
 * await decryptToSink(streamOf(armored), discard(), { privateKey });
 */
export function streamOf(data: string | Uint8Array, chunk = 16 * 1024): ReadableStream<Uint8Array> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunk));
      offset += chunk;
    },
  });
}

/**
 * Peak RSS growth (bytes) while `run` runs, sampled every millisecond the loop is free.
 *
 * @example
 * expect(await peakGrowth(() => decryptToSink(input, discard(), { privateKey }))).toBeLessThan(64 * MiB);
 */
export async function peakGrowth(run: () => Promise<unknown>): Promise<number> {
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 1);
  try {
    await run();
  } finally {
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  return peak - base;
}

/**
 * A sink that drops what it is given.
 *
 * @example
 * await key.decryptInto(streamOf(armored), discard());
 */
export const discard = () => new WritableStream<Uint8Array>();
