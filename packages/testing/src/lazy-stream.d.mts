// Types of lazy-stream.mjs.

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
export declare function lazyRandomStream(
  total: number,
  options?: { chunk?: number | undefined; onPull?: (() => void) | undefined },
): LazyStream;
