// Large streams made on demand, and a resident-memory meter, for the tests that prove a transport
// sends (or refuses) a big attachment without holding it (transport-ses's and transport-api's
// tests).
import { createHash } from "node:crypto";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** A stream of pseudo-random bytes and what it has produced so far. */
export interface LazyStream {
  stream: ReadableStream<Uint8Array>;
  /** Bytes handed to the reader so far (what was pulled from the source). */
  produced(): number;
  /** SHA-256 (hex) of every byte produced; call once, at the end. */
  sha256(): string;
  /** True once the consumer cancelled the stream. */
  cancelled(): boolean;
}

/**
 * `total` pseudo-random bytes (xorshift32), made `chunk` bytes at a time only when the reader
 * pulls (a fresh array each time, as a file stream would hand out), hashed as they are made.
 * `onPull` runs on every pull, e.g. to sample memory while the consumer is busy.
 *
 * @example
 * const source = lazyRandomStream(256 * 1024 ** 2);
 * await send(source.stream); source.produced(); source.sha256();
 */
export function lazyRandomStream(
  total: number,
  options: { chunk?: number; onPull?: () => void } = {},
): LazyStream {
  const chunkSize = options.chunk ?? 64 * 1024;
  const hash = createHash("sha256");
  let produced = 0;
  let state = 0x9e3779b9;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>(
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

/** Peak resident memory above a baseline taken at creation. */
export interface RssMeter {
  /** Records the current RSS; call it often (on every pull of the source). */
  sample(): void;
  /** The highest RSS seen minus the baseline, in bytes. */
  peakGrowth(): number;
}

let forcedGc: (() => void) | undefined;

/**
 * Runs a full garbage collection (exposing `gc` on first use).
 *
 * @example
 * collectGarbage();
 */
export function collectGarbage(): void {
  if (!forcedGc) {
    setFlagsFromString("--expose-gc");
    forcedGc = runInNewContext("gc") as () => void;
  }
  forcedGc();
}

/**
 * Starts measuring: a full GC, then the baseline. How much garbage V8 lets pile up before it
 * collects (up to about 64 MiB of array buffers) is V8's choice, not what the code under test
 * holds; pair the meter with {@link meteredStream}, which collects every few MiB, so that what
 * the meter sees is retention and read-ahead.
 *
 * @example
 * const meter = rssMeter(); await send(); expect(meter.peakGrowth()).toBeLessThan(64 * 1024 ** 2);
 */
export function rssMeter(): RssMeter {
  collectGarbage();
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  return {
    sample() {
      peak = Math.max(peak, process.memoryUsage.rss());
    },
    peakGrowth: () => peak - baseline,
  };
}

/**
 * A source for a memory test: `total` lazy bytes whose every pull samples `meter`, with a full GC
 * every `gcEveryBytes` (default 8 MiB) so that garbage V8 has not yet collected does not count.
 *
 * @example
 * const meter = rssMeter(); const source = meteredStream(256 * 1024 ** 2, meter);
 */
export function meteredStream(
  total: number,
  meter: RssMeter,
  gcEveryBytes = 8 * 1024 * 1024,
): LazyStream {
  let next = gcEveryBytes;
  const source: LazyStream = lazyRandomStream(total, {
    onPull() {
      meter.sample();
      if (source.produced() >= next) {
        next += gcEveryBytes;
        collectGarbage();
      }
    },
  });
  return source;
}
