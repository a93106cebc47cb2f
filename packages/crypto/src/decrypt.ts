import {
  AgentMailError,
  type DecryptedBytes,
  type DecryptedInto,
  type DecryptedText,
  type DecryptOptions,
  isReadableStream,
  parseInput,
  toAttachmentBytes,
} from "@assmbl/core";
import { z } from "zod";
import { decryptHeldStream } from "./decrypt-held-stream.js";
import { decryptIntoSink } from "./decrypt-into.js";
import type { VerificationResult } from "./decrypt-message.js";
import { checkDecryptOptions } from "./decrypt-options.js";
import { AgentPrivateKey, loadPrivateKey } from "./private-key.js";
import { unwrapPrivateKey } from "./unlocked-keys.js";

/** Options of the decrypt functions. */
export interface DecryptWithKeyOptions {
  /** A key from {@link loadPrivateKey} (parsed and unlocked once), or an armored private key. */
  privateKey: AgentPrivateKey | string;
  /** Unlocks an armored `privateKey`; ignored for a loaded one. */
  passphrase?: string | undefined;
  /** Armored public keys whose signatures count as valid. */
  verificationKeys?: readonly string[] | string | undefined;
  /** Fail unless a valid signature by one of `verificationKeys` is present. */
  expectSigned?: boolean | undefined;
  /**
   * The most plaintext the message may decrypt (and decompress) to; past it the call fails with
   * `plaintext_too_large` and releases nothing. Default 256 MiB ({@link MAX_DECOMPRESSED_BYTES}).
   */
  maxPlaintextBytes?: number | undefined;
  /** Stops the decryption with `aborted`. */
  signal?: AbortSignal | undefined;
}

/**
 * Decrypts an armored message holding UTF-8 text (the Python SDK's `pgp_decrypt_utf8`), and checks
 * its signature when there is one.
 *
 * @example
 * const { text, verification } = await decryptUtf8(body, { privateKey, passphrase, verificationKeys: [senderKey] });
 * @throws {AgentMailError} `decryption_failed` (tampered, or not for this key: the message names
 * the key ids it was for), `plaintext_too_large` (more than `maxPlaintextBytes`, default 256 MiB),
 * `bad_passphrase`, `invalid_private_key`, `signature_missing`, `signature_invalid`, `aborted`,
 * `invalid_options`.
 */
export async function decryptUtf8(
  armored: string,
  options: DecryptWithKeyOptions,
): Promise<DecryptedText> {
  return (await keyOf(options)).decryptText(armored, decryptOptions(options));
}

/**
 * Decrypts an armored (or binary) message holding bytes.
 *
 * @example
 * const { data } = await decryptBytes(await readFile("report.pdf.asc"), { privateKey });
 * @throws {AgentMailError} as {@link decryptUtf8}.
 */
export async function decryptBytes(
  ciphertext: Uint8Array | string,
  options: DecryptWithKeyOptions,
): Promise<DecryptedBytes> {
  return (await keyOf(options)).decryptBytes(ciphertext, decryptOptions(options));
}

/**
 * Decrypts an armored (or binary) message arriving as a stream (web `ReadableStream` or Node
 * `Readable`). Nothing is released before the whole message has passed its integrity check and,
 * with `expectSigned`, its signature check; the plaintext is held in memory until then, at most
 * `maxPlaintextBytes` of it (OpenPGP puts the MDC at the end, so a bounded-memory decrypt has to
 * hand out unchecked data: that is {@link decryptToSink}). `verification` settles when the data
 * is ready.
 *
 * @example
 * const { data, verification } = await decryptStream(fs.createReadStream("big.bin.asc"), { privateKey });
 * await pipeline(Readable.fromWeb(data), fs.createWriteStream("big.bin"));
 * console.log((await verification).verification);
 * @throws {AgentMailError} as {@link decryptUtf8}; the stream errors with `decryption_failed`,
 * `plaintext_too_large`, `aborted`, `signature_missing` or `signature_invalid` before yielding
 * anything.
 */
