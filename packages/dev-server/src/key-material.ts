// What a key IS, independent of how it is written. A fingerprint covers a key packet's version
// and creation time, and a DER SPKI covers the point encoding, so the same key can be re-dressed
// with a new fingerprint (bob's encryption subkey re-timestamped and bound to alice's primary) or
// a new DER (a P-256 point compressed): mail "to alice" would then be readable by bob. A claim on
// the canonical material catches every dressing: RSA by its modulus (whoever can decrypt for n
// holds its factors, whatever e says); a NIST curve point by its curve and x coordinate (the
// point with the other y is the same key negated); Curve25519 keys, Edwards (signing) or
// Montgomery (encryption), legacy or native, by their Montgomery u coordinate (one secret scalar
// serves both, so bob's Ed25519 key converted to X25519 is still bob's).
import type { KeyObject } from "node:crypto";

/** What this reads of an openpgp.js key or subkey packet. */
interface OpenpgpKeyPacket {
  algorithm: unknown;
  publicParams: unknown;
}

const P25519 = 2n ** 255n - 19n;

/**
 * The canonical material of an SPKI public key (`node:crypto` key object): `rsa:<n>`,
 * `p256:<x>`, `c25519:<u>` (lower-case hex), or `undefined` for a type the directory refuses.
 *
 * @example
 * spkiMaterial(createPublicKey(pem)); // "c25519:5f0c..."
 */
export function spkiMaterial(key: KeyObject): string | undefined {
  const jwk = key.export({ format: "jwk" });
  const bytes = (value: string | undefined) => Buffer.from(value ?? "", "base64url");
  switch (key.asymmetricKeyType) {
    case "rsa":
      return `rsa:${hex(stripZeros(bytes(jwk.n)))}`;
    case "ec":
      return `${curveName(String(jwk.crv))}:${hex(bytes(jwk.x))}`;
    case "ed25519":
      return `c25519:${hex(edwardsToMontgomery(bytes(jwk.x)))}`;
    default:
      return undefined;
  }
}

/**
 * The canonical material of an OpenPGP key packet (a primary key or subkey as openpgp.js reads
 * it), in the same namespace as {@link spkiMaterial}; other algorithms by their algorithm id and
 * public parameters. `undefined` for a key the directory refuses: X448 / Ed448 (no check here
 * that an Ed448 key is not someone's X448 key, and the Python SDK's PGPy cannot use them), a
 * Curve25519 key of the wrong length, and a NIST or Brainpool point that is not uncompressed
 * (`04 || x || y` of the curve's exact length: a compressed or hybrid point is the same key
 * written another way, and openpgp.js writes uncompressed points).
 *
 * @example
 * const key = await parsePublicKey(armored);
 * key.getKeys().map((k) => openpgpMaterial(k.keyPacket)); // ["c25519:...", "c25519:..."]
 */
export function openpgpMaterial(packet: OpenpgpKeyPacket): string | undefined {
  const params = packet.publicParams as Record<string, unknown>;
  const algorithm = Number(packet.algorithm);
  const field = (name: string) => {
    const value = params[name];
    return value instanceof Uint8Array ? value : new Uint8Array();
  };
  // RSA (1, 2, 3): the modulus.
  if (algorithm >= 1 && algorithm <= 3) return `rsa:${hex(stripZeros(field("n")))}`;
  // X25519 (25) and Ed25519 (27), native.
  if (algorithm === 25) return montgomery(field("A"));
  if (algorithm === 27) return edwards(field("A"));
  // X448 (26), Ed448 (28): refused.
  if (algorithm === 26 || algorithm === 28) return undefined;
  // ECDH (18), ECDSA (19), EdDSA legacy (22): a curve OID and a point.
  if (algorithm === 18 || algorithm === 19 || algorithm === 22) {
    const oid = params.oid as { getName?: () => string } | undefined;
    const curve = oid?.getName?.() ?? "unknown";
    const point = field("Q");
    // Legacy Curve25519 points are 0x40 || the native encoding.
    const native = point[0] === 0x40 && point.length === 33 ? point.subarray(1) : undefined;
    if (curve === "ed25519Legacy") return native && edwards(native);
    if (curve === "curve25519Legacy") return native && montgomery(native);
    const size = COORDINATE_BYTES[curve];
    if (size === undefined || point[0] !== 0x04 || point.length !== 1 + 2 * size) return undefined;
    return `${curveName(curve)}:${hex(point.subarray(1, 1 + size))}`;
  }
  const all = Object.keys(params)
    .sort()
    .map((name) => `${name}=${hex(field(name))}`);
  return `alg${algorithm}:${all.join(",")}`;
}

/** Bytes per coordinate of the Weierstrass curves openpgp.js reads (its curve names). */
const COORDINATE_BYTES: Record<string, number> = {
  nistP256: 32,
  nistP384: 48,
  nistP521: 66,
  brainpoolP256r1: 32,
  brainpoolP384r1: 48,
  brainpoolP512r1: 64,
  secp256k1: 32,
};

/**
 * An X25519 public key as its canonical u: RFC 7748 §5 ignores bit 255 and reads u mod p, so
 * `u`, `u | 2^255` and `u + p` are one key.
 */
function montgomery(encoded: Uint8Array): string | undefined {
  if (encoded.length !== 32) return undefined;
  return `c25519:${hex(littleEndian(fromLittleEndian(encoded) % P25519))}`;
}

function edwards(encoded: Uint8Array): string | undefined {
  if (encoded.length !== 32) return undefined;
  return `c25519:${hex(edwardsToMontgomery(encoded))}`;
}

/** One name per curve, whichever of JWK's and openpgp.js's spellings. */
function curveName(name: string): string {
  const names: Record<string, string> = {
    "P-256": "p256",
    nistP256: "p256",
    "P-384": "p384",
    nistP384: "p384",
    "P-521": "p521",
    nistP521: "p521",
  };
  return names[name] ?? name.toLowerCase();
}

/**
 * An Ed25519 public key (little-endian y with the sign of x in the top bit) as the Montgomery u
 * coordinate of the same point, little-endian: u = (1 + y) / (1 - y) mod p (RFC 7748 §4.1).
 */
function edwardsToMontgomery(encoded: Uint8Array): Uint8Array {
  if (encoded.length !== 32) return encoded;
  const y = fromLittleEndian(encoded) % P25519;
  const denominator = (1n - y + P25519) % P25519;
  // y = 1 is the identity point; no real key has it, keep it distinct rather than divide by 0.
  if (denominator === 0n) return encoded;
  return littleEndian(((1n + y) * power(denominator, P25519 - 2n)) % P25519);
}

/** 32 little-endian bytes as a number, bit 255 cleared (the sign of x, or ignored by X25519). */
function fromLittleEndian(encoded: Uint8Array): bigint {
  const le = Uint8Array.from(encoded);
  le[31] = (le[31] ?? 0) & 0x7f;
  return BigInt(`0x${hex(le.reverse()) || "0"}`);
}

function littleEndian(value: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let rest = value;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

function power(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = base % P25519;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % P25519;
    b = (b * b) % P25519;
    e >>= 1n;
  }
  return result;
}

function stripZeros(bytes: Uint8Array): Uint8Array {
  let at = 0;
  while (at < bytes.length - 1 && bytes[at] === 0) at++;
  return bytes.subarray(at);
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}
