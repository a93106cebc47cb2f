// Python's UTF-16 and UTF-32 decoders with its `surrogateescape` retry, for RFC 2047 encoded
// words (see encoded-word-charsets.ts): what `bytes.decode("utf-16-le" | "utf-16" | "utf-32"...,
// "surrogateescape")` gives, written as bytes (decoded characters as UTF-8, escaped bytes as
// themselves).
import type { ByteSink } from "./encoded-word-bytes.js";

/**
 * The byte order of a UTF-16 or UTF-32 codec: fixed (`-le`, `-be`), or `bom`: Python's plain
 * `utf-16` / `utf-32`, which read a byte order mark at the start (and drop it) and otherwise
 * use the machine's order, little-endian on every platform Python runs this SDK on (x86-64,
 * ARM64).
 */
export type ByteOrder = "le" | "be" | "bom";

/**
 * Python's UTF-16 decoder: a lone surrogate's two bytes, a high surrogate without a following
 * unit, or a last odd byte is an error; of an error's bytes, the leading ones of 0x80 or more (at
 * most four) stay raw and decoding resumes after them; an error that starts with an ASCII byte
 * makes the whole decode fail (`false`): the encoded word is then invalid, as in Python.
 *
 * @example
 * appendUtf16(Uint8Array.of(0xff, 0xfe, 0x61, 0x00), "bom", sink); // true; sink holds "a"
 */
export function appendUtf16(bytes: Uint8Array, order: ByteOrder, sink: ByteSink): boolean {
  const n = bytes.length;
  let i = 0;
  let littleEndian = order !== "be";
  if (order === "bom" && n >= 2) {
    if (bytes[0] === 0xff && bytes[1] === 0xfe) i = 2;
    else if (bytes[0] === 0xfe && bytes[1] === 0xff) {
      i = 2;
      littleEndian = false;
    }
  }
  const unit = (at: number) =>
    littleEndian
      ? (bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8)
      : ((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0);
  while (i < n) {
    if (i + 1 >= n) {
      i = keepRaw(bytes, i, n, sink); // truncated data
    } else {
      const high = unit(i);
      if (high < 0xd800 || high > 0xdfff) {
        sink.pushCodePoint(high);
        i += 2;
        continue;
      }
      if (high >= 0xdc00)
        i = keepRaw(bytes, i, i + 2, sink); // illegal encoding
      else if (i + 3 >= n)
        i = keepRaw(bytes, i, n, sink); // unexpected end of data
      else {
        const low = unit(i + 2);
        if (low >= 0xdc00 && low <= 0xdfff) {
          sink.pushCodePoint(0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00));
          i += 4;
          continue;
        }
        i = keepRaw(bytes, i, i + 2, sink); // illegal UTF-16 surrogate
      }
    }
    if (i < 0) return false;
  }
  return true;
}

/**
 * Python's UTF-32 decoder, errors as in {@link appendUtf16}: a unit that is a surrogate or past
 * U+10FFFF is an error of four bytes, fewer than four bytes left an error of those bytes. The
 * byte order marks are `FF FE 00 00` and `00 00 FE FF`.
 *
 * @example
 * appendUtf32(Uint8Array.of(0x61, 0, 0, 0), "le", sink); // true; sink holds "a"
 */
export function appendUtf32(bytes: Uint8Array, order: ByteOrder, sink: ByteSink): boolean {
  const n = bytes.length;
  let i = 0;
  let littleEndian = order !== "be";
  if (order === "bom" && n >= 4) {
    if (bytes[0] === 0xff && bytes[1] === 0xfe && bytes[2] === 0 && bytes[3] === 0) i = 4;
    else if (bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 0xfe && bytes[3] === 0xff) {
      i = 4;
      littleEndian = false;
    }
  }
  while (i < n) {
    if (i + 3 >= n) {
      i = keepRaw(bytes, i, n, sink); // truncated data
    } else {
      const [a = 0, b = 0, c = 0, d = 0] = bytes.subarray(i, i + 4);
      const code = littleEndian
        ? (a | (b << 8) | (c << 16) | (d << 24)) >>> 0
        : ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
      if (code <= 0x10ffff && (code < 0xd800 || code > 0xdfff)) {
        sink.pushCodePoint(code);
        i += 4;
        continue;
      }
      i = keepRaw(bytes, i, i + 4, sink);
    }
    if (i < 0) return false;
  }
  return true;
}

/**
 * Python's `surrogateescape` on an error over bytes [from, to): the leading bytes of 0x80 or more
 * (at most four) stay raw; returns where decoding goes on, or -1 when the error starts with an
 * ASCII byte (Python raises).
 */
function keepRaw(bytes: Uint8Array, from: number, to: number, sink: ByteSink): number {
  let at = from;
  while (at < to && at - from < 4 && (bytes[at] ?? 0) >= 0x80) sink.push(bytes[at++] ?? 0);
  return at === from ? -1 : at;
}
