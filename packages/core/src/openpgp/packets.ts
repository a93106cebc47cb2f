// OpenPGP packet framing (RFC 4880 §4.2, RFC 9580 §4.2): old and new headers, every length form.
import { fail, ok, type ReadResult, readUint32 } from "./result.js";

/** Most packets one read may return (a real key has tens). */
export const MAX_PACKETS = 4096;

/** One packet: its tag and body. */
export interface Packet {
  tag: number;
  /**
   * The packet body; for a packet with a partial body length (read with `untilPartialLength`),
   * only its first chunk.
   */
  body: Uint8Array;
  /** Set on a packet with a partial body length, which ends a read with `untilPartialLength`. */
  partial?: true;
}

/** Options of {@link readPackets}. */
export interface ReadPacketsOptions {
  /**
   * Stop at the first packet with a partial body length and return it last, flagged `partial`,
   * with its first chunk as its body. Encrypted messages end with such a data packet (openpgp.js
   * streams it); without this option a partial length is malformed, as RFC 4880 allows it only
   * in data packets, never in keys.
   */
  untilPartialLength?: boolean | undefined;
}

/**
 * Splits binary OpenPGP data into packets (old and new header formats), at most
 * {@link MAX_PACKETS}. Never throws: malformed data is `{ ok: false, problem }`.
 *
 * @example
 * const packets = readPackets(armor.bytes);
 * if (packets.ok) console.log(packets.value.map((packet) => packet.tag)); // [6, 13, 2, 14, 2]
 * const message = readPackets(armoredMessageBytes, { untilPartialLength: true }); // [1, 1, 18 (partial)]
 */
export function readPackets(
  bytes: Uint8Array,
  options: ReadPacketsOptions = {},
): ReadResult<Packet[]> {
  const packets: Packet[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (packets.length >= MAX_PACKETS) return fail(`it holds more than ${MAX_PACKETS} packets`);
    const header = readHeader(bytes, at);
    if (!header.ok) return header;
    const { tag, length, start, partial } = header.value;
    if (partial && !options.untilPartialLength) {
      return fail(`packet ${packets.length + 1} (tag ${tag}) uses a partial body length`);
    }
    if (partial) {
      packets.push({ tag, body: bytes.subarray(start, start + length), partial: true });
      return ok(packets);
    }
    if (start + length > bytes.length) {
      return fail(`packet ${packets.length + 1} (tag ${tag}) runs past the end of the data`);
    }
    packets.push({ tag, body: bytes.subarray(start, start + length) });
    at = start + length;
  }
  return ok(packets);
}

interface Header {
  tag: number;
  length: number;
  /** Where the body starts. */
  start: number;
  /** A partial body length: `length` is the first chunk's. */
  partial: boolean;
}

function readHeader(bytes: Uint8Array, at: number): ReadResult<Header> {
  const ctb = bytes[at] as number;
  if ((ctb & 0x80) === 0) return fail(`byte ${at} is not a packet header`);
  const cut = () => fail<Header>("the last packet header is cut short");
  if (ctb & 0x40) {
    const tag = ctb & 0x3f;
    const first = bytes[at + 1];
    if (first === undefined) return cut();
    if (first < 192) return ok({ tag, length: first, start: at + 2, partial: false });
    if (first < 224) {
      const second = bytes[at + 2];
      if (second === undefined) return cut();
      return ok({
        tag,
        length: ((first - 192) << 8) + second + 192,
        start: at + 3,
        partial: false,
      });
    }
    if (first === 255) {
      if (at + 6 > bytes.length) return cut();
      return ok({ tag, length: readUint32(bytes, at + 2), start: at + 6, partial: false });
    }
    return ok({ tag, length: 1 << (first & 0x1f), start: at + 2, partial: true });
  }
  const tag = (ctb >> 2) & 0x0f;
  const lengthType = ctb & 0x03;
  // Indeterminate length: the packet runs to the end of the data.
  if (lengthType === 3)
    return ok({ tag, length: bytes.length - at - 1, start: at + 1, partial: false });
  const size = 1 << lengthType;
  if (at + 1 + size > bytes.length) return cut();
  let length = 0;
  for (let i = 0; i < size; i++) length = length * 256 + (bytes[at + 1 + i] as number);
  return ok({ tag, length, start: at + 1 + size, partial: false });
}
