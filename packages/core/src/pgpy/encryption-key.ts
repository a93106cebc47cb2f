// What PGPy does when a Python agent encrypts to the key (pgp.py PGPKey.encrypt, decorators.py
// KeyAction): it takes key flags and preferences from the first user ID in its order, then
// encrypts to the primary key if that user ID's self-signature allows encryption, else to the
// first subkey whose oldest binding signature does. It checks neither revocation nor expiry, so
// where GnuPG and openpgp.js would skip a revoked or expired subkey, PGPy encrypts to it.
import type { KeyBlock, KeyNode, SignatureNode } from "./model.js";
import { orderedUserIds, selfSignatureOf, sorted } from "./order.js";
import type { Report } from "./report.js";
import {
  expiryFailsVerification,
  pgpyExpiry,
  revocationsOf,
  signatureExpired,
} from "./security.js";
import { ENCRYPTION_FLAGS } from "./tables.js";

/**
 * Adds to `report` why a Python agent could not encrypt to the key, or would encrypt to a
 * revoked or expired key. A key PGPy finds nothing to encrypt to (one that only signs) is not
 * reported: no OpenPGP implementation can encrypt to it, and the recipient checks of every SDK
 * say so.
 *
 * @example
 * checkEncryptionKey(block, Date.now() / 1000, report);
 */
export function checkEncryptionKey(block: KeyBlock, now: number, report: Report): void {
  const { primary, users } = block;
  const [first] = orderedUserIds(users, primary);
  if (!first) {
    report.add("the key has no user ID, so PGPy cannot encrypt to it");
    return;
  }
  const selfSignature = selfSignatureOf(first, primary);
  const target = encryptionTarget(block, selfSignature, now, report);
  if (!target) return;
  if (!selfSignature) {
    report.add(
      `${first.label} has no self-certification, and PGPy takes the key's preferences from it (no user ID is marked primary), so it fails when it encrypts (AttributeError)`,
    );
    return;
  }
  const keyExpired = checkWholeKey(block, now, report);
  if (target !== primary) checkSubkey(target, primary, now, keyExpired, report);
}

// KeyAction.usage: the primary key when the first user ID's self-signature gives it an
// encryption flag, else the first subkey whose first binding signature in PGPy's order (the
// oldest unexpired one) does. A subkey without one makes PGPy fail (StopIteration, raised inside
// a generator: RuntimeError).
function encryptionTarget(
  { primary, subkeys }: KeyBlock,
  selfSignature: SignatureNode | undefined,
  now: number,
  report: Report,
): KeyNode | undefined {
  if ((selfSignature?.keyFlags ?? 0) & ENCRYPTION_FLAGS) return primary;
  for (const subkey of subkeys) {
    const binding = sorted(subkey.signatures).find(
      (node) =>
        node.signature.type === 0x18 &&
        node.signer === primary.keyId &&
        !signatureExpired(node, now),
    );
    if (!binding) {
      report.add(
        `${subkey.label} has no binding signature PGPy reads, so PGPy fails (RuntimeError) when it looks for a key to encrypt to`,
      );
      return undefined;
    }
    if (binding.keyFlags & ENCRYPTION_FLAGS) return subkey;
  }
  return undefined;
}

// Revocation and expiry of the whole key, which PGPy does not check when it encrypts. Returns
// whether the key has expired (then its subkeys have too, and saying so again adds nothing).
function checkWholeKey(block: KeyBlock, now: number, report: Report): boolean {
  if (revocationsOf(block.primary, block.primary, now).length > 0) {
    report.add(
      "the key is revoked, and PGPy does not check revocations: Python agents would still encrypt to it",
    );
  }
  const expiry = pgpyExpiry(block);
  const expired = expiry !== undefined && !expiry.zero && expiry.at <= now;
  if (expired && !expiryFailsVerification(block, now)) {
    report.add(
      `the key expired on ${iso(expiry.at)}, which PGPy 0.6 overlooks here (it skips its expiry check for a key it also rates weak, such as a NIST or brainpool curve, or revoked): Python agents would encrypt to an expired key`,
    );
  }
  // A self-certification can expire too (a signature expiration time). When the newest one of
  // every user ID has, GnuPG and openpgp.js take the key as expired; PGPy never looks.
  const newest = block.users
    .filter((user) => user.isUserId)
    .map((user) =>
      sorted(user.signatures)
        .filter(
          (node) => CERTIFICATIONS.has(node.signature.type) && node.signer === block.primary.keyId,
        )
        .pop(),
    );
  const certificationsExpired =
    newest.length > 0 && newest.every((node) => node !== undefined && signatureExpired(node, now));
  if (certificationsExpired) {
    report.add(
      "every user ID's self-certification has expired (its signature expiration time has passed), so GnuPG and openpgp.js take the key as expired, and PGPy does not check: Python agents would encrypt to it",
    );
  }
  return expired || certificationsExpired;
}

const CERTIFICATIONS = new Set([0x10, 0x11, 0x12, 0x13]);

function checkSubkey(
  subkey: KeyNode,
  primary: KeyNode,
  now: number,
  keyExpired: boolean,
  report: Report,
): void {
  if (revocationsOf(subkey, primary, now).length > 0) {
    report.add(
      `${subkey.label} is revoked, yet it is the subkey PGPy encrypts to (PGPy does not check revocations; GnuPG and openpgp.js skip it): Python agents would encrypt to a revoked subkey`,
    );
  }
  const newest = sorted(subkey.signatures)
    .filter((node) => node.signature.type === 0x18 && node.signer === primary.keyId)
    .pop();
  const after = newest?.keyExpiresAfter;
  if (!keyExpired && after !== undefined && after !== 0 && subkey.created + after <= now) {
    report.add(
      `${subkey.label} expired on ${iso(subkey.created + after)}, yet it is the subkey PGPy encrypts to (PGPy does not check expiry when it encrypts): Python agents would encrypt to an expired subkey`,
    );
  }
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
