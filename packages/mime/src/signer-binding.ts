import {
  type DecryptedBytes,
  type DecryptedInto,
  type DecryptedText,
  type MailDecryptor,
  type SignatureVerification,
  userIdAddress,
} from "@assmbl/core";
import { cleanText } from "./parse-mime.js";
import type { VerifyWith } from "./verification-keys.js";

/**
 * Which key signed a received part whose signature does not count (`verification` is `invalid`
 * or `unverified`): so that a reader can say "signed by <fingerprint>, which is not alice's key"
 * instead of only "invalid". Absent for `valid` and `unsigned` parts.
 *
 * @example
 * if (message.verification !== "valid" && message.signer)
 *   console.warn(message.signer.reason ?? `signed by ${message.signer.fingerprint}`);
 */
export interface MessageSigner {
  /**
   * Lower-case hex: the issuer fingerprint the signature names (what it claims, not proven; a
   * signing subkey's when a subkey signed), or the verification key's primary fingerprint when
   * that key verified the signature but is not the sender's.
   */
  fingerprint?: string;
  /** The signature's issuer key id, 16 lower-case hex digits. */
  keyId?: string;
  /** Why the signature does not count, in words. */
  reason: string;
}

/** A decrypt result with the verdict this package settled on and who signed. */
type Judged<T> = T & { signer?: MessageSigner };

type SignedResult = Pick<
  DecryptedText,
  | "verification"
  | "signerFingerprint"
  | "signerUserIds"
  | "claimedSignerFingerprint"
  | "claimedSignerKeyId"
>;

// Where the verification keys came from: the sender's directory record binds the key to the
// sender's address, pinned keys are the caller's own choice.
type Source = "directory" | "pinned" | "none";

/**
 * Wraps `decryptWith` so that every result's signature verdict holds for the message's sender:
 * with a `KeyDirectory` as `verifyWith`, a signature is `valid` only when the key that made it
 * has a self-certified user id naming `sender` (case-insensitive): a directory that serves
 * another agent's key for the sender (a lying directory, or an agent that registered someone
 * else's key) cannot make that agent's signature pass as the sender's. Every result also says
 * who signed (`signer`).
 *
 * @example
 * const decryptWith = bindSigner(options.decryptWith, options.verifyWith, parsed.sender);
 */
export function bindSigner(
  decryptWith: MailDecryptor | undefined,
  verifyWith: VerifyWith | undefined,
  sender: string,
): MailDecryptor | undefined {
  if (!decryptWith) return undefined;
  const source: Source =
    verifyWith === undefined
      ? "none"
      : typeof verifyWith === "string" || Array.isArray(verifyWith)
        ? "pinned"
        : "directory";
  const judge = <T extends SignedResult>(result: T): Judged<T> => judged(result, source, sender);
  const into = decryptWith.decryptInto;
  return {
    specificationVersion: "v1",
    fingerprint: decryptWith.fingerprint,
    decryptText: async (armored, options) =>
      judge<DecryptedText>(await decryptWith.decryptText(armored, options)),
    decryptBytes: async (ciphertext, options) =>
      judge<DecryptedBytes>(await decryptWith.decryptBytes(ciphertext, options)),
    ...(into
      ? {
          decryptInto: async (ciphertext, sink, options) =>
            judge<DecryptedInto>(await into.call(decryptWith, ciphertext, sink, options)),
        }
      : {}),
  };
}

/**
 * The `signer` of a result {@link bindSigner}'s decryptor returned, as a field to spread.
 *
 * @example
 * return { verification: result.verification, ...signerField(result) };
 */
export function signerField(result: object): { signer?: MessageSigner } {
  const signer = (result as Judged<object>).signer;
  return signer ? { signer } : {};
}

/**
 * Whether one of `userIds` (`Name <address>` or a bare address) names `address`, compared
 * case-insensitively. A user id is read by core's {@link userIdAddress}, as the directory reads
 * it when it accepts the key: one that is ambiguous (a second `<` or `>`, unbalanced brackets,
 * an `@` outside the brackets) or not a valid address names nobody.
 *
 * @example
 * namesAddress(["Alice <alice@agents.example.com>"], "Alice@agents.example.com"); // true
 */
export function namesAddress(userIds: readonly string[] | undefined, address: string): boolean {
  const wanted = address.trim().toLowerCase();
  if (!wanted) return false;
  return (userIds ?? []).some((userId) => userIdAddress(userId) === wanted);
}

function judged<T extends SignedResult>(result: T, source: Source, sender: string): Judged<T> {
  const { verification } = result;
  if (verification === "unsigned") return result;
  // A valid signature names the verified key; any other, the key it claims.
  const fingerprint =
    verification === "valid" ? result.signerFingerprint : result.claimedSignerFingerprint;
  const keyId = verification === "valid" ? undefined : result.claimedSignerKeyId;
  const who = fingerprint ?? keyId;
  const signer: Omit<MessageSigner, "reason"> = {
    ...(fingerprint ? { fingerprint } : {}),
    ...(keyId ? { keyId } : {}),
  };
  const by = who ? `signed by ${who}` : "signed by a key that the signature does not name";
  if (verification === "valid") {
    // A signature that counts needs no explanation (and `valid` reads as before).
    if (source !== "directory" || namesAddress(result.signerUserIds, sender)) return result;
    const ids = result.signerUserIds?.length
      ? `its user ids (${quotedUserIds(result.signerUserIds)}) do not name ${sender}`
      : "the decryptor did not report the key's certified user ids";
    return downgraded(result, {
      ...signer,
      reason: `${by}, the key the directory holds for ${sender}, but ${ids}: it is not ${sender}'s own key`,
    });
  }
  return {
    ...result,
    signer: { ...signer, reason: `${by}: ${whyNot(verification, source, sender)}` },
  };
}

// `invalid`, without the fields core reserves for `valid` results.
function downgraded<T extends SignedResult>(result: T, signer: MessageSigner): Judged<T> {
  const { signerFingerprint: _verified, signerUserIds: _ids, ...rest } = result;
  const verification: SignatureVerification = "invalid";
  return { ...rest, verification, signer } as Judged<T>;
}

function whyNot(verification: SignatureVerification, source: Source, sender: string): string {
  if (verification === "unverified") {
    return source === "none"
      ? "no verifyWith was given to check it"
      : `the directory has no usable key for ${sender || "the sender"}`;
  }
  return source === "directory"
    ? `not ${sender}'s directory key, or the signature is bad`
    : "not one of the verifyWith keys, or the signature is bad";
}

// At most this many user ids, each cut to this many characters, go into a reason.
const REASON_USER_IDS = 4;
const REASON_USER_ID_LENGTH = 128;

/**
 * The user ids of a key the sender's message was signed with, for a reason a reader logs or
 * shows: whoever made the key chose them, so each is cleaned like a received header (no line
 * breaks, control or bidi characters) and cut short, and only the first few are listed.
 *
 * @example
 * quotedUserIds(["Mallory\u202E <m@evil.example>"]); // "Mallory\uFFFD <m@evil.example>"
 */
export function quotedUserIds(userIds: readonly string[]): string {
  const shown = userIds.slice(0, REASON_USER_IDS).map((userId) => {
    const clean = cleanText(String(userId));
    const cut = [...clean];
    return cut.length > REASON_USER_ID_LENGTH
      ? `${cut.slice(0, REASON_USER_ID_LENGTH).join("")}...`
      : clean;
  });
  const more = userIds.length - shown.length;
  return more > 0 ? `${shown.join(", ")} and ${more} more` : shown.join(", ");
}
