import { AgentMailError, type SignatureVerification } from "@assmbl/core";
import {
  decrypt,
  type MaybeStream,
  type Message,
  type PrivateKey,
  type PublicKey,
  readMessage,
} from "openpgp";
import { checkArmorLimits } from "./armor-limits.js";
import { certificationsOf } from "./certified-user-ids.js";
import { hardenedConfig, MAX_DECOMPRESSED_BYTES } from "./config.js";
import { plaintextTooLarge, wrapOpenpgpError } from "./errors.js";
import { parsePublicKey } from "./key-policy.js";
import { binaryAfterSpace, leadingSpaceOf } from "./leading-space.js";

/** What a signature check found (core's `DecryptedText` fields, without the data). */
export interface VerificationResult {
  verification: SignatureVerification;
  /** `valid` only: the primary-key fingerprint of the verification key that made the signature. */
  signerFingerprint?: string;
  /** `valid` only: the user ids of the signing key that carry a valid self-certification. */
  signerUserIds?: readonly string[];
  /** Not `valid`: the issuer fingerprint the signature names (a claim, not proven). */
  claimedSignerFingerprint?: string;
  /** Not `valid`: the issuer key id (16 hex) the signature names (a claim, not proven). */
  claimedSignerKeyId?: string;
}

/** Options shared by every decryption. */
export interface DecryptMessageOptions {
  verificationKeys?: readonly string[] | string | undefined;
  expectSigned?: boolean | undefined;
  /** Most plaintext (decompressed) the message may yield; default {@link MAX_DECOMPRESSED_BYTES}. */
  maxPlaintextBytes?: number | undefined;
}

// Decodes armored ciphertext (ASCII), never decrypted text: that is private-key.ts's, exact to the byte.
const decoder = new TextDecoder();

/**
 * Decrypts one whole OpenPGP message (armored text, or armored or binary bytes) with an unlocked
 * key. The MDC is checked before any plaintext is returned; with `expectSigned`, so is the signature.
 *
 * @throws {AgentMailError} `decryption_failed` (not a message, not for this key, tampered),
 * `signature_missing`, `signature_invalid`.
 */
export async function decryptMessage(
  key: PrivateKey,
  input: string | Uint8Array,
  options: DecryptMessageOptions,
): Promise<{ data: Uint8Array } & VerificationResult> {
  const verificationKeys = await parseVerificationKeys(options.verificationKeys);
  const message = await readOpenpgpMessage(input);
  const budget = options.maxPlaintextBytes ?? MAX_DECOMPRESSED_BYTES;
  const result = await decryptOpenpgp(message, key, verificationKeys, {
    ...hardenedConfig,
    maxDecompressedMessageSize: budget,
  });
  // Uncompressed data counts too: the budget is on what the caller gets, not on decompression.
  const data = result.data as Uint8Array;
  if (data.length > budget) throw plaintextTooLarge(undefined, budget);
  const verification = await verify(result.signatures, verificationKeys);
  enforceSignature(verification, options.expectSigned);
  return { data, ...verification };
}

// The one call to openpgp's decrypt for whole messages (streams: decrypt-stream.ts).
async function decryptOpenpgp(
  message: Message<Uint8Array | string>,
  key: PrivateKey,
  verificationKeys: PublicKey[],
  config: typeof hardenedConfig,
) {
  try {
    return await decrypt({
      message,
      decryptionKeys: key,
      ...(verificationKeys.length > 0 ? { verificationKeys } : {}),
      format: "binary",
      config,
    });
  } catch (cause) {
    throw decryptionError(cause, message, key);
  }
}

async function readOpenpgpMessage(
  input: string | Uint8Array,
): Promise<Message<Uint8Array | string>> {
  try {
    // Armor may follow blank lines (and other text); binary OpenPGP starts with a packet tag
    // byte instead. As for streams (decrypt-stream.ts), with the same caps.
    const { start, first, skipped } = leadingSpaceOf(input);
    if (typeof input !== "string" && (first & 0x80) !== 0) {
      if (skipped > 0) throw binaryAfterSpace();
      return await readMessage({ binaryMessage: input, config: hardenedConfig });
    }
    const armored =
      typeof input === "string" ? input.slice(start) : decoder.decode(input.subarray(start));
    // openpgp.js would hold some armor at ~12x its size (armor-limits.ts): checked first.
    checkArmorLimits(armored);
    return await readMessage({ armoredMessage: armored, config: hardenedConfig });
  } catch (cause) {
    throw wrapOpenpgpError(cause, "decryption_failed", "not an OpenPGP message");
  }
}

/** Parses armored verification keys (policy-checked, cached). */
export async function parseVerificationKeys(
  keys: readonly string[] | string | undefined,
): Promise<PublicKey[]> {
  if (keys === undefined) return [];
  return Promise.all((typeof keys === "string" ? [keys] : keys).map(parsePublicKey));
}

