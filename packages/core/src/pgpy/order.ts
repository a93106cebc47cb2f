// The orders PGPy keeps things in, which decide what it reads: signatures sorted by creation time
// (types.py SorteDeque, PGPSignature.__lt__), and user IDs sorted primary first, then newest
// self-signature first (PGPUID.__lt__). Both insert with bisect_left, so among equals the one
// parsed last comes first.
import type { KeyNode, SignatureNode, UserNode } from "./model.js";

function insort<T>(list: T[], item: T, less: (a: T, b: T) => boolean): void {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (less(list[middle] as T, item)) low = middle + 1;
    else high = middle;
  }
  list.splice(low, 0, item);
}

/**
 * Signatures in PGPy's order: oldest first.
 *
 * @example
 * sorted(subkey.signatures).find((s) => s.signature.type === 0x18); // PGPy's first binding
 */
export function sorted(signatures: readonly SignatureNode[]): SignatureNode[] {
  const list: SignatureNode[] = [];
  for (const signature of signatures) insort(list, signature, (a, b) => a.created < b.created);
  return list;
}

/**
 * PGPUID.selfsig: the newest signature on `user` made by the primary key, whatever its type (a
 * revocation included). A signature with an Issuer Fingerprint counts when that fingerprint is
 * the primary's; one without, when its Issuer key ID is.
 *
 * @example
 * selfSignatureOf(user, primary)?.keyFlags;
 */
export function selfSignatureOf(user: UserNode, primary: KeyNode): SignatureNode | undefined {
  return sorted(user.signatures)
    .reverse()
    .find((node) =>
      node.signerFingerprint
        ? node.signerFingerprint === primary.fingerprint
        : node.signer === primary.keyId,
    );
}

/**
 * PGPKey.userids: the user IDs (not attributes) in PGPy's order. The first is the one PGPy takes
 * key flags, preferences and (last in this order wins) the key expiration time from.
 *
 * @example
 * const [first] = orderedUserIds(block.users, block.primary);
 */
export function orderedUserIds(users: readonly UserNode[], primary: KeyNode): UserNode[] {
  const selfSignatures = new Map(users.map((user) => [user, selfSignatureOf(user, primary)]));
  const isPrimary = (user: UserNode) => selfSignatures.get(user)?.primaryUserId === true;
  const less = (a: UserNode, b: UserNode): boolean => {
    if (isPrimary(a) !== isPrimary(b)) return isPrimary(a);
    const [mine, theirs] = [selfSignatures.get(a), selfSignatures.get(b)];
    if (!mine) return theirs !== undefined;
    if (!theirs) return false;
    return mine.created > theirs.created;
  };
  const list: UserNode[] = [];
  for (const user of users) if (user.isUserId) insort(list, user, less);
  return list;
}
