import { AgentMailError, type SignatureVerification } from "@assmbl/core";
import { decrypt, type Message, type PrivateKey, type PublicKey, readMessage } from "openpgp";
import { hardenedConfig } from "./config.js";
import { wrapOpenpgpError } from "./errors.js";
import { parsePublicKey } from "./key-policy.js";

/** What a signature check found. */
export interface VerificationResult {
  verification: SignatureVerification;
  signerFingerprint?: string;
}

/** Options shared by every decryption. */
export interface DecryptMessageOptions {
  verificationKeys?: readonly string[] | string | undefined;
  expectSigned?: boolean | undefined;
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
  const result = await decryptOpenpgp(message, key, verificationKeys);
  const verification = await verify(result.signatures, verificationKeys);
  enforceSignature(verification, options.expectSigned);
  return { data: result.data as Uint8Array, ...verification };
}

/**
 * Decrypts an armored message arriving as a stream of bytes. No plaintext is released before the
 * whole message has passed its integrity check (MDC) and, with `expectSigned`, its signature check:
 * the stream yields nothing until then, and errors instead when a check fails.
 *
 * @throws {AgentMailError} as {@link decryptMessage}.
 */
export async function decryptMessageStream(
  key: PrivateKey,
  input: ReadableStream<Uint8Array>,
  options: DecryptMessageOptions,
): Promise<{ data: ReadableStream<Uint8Array>; verification: Promise<VerificationResult> }> {
  const verificationKeys = await parseVerificationKeys(options.verificationKeys);
  let message: Message<ReadableStream<string>>;
  try {
    message = await readMessage({
      armoredMessage: input.pipeThrough(
        new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>,
      ),
      config: hardenedConfig,
    });
  } catch (cause) {
    throw wrapOpenpgpError(cause, "decryption_failed", "not an armored OpenPGP message");
  }
  // openpgp.js holds unauthenticated plaintext back by copying it into one buffer (three copies of
  // the plaintext at peak). Here it streams, and the transform below holds the chunks until the
  // MDC and signature checks pass: the same guarantee with one copy (`pnpm bench`: 64 MiB peak
  // growth ~200 MiB -> ~95 MiB, and faster).
  const result = await decryptOpenpgp(message, key, verificationKeys, RELEASE_AFTER_CHECKS);
  let settle: (value: VerificationResult) => void = () => {};
  let fail: (reason: unknown) => void = () => {};
  const verification = new Promise<VerificationResult>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  // Callers that only read the data must not see an unhandled rejection.
  verification.catch(() => {});
  const source = (result.data as ReadableStream<Uint8Array>).getReader();
  let checkedChunks: Uint8Array[] | undefined;
  const data = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!checkedChunks) {
          try {
            const held: Uint8Array[] = [];
            for (let next = await source.read(); !next.done; next = await source.read())
              held.push(next.value);
            const checked = await verify(result.signatures, verificationKeys);
            enforceSignature(checked, options.expectSigned);
            checkedChunks = held;
            settle(checked);
          } catch (cause) {
            const error = decryptionError(cause, message, key);
            fail(error);
            controller.error(error);
            return;
          }
        }
        const chunk = checkedChunks.shift();
        if (chunk) controller.enqueue(chunk);
        else controller.close();
      },
      cancel(reason) {
        return source.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return { data, verification };
}

// Only for decryptMessageStream, which holds every chunk itself until the checks pass.
const RELEASE_AFTER_CHECKS = { ...hardenedConfig, allowUnauthenticatedStream: true };

// The one call to openpgp's decrypt, for whole and streamed messages alike.
async function decryptOpenpgp(
  message: Message<Uint8Array | string | ReadableStream<string>>,
  key: PrivateKey,
  verificationKeys: PublicKey[],
  config: typeof hardenedConfig = hardenedConfig,
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
    if (typeof input === "string")
      return await readMessage({ armoredMessage: input, config: hardenedConfig });
    // Armor may follow blank lines; binary OpenPGP starts with a packet tag byte instead.
    const armored = decoder.decode(input.subarray(0, 256)).trimStart().startsWith("-----BEGIN PGP");
    return armored
      ? await readMessage({ armoredMessage: decoder.decode(input), config: hardenedConfig })
      : await readMessage({ binaryMessage: input, config: hardenedConfig });
  } catch (cause) {
    throw wrapOpenpgpError(cause, "decryption_failed", "not an OpenPGP message");
  }
}

async function parseVerificationKeys(
  keys: readonly string[] | string | undefined,
): Promise<PublicKey[]> {
  if (keys === undefined) return [];
  return Promise.all((typeof keys === "string" ? [keys] : keys).map(parsePublicKey));
}

function decryptionError(
  cause: unknown,
  message: Message<unknown>,
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

async function verify(
  signatures: {
    keyID: { toHex(): string; equals(other: unknown): boolean };
    verified: Promise<unknown>;
  }[],
  verificationKeys: PublicKey[],
): Promise<VerificationResult> {
  if (signatures.length === 0) return { verification: "unsigned" };
  for (const signature of signatures) {
    const ok = await signature.verified.then(
      () => true,
      () => false,
    );
    const signer = verificationKeys.find((key) => key.getKeys(signature.keyID as never).length > 0);
    if (ok && signer) return { verification: "valid", signerFingerprint: signer.getFingerprint() };
  }
  return { verification: verificationKeys.length === 0 ? "unverified" : "invalid" };
}

function enforceSignature(result: VerificationResult, expectSigned: boolean | undefined): void {
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
