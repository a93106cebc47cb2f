// PGPy's SecurityIssues for a key (pgp.py PGPKey.check_soundness, constants.py): whether it rates
// the key expired, revoked, and sound. PGPKey.verify skips a signature only when the issues of
// the verifying key are exactly one of WrongSig, Expired, Disabled, Invalid, NoSelfSignature
// (`self in {...}`), so an expired key it also rates unsound (a NIST or brainpool curve, RSA
// under 2048 bits) or revoked still verifies.
import type { KeyBlock, KeyNode, SignatureNode } from "./model.js";
import { orderedUserIds, selfSignatureOf } from "./order.js";
import { ECC_ALGORITHMS, MINIMUM_BITS, SAFE_CURVES } from "./tables.js";

/**
 * PGPSignature.is_expired: the signature has an expiration time other than 0 and it has passed.
 *
 * @example
 * signatureExpired(node, Date.now() / 1000);
 */
export function signatureExpired(node: SignatureNode, now: number): boolean {
  return (
    node.expiresAfter !== undefined &&
    node.expiresAfter !== 0 &&
    node.created + node.expiresAfter < now
  );
}

/**
 * PGPKey.revocation_signatures: signatures of type 0x20 (on the primary key) or 0x28 (on a
 * subkey) whose issuer is the primary key and which have not expired. PGPy does not verify them
 * here; neither does this check.
 *
 * @example
 * revocationsOf(block.subkeys[0], block.primary, now).length > 0; // PGPy rates it revoked
 */
export function revocationsOf(key: KeyNode, primary: KeyNode, now: number): SignatureNode[] {
  const type = key === primary ? 0x20 : 0x28;
  return key.signatures.filter(
    (node) =>
      node.signature.type === type && node.signer === primary.keyId && !signatureExpired(node, now),
  );
}

/**
 * PubKeyAlgorithm.validate_params(key_size) is OK: RSA, DSA and ElGamal of 2048 bits or more,
 * ECC on Curve25519 or Ed25519.
 *
 * @example
 * soundPrimitives(block.primary); // false for a NIST P-256 key
 */
export function soundPrimitives(key: KeyNode): boolean {
  if (ECC_ALGORITHMS.has(key.algorithm)) return SAFE_CURVES.has(key.curve ?? "");
  const minimum = MINIMUM_BITS[key.algorithm];
  return minimum !== undefined && key.bits >= minimum;
}

/** When PGPy takes the primary key to expire (PGPKey.expires_at). */
export interface PgpyExpiry {
  /** Seconds since the epoch. */
  at: number;
  /** The expiration time written is 0, "never" in RFC 4880, which PGPy reads as "at creation". */
  zero: boolean;
}

/**
 * PGPKey.expires_at: the key expiration time of the self-signature of each user ID in PGPy's
 * order, the last one that has one winning; undefined when none has one.
 *
 * @example
 * const expiry = pgpyExpiry(block);
 * if (expiry && expiry.at <= now) console.log("PGPy rates the key expired");
 */
export function pgpyExpiry({ primary, users }: KeyBlock): PgpyExpiry | undefined {
  let after: number | undefined;
  for (const user of orderedUserIds(users, primary)) {
    const expiresAfter = selfSignatureOf(user, primary)?.keyExpiresAfter;
    if (expiresAfter !== undefined) after = expiresAfter;
  }
  return after === undefined ? undefined : { at: primary.created + after, zero: after === 0 };
}

/**
 * Whether PGPy fails every signature the primary key made because it rates the key expired
 * (and nothing else): expired, sound, not revoked.
 *
 * @example
 * if (expiryFailsVerification(block, now)) report.add("...");
 */
export function expiryFailsVerification(block: KeyBlock, now: number): boolean {
  const expiry = pgpyExpiry(block);
  return (
    expiry !== undefined &&
    expiry.at <= now &&
    soundPrimitives(block.primary) &&
    revocationsOf(block.primary, block.primary, now).length === 0
  );
}
