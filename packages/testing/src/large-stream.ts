// Large streams made on demand (lazy-stream.mjs, shared with transport-api's upload bench), and a
// resident-memory meter, for the tests that prove a transport sends (or refuses) a big attachment
// without holding it (transport-ses's and transport-api's tests).
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { type LazyStream, lazyRandomStream } from "./lazy-stream.mjs";

export { type LazyStream, lazyRandomStream } from "./lazy-stream.mjs";

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
