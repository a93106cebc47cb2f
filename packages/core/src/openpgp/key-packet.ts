// Version 4 public and secret key packets (RFC 4880 §5.5): the public fields, what a secret key
// packet says about its protection (never the secret itself), and the v4 fingerprint.
import { type Mpi, readCurveOid, readMpis } from "./mpi.js";
import { fail, ok, type ReadResult, readUint32, toHex } from "./result.js";
import { sha1 } from "./sha1.js";

/** A version 4 public or secret key packet, split into its fields (RFC 4880 §5.5). */
export interface KeyPacketV4 {
  version: 4;
  /** Creation time, seconds since the epoch. */
  created: number;
  algorithm: number;
  /**
   * The public MPIs: RSA n, e; DSA p, q, g, y; ElGamal p, g, y; the point of an ECDSA, EdDSA or
   * ECDH key. Empty for algorithms this reader does not parse.
   */
  mpis: Mpi[];
  /** The curve of an ECDSA, EdDSA or ECDH key. */
  curve: { oid: string; canonical: boolean } | undefined;
  /** The KDF parameters of an ECDH key, as written (size, 1, hash id, cipher id). */
  kdf: Uint8Array | undefined;
  /** The body up to the end of the public fields: what the fingerprint covers. */
  publicBody: Uint8Array;
  /** How a secret key packet protects its secret part (never the secret itself). */
  protection: KeyProtection | undefined;
  /** Octets after the public fields of a public key packet (none in a well-formed packet). */
  trailing: number;
  /** The v4 fingerprint, lower-case hex; its last 16 digits are the key ID. */
  fingerprint: string;
}

/** The S2K fields of a secret key packet (RFC 4880 §5.5.3, §3.7). */
export interface KeyProtection {
  /** 0: not protected; 254, 255: passphrase (S2K) protected; 253: AEAD (RFC 9580); others: legacy. */
  usage: number;
  /** For usage 254 and 255: the cipher, S2K type and S2K hash algorithm. */
  cipher: number | undefined;
  s2kType: number | undefined;
  s2kHash: number | undefined;
  /** S2K type 101 carries GnuPG's 0x00 "GNU" marker. */
  gnuMarker: boolean;
}

const KEY_MPI_COUNTS: Record<number, number> = { 1: 2, 2: 2, 3: 2, 16: 3, 17: 4, 20: 3 };
const ECC_ALGORITHMS = new Set([18, 19, 22]);

/**
 * Reads a version 4 key packet body (tags 5, 6, 7, 14; the caller checked the version octet).
 * The public fields of RFC 4880 algorithms are parsed; for others `mpis` is empty and the whole
 * body counts as public. Never throws.
 *
 * @example
 * const key = readKeyPacketV4(packet.body, packet.tag === 5 || packet.tag === 7);
 * if (key.ok) console.log(key.value.fingerprint.slice(-16)); // the key ID
 */
export function readKeyPacketV4(body: Uint8Array, secret: boolean): ReadResult<KeyPacketV4> {
  if (body.length < 6) return fail("a key packet is cut short");
  const algorithm = body[5] as number;
  let at = 6;
  let curve: KeyPacketV4["curve"];
  let kdf: Uint8Array | undefined;
  if (ECC_ALGORITHMS.has(algorithm)) {
    const oid = readCurveOid(body, at);
    if (!oid.ok) return oid;
    curve = { oid: oid.value.oid, canonical: oid.value.canonical };
    at = oid.value.end;
  }
  const count = KEY_MPI_COUNTS[algorithm] ?? (ECC_ALGORITHMS.has(algorithm) ? 1 : 0);
  if (count === 0) at = body.length;
  const read = readMpis(body, at, count);
  if (!read.ok) return read;
  at = read.value.end;
  if (algorithm === 18) {
    const size = body[at];
    if (size === undefined || at + 1 + size > body.length)
      return fail("ECDH KDF parameters are cut short");
    kdf = body.subarray(at, at + 1 + size);
    at += 1 + size;
  }
  const publicBody = body.subarray(0, at);
  return ok({
    version: 4,
    created: readUint32(body, 1),
    algorithm,
    mpis: read.value.mpis,
    curve,
    kdf,
    publicBody,
    protection: secret ? readProtection(body, at) : undefined,
    trailing: secret ? 0 : body.length - at,
    fingerprint: v4Fingerprint(publicBody),
  });
}

function readProtection(body: Uint8Array, at: number): KeyProtection {
  const usage = body[at] ?? 0;
  const s2k = usage === 254 || usage === 255;
  const s2kType = s2k ? body[at + 2] : undefined;
  return {
    usage,
    cipher: s2k ? body[at + 1] : undefined,
    s2kType,
    s2kHash: s2k ? body[at + 3] : undefined,
    // GnuPG's extension: type 101, then the octets 0x00 "GNU" and an extension number.
    gnuMarker: s2kType === 101 && Array.from(body.subarray(at + 3, at + 7)).join() === "0,71,78,85",
  };
}

/**
 * The v4 fingerprint of a key, lower-case hex: SHA-1 over 0x99, the two-octet length and the
 * public key packet body (RFC 4880 §12.2). `publicBody` is the body up to the end of the public
 * fields (for a secret key packet, without the secret part).
 *
 * @example
 * v4Fingerprint(publicBody).slice(-16); // the key ID
 */
export function v4Fingerprint(publicBody: Uint8Array): string {
  const data = new Uint8Array(publicBody.length + 3);
  data.set([0x99, (publicBody.length >> 8) & 0xff, publicBody.length & 0xff]);
  data.set(publicBody, 3);
  return toHex(sha1(data));
}
