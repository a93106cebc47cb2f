// Byte helpers of the OpenPGP fixtures, written here rather than imported from core's internals:
// the fixtures must not rest on the code they test, and no test reaches into another package's
// source.

/**
 * Joins byte arrays into one.
 *
 * @example
 * concatBytes(Uint8Array.of(1), Uint8Array.of(2, 3)); // Uint8Array [1, 2, 3]
 */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * The CRC-24 of RFC 4880 §6.1 (generator 0x864CFB, initial value 0xB704CE).
 *
 * @example
 * crc24(new Uint8Array()); // 0xb704ce
 */
export function crc24(bytes: Uint8Array): number {
  let crc = 0xb704ce;
  for (const byte of bytes) {
    crc ^= byte << 16;
    for (let bit = 0; bit < 8; bit++) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= 0x1864cfb;
    }
  }
  return crc & 0xffffff;
}

/**
 * Lower-case hex of `bytes`.
 *
 * @example
 * toHex(Uint8Array.of(0xab, 1)); // "ab01"
 */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
