// Multiprecision integers (RFC 4880 §3.2) and curve OIDs (RFC 6637 §9), as key and signature
// packets write them.
import { fail, ok, type ReadResult } from "./result.js";

/** A multiprecision integer as written: its declared bit count and value bytes. */
export interface Mpi {
  bits: number;
  value: Uint8Array;
  /** The bit count is exactly the value's bit length, with no leading zero byte, and it is not 0. */
  canonical: boolean;
}

/**
 * Reads one MPI at `at`; `end` is where the next field starts. Never throws.
 *
 * @example
 * readMpi(Uint8Array.of(0, 9, 1, 0xff), 0); // { ok: true, value: { mpi: { bits: 9, canonical: true, ... }, end: 4 } }
 */
export function readMpi(bytes: Uint8Array, at: number): ReadResult<{ mpi: Mpi; end: number }> {
  if (at + 2 > bytes.length) return fail("an MPI is cut short");
  const bits = ((bytes[at] as number) << 8) | (bytes[at + 1] as number);
  const end = at + 2 + Math.ceil(bits / 8);
  if (end > bytes.length) return fail("an MPI is longer than its packet");
  const value = bytes.subarray(at + 2, end);
  const top = value[0] ?? 0;
  const canonical = top !== 0 && bits === (value.length - 1) * 8 + (32 - Math.clz32(top));
  return ok({ mpi: { bits, value, canonical }, end });
}

/**
 * Reads `count` MPIs in a row from `at`. Never throws.
 *
 * @example
 * readMpis(body, 6, 2); // RSA n and e
 */
export function readMpis(
  bytes: Uint8Array,
  at: number,
  count: number,
): ReadResult<{ mpis: Mpi[]; end: number }> {
  const mpis: Mpi[] = [];
  let end = at;
  for (let i = 0; i < count; i++) {
    const read = readMpi(bytes, end);
    if (!read.ok) return read;
    mpis.push(read.value.mpi);
    end = read.value.end;
  }
  return ok({ mpis, end });
}

/**
 * Reads a curve OID (one length octet, then the DER content octets) as dotted decimal.
 * Never throws.
 *
 * @example
 * readCurveOid(Uint8Array.of(9, 0x2b, 6, 1, 4, 1, 0xda, 0x47, 0x0f, 1), 0); // oid "1.3.6.1.4.1.11591.15.1"
 */
export function readCurveOid(
  bytes: Uint8Array,
  at: number,
): ReadResult<{ oid: string; canonical: boolean; end: number }> {
  const length = bytes[at];
  if (length === undefined || length === 0 || length === 0xff) {
    return fail("a curve OID has a reserved or missing length");
  }
  const end = at + 1 + length;
  if (end > bytes.length) return fail("a curve OID is longer than its packet");
  const arcs: number[] = [];
  let value = 0;
  let canonical = true;
  for (let i = at + 1; i < end; i++) {
    const byte = bytes[i] as number;
    if (value === 0 && byte === 0x80) canonical = false;
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER) return fail("a curve OID arc is too large");
    if ((byte & 0x80) === 0) {
      arcs.push(value);
      value = 0;
    } else if (i === end - 1) return fail("a curve OID ends in the middle of an arc");
  }
  const first = arcs.shift() ?? 0;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return ok({ oid: [...head, ...arcs].join("."), canonical, end });
}