export async function decryptStream(
  input: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  options: DecryptWithKeyOptions,
): Promise<{ data: ReadableStream<Uint8Array>; verification: Promise<VerificationResult> }> {
  if (
    !isReadableStream(input) &&
    !(typeof input === "object" && input !== null && Symbol.asyncIterator in input)
  ) {
    throw new AgentMailError({
      code: "invalid_options",
      message: "decryptStream: input must be a ReadableStream or a Node Readable",
    });
  }
  const key = await keyOf(options);
  return decryptHeldStream(
    unwrapPrivateKey(key),
    toAttachmentBytes(input) as ReadableStream<Uint8Array>,
    checkDecryptOptions(decryptOptions(options), "decryptStream"),
  );
}

/**
 * Decrypts an armored or binary message arriving as a stream (web `ReadableStream` or Node
 * `Readable`) into a web `WritableStream`, as the plaintext is produced and with the sink's
 * backpressure: memory stays flat whatever the size. The standalone form of
 * {@link AgentPrivateKey.decryptInto}. **The sink receives plaintext before it is
 * authenticated**: keep it unreleased (a temporary file) until this resolves, which happens
 * only after the integrity check (MDC) and, with `expectSigned`, the signature check; then the
 * sink is closed. On any failure the sink is aborted and this rejects.
 *
 * @example
 * const partial = createWriteStream("big.bin.part");
 * const { bytes } = await decryptToSink(createReadStream("big.bin.asc"), Writable.toWeb(partial), { privateKey });
 * await rename("big.bin.part", "big.bin");
 * @throws {AgentMailError} as {@link decryptUtf8};
 * `decryption_failed` when the sink itself fails.
 */
export async function decryptToSink(
  input: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  sink: WritableStream<Uint8Array>,
  options: DecryptWithKeyOptions,
): Promise<DecryptedInto> {
  if (
    !isReadableStream(input) &&
    !(typeof input === "object" && input !== null && Symbol.asyncIterator in input)
  ) {
    throw new AgentMailError({
      code: "invalid_options",
      message: "decryptToSink: input must be a ReadableStream or a Node Readable",
    });
  }
  const key = await keyOf(options);
  return decryptIntoSink(
    unwrapPrivateKey(key),
    toAttachmentBytes(input) as ReadableStream<Uint8Array>,
    sink,
    checkDecryptOptions(decryptOptions(options), "decryptToSink"),
  );
}

/** {@link DecryptWithKeyOptions}, checked. @internal */
export const DecryptOptionsSchema = z.strictObject({
  privateKey: z.union([z.instanceof(AgentPrivateKey), z.string()]),
  passphrase: z.string().optional(),
  verificationKeys: z.union([z.string(), z.array(z.string()).readonly()]).optional(),
  expectSigned: z.boolean().optional(),
  maxPlaintextBytes: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
  signal: z.instanceof(AbortSignal).optional(),
});

async function keyOf(options: DecryptWithKeyOptions): Promise<AgentPrivateKey> {
  const { privateKey, passphrase } = parseInput(DecryptOptionsSchema, options, "decrypt options");
  if (privateKey instanceof AgentPrivateKey) return privateKey;
  return loadPrivateKey(privateKey, passphrase);
}

function decryptOptions(options: DecryptWithKeyOptions): DecryptOptions {
  return {
    ...(options.maxPlaintextBytes === undefined
      ? {}
      : { maxPlaintextBytes: options.maxPlaintextBytes }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.verificationKeys === undefined
      ? {}
      : {
          verificationKeys:
            typeof options.verificationKeys === "string"
              ? [options.verificationKeys]
              : options.verificationKeys,
        }),
    ...(options.expectSigned === undefined ? {} : { expectSigned: options.expectSigned }),
  };
}
