// The result type of core's OpenPGP readers, and the octet helpers they share. The readers use
// Uint8Array only (core runs on Node, Deno, Bun and Workers) and report malformed input as a
// problem string, never by throwing, so a hostile key can neither crash nor stall a caller.

/** The result of a reader: a value, or one sentence saying why the input is malformed. */
export type ReadResult<T> = { ok: true; value: T } | { ok: false; problem: string };

/**
 * A successful {@link ReadResult}.
 *
 * @example
 * return ok({ packets, end });
 */
export const ok = <T>(value: T): ReadResult<T> => ({ ok: true, value });

/**
 * A failed {@link ReadResult}.
 *
 * @example
 * return fail("a signature packet is cut short");
 */
export const fail = <T>(problem: string): ReadResult<T> => ({ ok: false, problem });

/**
 * Big-endian unsigned 32-bit integer at `at` (the caller checked the bounds).
 *
 * @example
 * readUint32(Uint8Array.of(0, 0, 1, 0), 0); // 256
 */
export function readUint32(bytes: Uint8Array, at: number): number {
  return (
    (((bytes[at] as number) << 24) |
      ((bytes[at + 1] as number) << 16) |
      ((bytes[at + 2] as number) << 8) |
      (bytes[at + 3] as number)) >>>
    0
  );
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
