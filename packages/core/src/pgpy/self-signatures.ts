// pgp.py PGPKey.verify(key): every signature on the key whose issuer is the key or one of its
// subkeys is verified, and all must pass. This mirrors what decides the outcome without doing
// the mathematics: the signature type fits its subject, the algorithms and hash are ones PGPy
// verifies with, the hashed subpackets come back byte for byte, and the key is not expired in
// the one way that makes PGPy skip verification.
import type { KeyBlock, KeyNode, SignatureNode, UserNode } from "./model.js";
import type { Report } from "./report.js";
import { checkSubpacketRoundTrip } from "./round-trip.js";
import { expiryFailsVerification, pgpyExpiry } from "./security.js";
import { HASH_NAMES, RSA, VERIFIABLE_HASHES, VERIFYING_ALGORITHMS } from "./tables.js";

type Subject = "key" | "user" | "subkey";

// SignatureType values PGPSignature.hashdata() can hash for each kind of subject.
const TYPES_FOR: Record<Subject, number[]> = {
  key: [0x1f, 0x20],
  user: [0x10, 0x11, 0x12, 0x13, 0x30],
  subkey: [0x18, 0x19, 0x28],
};

/**
 * Adds to `report` why PGPy's self-verification of the key would fail (or find nothing to verify).
 *
 * @example
 * checkSelfSignatures(block, Date.now() / 1000, report);
 */
export function checkSelfSignatures(block: KeyBlock, now: number, report: Report): void {
  const { primary, users, subkeys } = block;
  const own = new Map([primary, ...subkeys].map((key) => [key.keyId, key]));
  const checked: [SignatureNode, KeyNode | UserNode, Subject][] = [
    ...primary.signatures.map((s): [SignatureNode, KeyNode, Subject] => [s, primary, "key"]),
    ...users.flatMap((u) =>
      u.signatures.map((s): [SignatureNode, UserNode, Subject] => [s, u, "user"]),
    ),
    ...subkeys.flatMap((k) =>
      k.signatures.map((s): [SignatureNode, KeyNode, Subject] => [s, k, "subkey"]),
    ),
  ].filter(([node]) => node.signer !== undefined && own.has(node.signer));
  if (checked.length === 0)
    report.add("the key has no self-signature PGPy can find, so it cannot verify it");
  const expired = expiryFailsVerification(block, now) ? expiryProblem(block) : undefined;
  for (const [node, subject, kind] of checked) {
    const verifier = own.get(node.signer as string) as KeyNode;
    const { signature, where } = node;
    if (!TYPES_FOR[kind].includes(signature.type)) {
      report.add(
        `${where} has type 0x${signature.type.toString(16)}, which PGPy cannot verify on ${subject.label}`,
      );
    }
    checkVerifier(node, verifier, report);
    if (!VERIFIABLE_HASHES.has(signature.hashAlgorithm)) {
      report.add(
        `${where} is hashed with ${HASH_NAMES[signature.hashAlgorithm] ?? `algorithm ${signature.hashAlgorithm}`}, which PGPy cannot verify`,
      );
    }
    for (const subpacket of signature.hashed) checkSubpacketRoundTrip(subpacket, where, report);
    if (expired && verifier === primary) report.add(expired);
  }
}

function checkVerifier(
  { signature, where }: SignatureNode,
  verifier: KeyNode,
  report: Report,
): void {
  if (
    !VERIFYING_ALGORITHMS.has(verifier.algorithm) ||
    (verifier.algorithm === 19 && verifier.curve?.endsWith("25519"))
  ) {
    report.add(
      `${verifier.label} (algorithm ${verifier.algorithm}) cannot verify signatures in PGPy`,
    );
  } else if (
    RSA.has(verifier.algorithm)
      ? !RSA.has(signature.publicKeyAlgorithm)
      : verifier.algorithm !== signature.publicKeyAlgorithm
  ) {
    report.add(
      `${where} claims algorithm ${signature.publicKeyAlgorithm}, but ${verifier.label} uses ${verifier.algorithm}`,
    );
  }
}

// PGPy 0.6 also reads an expiration time of 0 ("never", RFC 4880) as "expired at creation".
function expiryProblem(block: KeyBlock): string {
  const expiry = pgpyExpiry(block);
  return expiry?.zero
    ? "the self-certification sets a key expiration time of 0 (never, in RFC 4880), which PGPy 0.6 reads as expired at creation, so it fails every self-signature"
    : `the key expired on ${new Date((expiry?.at ?? 0) * 1000).toISOString()}, and PGPy fails every signature of an expired key`;
}
