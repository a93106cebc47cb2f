// Version 4 signature packets (RFC 4880 §5.2.3): the hashed and unhashed subpacket areas and
// the signature MPIs. It reads; it never verifies a signature.
import { type Mpi, readMpis } from "./mpi.js";
import { fail, ok, type ReadResult, readUint32 } from "./result.js";

/** Most subpackets one signature area may hold (a real signature has about ten). */
export const MAX_SUBPACKETS = 256;

/** A signature subpacket as written. */
export interface Subpacket {
  type: number;
  critical: boolean;
  body: Uint8Array;
  /** Its length was written in the shortest form (1, 2 or 5 octets), as every writer does. */
  minimalLength: boolean;
}

/** A version 4 signature packet, split into its fields. */
export interface SignatureV4 {
  version: 4;
  type: number;
  publicKeyAlgorithm: number;
  hashAlgorithm: number;
  hashed: Subpacket[];
  unhashed: Subpacket[];
  /** The two octets of the hash prefix, then the algorithm-specific signature MPIs. */
  material: Uint8Array;
  /**
   * The signature MPIs, for the algorithms of RFC 4880 (RSA: one; DSA, ECDSA, EdDSA, ElGamal: two);
   * undefined for other algorithms or when they are malformed.
   */
  mpis: Mpi[] | undefined;
  /** Octets after those MPIs (none in a well-formed packet). */
  trailing: number;
}

const SIGNATURE_MPI_COUNTS: Record<number, number> = {
  1: 1,
  2: 1,
  3: 1,
  16: 2,
  17: 2,
  19: 2,
  20: 2,
  22: 2,
};

/**
 * Reads a v4 signature packet body (the caller checked that its first octet is 4): its hashed
 * and unhashed subpackets (at most {@link MAX_SUBPACKETS} each) and signature MPIs. Never throws.
 *
 * @example
 * const signature = readSignatureV4(packet.body);
 * if (signature.ok) console.log(signature.value.hashed.map((s) => s.type)); // [2, 11, 16, 20, 21, ...]
 */
export function readSignatureV4(body: Uint8Array): ReadResult<SignatureV4> {
  if (body.length < 6) return fail("a signature packet is cut short");
  const hashed = readSubpackets(body, 4);
  if (!hashed.ok) return hashed;
  const unhashed = readSubpackets(body, hashed.value.end);
  if (!unhashed.ok) return unhashed;
  if (unhashed.value.end + 2 > body.length) return fail("a signature packet is cut short");
  const material = body.subarray(unhashed.value.end);
  const mpis = readMpis(material, 2, SIGNATURE_MPI_COUNTS[body[2] as number] ?? 0);
  return ok({
    version: 4,
    type: body[1] as number,
    publicKeyAlgorithm: body[2] as number,
    hashAlgorithm: body[3] as number,
    hashed: hashed.value.subpackets,
    unhashed: unhashed.value.subpackets,
    material,
    mpis: mpis.ok && mpis.value.mpis.length > 0 ? mpis.value.mpis : undefined,
    trailing: mpis.ok ? material.length - mpis.value.end : 0,
  });
}

function readSubpackets(
  body: Uint8Array,
  at: number,
): ReadResult<{ subpackets: Subpacket[]; end: number }> {
  if (at + 2 > body.length) return fail("a signature's subpacket area is cut short");
  const end = at + 2 + (((body[at] as number) << 8) | (body[at + 1] as number));
  if (end > body.length) return fail("a signature's subpacket area is longer than its packet");
  const subpackets: Subpacket[] = [];
  let i = at + 2;
  while (i < end) {
    if (subpackets.length >= MAX_SUBPACKETS) {
      return fail(`a signature has more than ${MAX_SUBPACKETS} subpackets`);
    }
    const first = body[i] as number;
    let length: number;
    let size: number;
    if (first < 192) [length, size] = [first, 1];
    else if (first < 255) {
      // 224..254 would be a partial length, which subpackets never have: RFC 4880 reads the
      // two-octet form for all of 192..254.
      if (i + 2 > end) return fail("a signature subpacket header is cut short");
      [length, size] = [((first - 192) << 8) + (body[i + 1] as number) + 192, 2];
    } else {
      if (i + 5 > end) return fail("a signature subpacket header is cut short");
      [length, size] = [readUint32(body, i + 1), 5];
    }
    if (length === 0) return fail("a signature subpacket has length 0 (no type octet)");
    if (i + size + length > end) return fail("a signature subpacket runs past its area");
    const typeOctet = body[i + size] as number;
    subpackets.push({
      type: typeOctet & 0x7f,
      critical: (typeOctet & 0x80) !== 0,
      body: body.subarray(i + size + 1, i + size + length),
      minimalLength: size === (length < 192 ? 1 : length < 8384 ? 2 : 5),
    });
    i += size + length;
  }
  return ok({ subpackets, end });
}
