// Decodes one attachment body where it lies in the raw message, a bounded chunk at a time, to
// exactly the bytes postal-mime decodes it to (the SDK's attachments have always been postal-mime's
// bytes; a file written from a stream must not differ from them by a byte). postal-mime reads a
// body as lines ending at LF with their trailing CRs dropped, and decodes:
//
// - base64: every byte that is not in the base64 alphabet is dropped (line ends included); a run
//   of `=` ends a unit, each unit decoded on its own, a dangling single character dropped;
// - quoted-printable: per line, `=XY` (two hex digits, before any soft break) is byte XY, a line
//   ending in `=` is a soft break, every other line gets a LF;
// - anything else (7bit, 8bit, binary, unknown): each line, then a LF.

/** How postal-mime decodes a body, from its `Content-Transfer-Encoding` token. */
export type BodyEncoding = "base64" | "quoted-printable" | "identity";

/**
 * The decoder postal-mime picks for a transfer-encoding token (its `setupContentDecoder`).
 *
 * @example
 * bodyEncoding("base64"); // "base64"
 * bodyEncoding("7bit"); // "identity"
 */
export function bodyEncoding(token: string): BodyEncoding {
  if (/base64/i.test(token)) return "base64";
  if (/quoted-printable/i.test(token)) return "quoted-printable";
  return "identity";
}

/**
 * A body being decoded: each `read` fills `out` (at least 4 bytes) as far as it can and returns
 * how many bytes it wrote; 0 once the body is done.
 *
 * @example
 * const reader = spanReader(raw, 120, 4_000, "base64");
 * for (let n = reader.read(buffer); n > 0; n = reader.read(buffer)) sink(buffer.subarray(0, n));
 */
export interface SpanReader {
  read(out: Uint8Array): number;
}

const LF = 0x0a;
const CR = 0x0d;
const EQUALS = 0x3d;
// base64 alphabet value of each byte; -1 for bytes postal-mime drops, -2 for `=`.
const BASE64 = new Int8Array(256).fill(-1);
for (const [i, c] of [
  ..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
].entries()) {
  BASE64[c.charCodeAt(0)] = i;
}
BASE64[EQUALS] = -2;

/**
 * Reads bytes `[start, end)` of `bytes` decoded as `encoding`, the way postal-mime decodes a
 * body whose lines are those bytes.
 *
 * @example
 * const reader = spanReader(new TextEncoder().encode("aGk=\r\n"), 0, 6, "base64"); // "hi"
 */
export function spanReader(
  bytes: Uint8Array,
  start: number,
  end: number,
  encoding: BodyEncoding,
): SpanReader {
  return encoding === "base64"
    ? base64Reader(bytes, start, end)
    : lineReader(bytes, start, end, encoding === "quoted-printable");
}

function base64Reader(bytes: Uint8Array, start: number, end: number): SpanReader {
  let pos = start;
  let acc = 0;
  let count = 0;
  let finished = false;
  return {
    read(out) {
      let w = 0;
      // A unit that ends (at `=` or the end) yields what its 2 or 3 characters hold.
      const flush = () => {
        if (count === 2) out[w++] = (acc >> 4) & 0xff;
        if (count === 3) {
          out[w++] = (acc >> 10) & 0xff;
          out[w++] = (acc >> 2) & 0xff;
        }
        acc = 0;
        count = 0;
      };
      while (w + 3 <= out.length) {
        if (pos >= end) {
          if (!finished) flush();
          finished = true;
          break;
        }
        const value = BASE64[bytes[pos++] as number] as number;
        if (value >= 0) {
          acc = (acc << 6) | value;
          if (++count === 4) {
            out[w++] = (acc >> 16) & 0xff;
            out[w++] = (acc >> 8) & 0xff;
            out[w++] = acc & 0xff;
            acc = 0;
            count = 0;
          }
        } else if (value === -2) {
          flush();
        }
      }
      return w;
    },
  };
}

function hexNibble(c: number | undefined): number {
  if (c === undefined) return -1;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

function lineReader(bytes: Uint8Array, start: number, end: number, qp: boolean): SpanReader {
  let pos = start; // where the next line starts
  let line: { cursor: number; bodyEnd: number; soft: boolean; next: number } | undefined;
  let lfPending = false;
  return {
    read(out) {
      let w = 0;
      for (;;) {
        if (lfPending) {
          if (w >= out.length) break;
          out[w++] = LF;
          lfPending = false;
        }
        if (!line) {
          if (pos >= end) break;
          const lf = bytes.indexOf(LF, pos);
          const lineEnd = lf < 0 || lf >= end ? end : lf;
          // postal-mime drops the CRs a line ends with (not those inside it).
          let contentEnd = lineEnd;
          while (contentEnd > pos && bytes[contentEnd - 1] === CR) contentEnd--;
          const soft = qp && contentEnd > pos && bytes[contentEnd - 1] === EQUALS;
          line = {
            cursor: pos,
            bodyEnd: soft ? contentEnd - 1 : contentEnd,
            soft,
            next: lineEnd < end ? lineEnd + 1 : end,
          };
        }
        if (w >= out.length) break;
        const current = line;
        if (!qp) {
          const n = Math.min(current.bodyEnd - current.cursor, out.length - w);
          out.set(bytes.subarray(current.cursor, current.cursor + n), w);
          w += n;
          current.cursor += n;
        } else {
          let i = current.cursor;
          const limit = current.bodyEnd;
          while (i < limit && w < out.length) {
            const byte = bytes[i] as number;
            if (byte === EQUALS && i + 2 < limit) {
              const high = hexNibble(bytes[i + 1]);
              const low = hexNibble(bytes[i + 2]);
              if (high >= 0 && low >= 0) {
                out[w++] = (high << 4) | low;
                i += 3;
                continue;
              }
            }
            out[w++] = byte;
            i++;
          }
          current.cursor = i;
        }
        if (current.cursor < current.bodyEnd) break; // `out` is full
        lfPending = !current.soft;
        pos = current.next;
        line = undefined;
      }
      return w;
    },
  };
}

const CHUNK_BYTES = 64 * 1024;

/**
 * The decoded body as a web stream of chunks of at most 64 KiB, decoded as they are pulled (one
 * chunk ahead at most).
 *
 * @example
 * await spanStream(raw, span.start, span.end, span.encoding).pipeTo(sink);
 */
export function spanStream(
  bytes: Uint8Array,
  start: number,
  end: number,
  encoding: BodyEncoding,
): ReadableStream<Uint8Array> {
  const reader = spanReader(bytes, start, end, encoding);
  return new ReadableStream<Uint8Array>(
    {
      pull(sink) {
        const out = new Uint8Array(CHUNK_BYTES);
        const n = reader.read(out);
        if (n === 0) sink.close();
        else sink.enqueue(n === out.length ? out : out.slice(0, n));
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * How many bytes the body decodes to (decoded chunk by chunk, nothing kept).
 *
 * @example
 * spanSize(raw, span.start, span.end, "base64"); // 16777216
 */
export function spanSize(
  bytes: Uint8Array,
  start: number,
  end: number,
  encoding: BodyEncoding,
): number {
  const reader = spanReader(bytes, start, end, encoding);
  const scratch = new Uint8Array(CHUNK_BYTES);
  let total = 0;
  for (let n = reader.read(scratch); n > 0; n = reader.read(scratch)) total += n;
  return total;
}
