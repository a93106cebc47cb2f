// The half of "does PGPy verify this key?" that core cannot answer: the mathematics of every
// self-signature. PGPy 0.6 verifies each signature on a key whose issuer is the key or one of its
// subkeys, and fails the key when one does not verify; openpgp.js checks the same signatures here.
import { config as defaultConfig, type PublicKey, type SignaturePacket } from "openpgp";

// Only the mathematics: no hash or algorithm policy, no clock (verify() skips time checks for a
// null date).
const MATH_ONLY = {
  ...defaultConfig,
  rejectHashAlgorithms: new Set<number>(),
  rejectMessageHashAlgorithms: new Set<number>(),
  rejectPublicKeyAlgorithms: new Set<number>(),
  rejectCurves: new Set<string>(),
  minRSABits: 0,
};

type Verifier = PublicKey["keyPacket"] | PublicKey["subkeys"][number]["keyPacket"];

interface Check {
  what: string;
  signature: SignaturePacket;
  verifier: Verifier;
  data: object;
}

/**
 * One sentence for each self-signature of `key` whose mathematics does not verify (a signature
 * damaged in transit, or made over other data), as PGPy would find when it verifies the key.
 *
 * @example
 * const problems = await selfSignatureMathProblems(await parsePublicKey(armored));
 */
export async function selfSignatureMathProblems(key: PublicKey): Promise<string[]> {
  const problems = await Promise.all(checksOf(key).map(verifyOne));
  return problems.filter((problem): problem is string => problem !== undefined);
}

function checksOf(key: PublicKey): Check[] {
  const primary = key.keyPacket;
  const checks: Check[] = [];
  const add = (what: string, signatures: SignaturePacket[], verifier: Verifier, data: object) => {
    for (const signature of signatures) {
      if (signature.issuerKeyID.equals(verifier.getKeyID())) {
        checks.push({ what, signature, verifier, data });
      }
    }
  };
  const withDirect = key as unknown as { directSignatures: SignaturePacket[] };
  add("a direct-key self-signature", withDirect.directSignatures, primary, { key: primary });
  add("the key revocation signature", key.revocationSignatures, primary, { key: primary });
  for (const user of key.users) {
    // openpgp.js keeps a user ID as decoded text: one that is not UTF-8 (U+FFFD in its place) it
    // cannot hash as written, so its signatures cannot be checked here.
    if (user.userID?.userID.includes("\uFFFD")) continue;
    const label = user.userID ? `user ID "${user.userID.userID}"` : "a user attribute";
    const data = { userID: user.userID, userAttribute: user.userAttribute, key: primary };
    add(`the self-certification of ${label}`, user.selfCertifications, primary, data);
    add(`the revocation of ${label}`, user.revocationSignatures, primary, data);
  }
  for (const subkey of key.subkeys) {
    const label = `subkey ${subkey.getKeyID().toHex()}`;
    const data = { key: primary, bind: subkey.keyPacket };
    add(`the binding signature of ${label}`, subkey.bindingSignatures, primary, data);
    add(`the revocation of ${label}`, subkey.revocationSignatures, primary, data);
    const embedded = subkey.bindingSignatures.flatMap((binding) =>
      binding.embeddedSignature ? [binding.embeddedSignature] : [],
    );
    add(`the primary-key binding signature of ${label}`, embedded, subkey.keyPacket, data);
  }
  return checks;
}

async function verifyOne({ what, signature, verifier, data }: Check): Promise<string | undefined> {
  const failure = await mathematicsFailure(signature, verifier, data);
  return failure === undefined
    ? undefined
    : `${what} does not verify (openpgp.js: ${failure}), so PGPy's verification of the key fails`;
}

// openpgp.js's internals that verify() uses to hash (not in its typings).
interface Hashing {
  toHash(type: number, data: object, detached: boolean): Uint8Array;
  hash(type: number, data: object, toHash: Uint8Array, detached: boolean): Promise<unknown>;
}

// Why the mathematics of `signature` fails, or undefined when it holds or cannot be checked here
// (an algorithm openpgp.js cannot run on this platform, such as brainpool curves on Node without
// an extra module: core's rules still apply to such keys).
async function mathematicsFailure(
  signature: SignaturePacket,
  verifier: Verifier,
  data: object,
): Promise<string | undefined> {
  const type = signature.signatureType as number;
  const message = await verifyWith(signature, verifier, type, data);
  if (message === undefined || !DEFINITE_FAILURE.test(message)) return undefined;
  if (!/Signed digest did not match/.test(message)) return message;
  // The two-octet hash prefix is wrong. PGPy never reads it: check the mathematics alone, with
  // the prefix set right on a copy.
  const hashing = signature as unknown as Hashing;
  const digest = await hashing.hash(type, data, hashing.toHash(type, data, false), false);
  if (!(digest instanceof Uint8Array)) return message;
  const copy = Object.assign(Object.create(Object.getPrototypeOf(signature)), signature, {
    signedHashValue: digest.subarray(0, 2),
  }) as SignaturePacket;
  return verifyWith(copy, verifier, type, data);
}

// What verify() throws when the signature is wrong, as opposed to unsupported or against policy.
const DEFINITE_FAILURE =
  /Signed digest did not match|Signature verification failed|does not match issuer key algorithm/;

async function verifyWith(
  signature: SignaturePacket,
  verifier: Verifier,
  type: number,
  data: object,
): Promise<string | undefined> {
  const verify = signature.verify as unknown as (
    key: Verifier,
    type: number,
    data: object,
    date: Date | null,
    detached: boolean,
    config: typeof MATH_ONLY,
  ) => Promise<void>;
  try {
    await verify.call(signature, verifier, type, data, null, false, MATH_ONLY);
    return undefined;
  } catch (cause) {
    return cause instanceof Error ? cause.message : String(cause);
  }
}