/**
 * The AgentMailError for an openpgp.js decryption failure: names the intended key ids when the
 * message is not for this key.
 */
export function decryptionError(
  cause: unknown,
  message: Message<MaybeStream<Uint8Array | string>>,
  key: PrivateKey,
): AgentMailError {
  if (AgentMailError.is(cause)) return cause;
  const detail = cause instanceof Error ? cause.message : String(cause);
  const intended = message.getEncryptionKeyIDs().map((id) => id.toHex());
  const hidden = intended.length > 0 && intended.every((id) => /^0+$/.test(id));
  // With hidden (wildcard) recipients every key is tried, so a foreign key shows up as a failed
  // session-key decryption rather than as a missing key packet.
  const notForThisKey = hidden
    ? /key data integrity|session key/i.test(detail)
    : /no decryption key packets found|session key decryption failed|not find.*key/i.test(detail);
  if (notForThisKey) {
    const held = key
      .getKeyIDs()
      .map((id) => id.toHex())
      .join(", ");
    const to = hidden ? "a hidden recipient" : intended.join(", ") || "no public key";
    return new AgentMailError({
      code: "decryption_failed",
      message: `this message was encrypted to ${to}, not to this key (${held}); no plaintext was released`,
      cause,
    });
  }
  return wrapOpenpgpError(
    cause,
    "decryption_failed",
    "decryption failed; no plaintext was released",
  );
}

/** One signature of a decrypted message, as openpgp.js reports it. */
interface MessageSignature {
  keyID: { toHex(): string; equals(other: unknown): boolean };
  verified: Promise<unknown>;
  signature?: Promise<{ packets: ArrayLike<{ issuerFingerprint?: Uint8Array | null }> }>;
}

/**
 * What the signatures of a decrypted message say (after its data was read). A signature that
 * does not count is still reported (`claimedSignerKeyId`, and `claimedSignerFingerprint` when it
 * names its issuer's), so that a caller can say which key signed instead of the sender's.
 */
export async function verify(
  signatures: MessageSignature[],
  verificationKeys: PublicKey[],
): Promise<VerificationResult> {
  if (signatures.length === 0) return { verification: "unsigned" };
  let claimed: Claimed | undefined;
  for (const signature of signatures) {
    const ok = await signature.verified.then(
      () => true,
      () => false,
    );
    const signer = verificationKeys.find((key) => key.getKeys(signature.keyID as never).length > 0);
    if (ok && signer) {
      return {
        verification: "valid",
        signerFingerprint: signer.getFingerprint(),
        signerUserIds: await boundUserIds(signer),
      };
    }
    claimed ??= await claimedSigner(signature);
  }
  return {
    verification: verificationKeys.length === 0 ? "unverified" : "invalid",
    ...claimed,
  };
}

type Claimed = Pick<VerificationResult, "claimedSignerFingerprint" | "claimedSignerKeyId">;

// The issuer a signature names: its key id, and its issuer fingerprint subpacket when present.
// Reported in fields of their own: a claimed fingerprint must never be mistaken for a verified one.
async function claimedSigner(signature: MessageSignature): Promise<Claimed> {
  const keyId = signature.keyID.toHex();
  const packet = await signature.signature?.then(
    (parsed) => parsed.packets[0],
    () => undefined,
  );
  const issuer = packet?.issuerFingerprint;
  return {
    ...(/^0+$/.test(keyId) ? {} : { claimedSignerKeyId: keyId }),
    ...(issuer && issuer.length > 0 ? { claimedSignerFingerprint: toHex(issuer) } : {}),
  };
}

const toHex = (bytes: Uint8Array) =>
  Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");

/**
 * The user ids of `key` that carry a valid, unrevoked self-certification (under the hardened
 * policy): a user id packet anyone could append to a key without its owner's signature is left
 * out. Receivers use them to bind a key to the address it signs for.
 */
export async function boundUserIds(key: PublicKey): Promise<readonly string[]> {
  return (await certificationsOf(key)).filter((id) => id.certified).map((id) => id.userId);
}

/** Fails unless the signature is valid, when one is expected. */
export function enforceSignature(
  result: VerificationResult,
  expectSigned: boolean | undefined,
): void {
  if (!expectSigned || result.verification === "valid") return;
  if (result.verification === "unsigned") {
    throw new AgentMailError({
      code: "signature_missing",
      message: "the message is not signed, and a signature was required; no plaintext was released",
    });
  }
  throw new AgentMailError({
    code: "signature_invalid",
    message:
      result.verification === "unverified"
        ? "a signature was required, but no verification key was given to check it"
        : "the signature is invalid or made by a key that was not given; no plaintext was released",
  });
}
