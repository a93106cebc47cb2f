// PGPy 0.6's enums and tables (pgpy/constants.py, pgpy/packet/subpackets/signature.py), as data.
// A value outside an enum makes PGPy raise ValueError while it parses the key.

/** constants.py PubKeyAlgorithm. */
export const PUBLIC_KEY_ALGORITHMS = new Set([0, 1, 2, 3, 16, 17, 18, 19, 20, 21, 22]);
/** constants.py SymmetricKeyAlgorithm. */
export const SYMMETRIC = new Set([0, 1, 2, 3, 4, 7, 8, 9, 10, 11, 12, 13]);
/** constants.py HashAlgorithm. */
export const HASHES = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
/** constants.py CompressionAlgorithm. */
export const COMPRESSION = new Set([0, 1, 2, 3]);
/** constants.py SignatureType. */
export const SIGNATURE_TYPES = new Set([
  0x00, 0x01, 0x02, 0x10, 0x11, 0x12, 0x13, 0x16, 0x18, 0x19, 0x1f, 0x20, 0x28, 0x30, 0x40, 0x50,
]);
/** constants.py RevocationReason. */
export const REVOCATION_REASONS = new Set([0, 1, 2, 3, 0x20]);
/** constants.py String2KeyType. */
export const S2K_SPECIFIERS = new Set([0, 1, 2, 3, 101]);
/** constants.py EllipticCurveOID: dotted OID → PGPy's name. */
export const CURVES = new Map([
  ["1.3.6.1.4.1.3029.1.5.1", "Curve25519"],
  ["1.3.6.1.4.1.11591.15.1", "Ed25519"],
  ["1.2.840.10045.3.1.7", "NIST P-256"],
  ["1.3.132.0.34", "NIST P-384"],
  ["1.3.132.0.35", "NIST P-521"],
  ["1.3.36.3.3.2.8.1.1.7", "brainpoolP256r1"],
  ["1.3.36.3.3.2.8.1.1.11", "brainpoolP384r1"],
  ["1.3.36.3.3.2.8.1.1.13", "brainpoolP512r1"],
  ["1.3.132.0.10", "secp256k1"],
]);
/** PGPKey.verify looks the hash up by name in pyca/cryptography, which has no RIPEMD-160. */
export const VERIFIABLE_HASHES = new Set([1, 2, 8, 9, 10, 11]);
/** Key algorithms whose PGPy key material has a verify(): RSA, DSA, ECDSA, EdDSA. */
export const VERIFYING_ALGORITHMS = new Set([1, 2, 3, 17, 19, 22]);
export const RSA = new Set([1, 2, 3]);
/**
 * constants.py MINIMUM_ASYMMETRIC_KEY_LENGTHS and SAFE_CURVES: what PubKeyAlgorithm.validate_params
 * rates sound. Other algorithms (RSA encrypt-only 2, ElGamal 20, ...) are "broken".
 */
export const MINIMUM_BITS: Record<number, number> = { 1: 2048, 3: 2048, 16: 2048, 17: 2048 };
export const ECC_ALGORITHMS = new Set([18, 19, 22]);
export const SAFE_CURVES = new Set(["Curve25519", "Ed25519"]);
/** KeyFlags EncryptCommunications | EncryptStorage: what PGPKey.encrypt looks for. */
export const ENCRYPTION_FLAGS = 0x0c;

// Names for the messages, including the newer ids PGPy does not know.
export const HASH_NAMES: Record<number, string> = {
  1: "MD5",
  2: "SHA-1",
  3: "RIPEMD-160",
  8: "SHA-256",
  9: "SHA-384",
  10: "SHA-512",
  11: "SHA-224",
  12: "SHA3-256",
  14: "SHA3-512",
};
const ALGORITHM_NAMES: Record<number, string> = {
  25: "X25519 (RFC 9580)",
  26: "X448 (RFC 9580)",
  27: "Ed25519 (RFC 9580)",
  28: "Ed448 (RFC 9580)",
};

/**
 * A public-key algorithm id for a message, with its name when PGPy does not know it.
 *
 * @example
 * algorithmName(27); // "27 Ed25519 (RFC 9580)"
 */
export function algorithmName(algorithm: number): string {
  const name = ALGORITHM_NAMES[algorithm];
  return name ? `${algorithm} ${name}` : `${algorithm}`;
}

/**
 * Subpackets PGPy reads a fixed number of octets from, whatever their length says
 * (packet/subpackets/signature.py); another length desynchronizes the rest of the area.
 */
export const FIXED_SIZES: Record<number, number> = {
  2: 4,
  3: 4,
  4: 1,
  5: 2,
  7: 1,
  9: 4,
  12: 22,
  16: 8,
  25: 1,
};
/** ByteFlag subpackets keep only the bits of their enum (KeyServerPreferences, KeyFlags, Features). */
export const FLAG_MASKS: Record<number, [name: string, mask: number]> = {
  23: ["key server preferences", 0x80],
  27: ["key flags", 0xbf],
  30: ["features", 0x01],
};
/** Subpackets PGPy decodes as Latin-1 and re-encodes as UTF-8: only ASCII survives. */
export const TEXT_SUBPACKETS: Record<number, string> = {
  6: "regular expression",
  24: "preferred key server",
  26: "policy URI",
  28: "signer's user ID",
};
/** IssuerFingerprint and IntendedRecipient: PGPy knows the fingerprint length of versions 4 and 5. */
export const FINGERPRINT_LENGTHS: Record<number, number> = { 4: 20, 5: 32 };
