import { DomainNameSchema, type MailDecryptor, parseInput } from "@assmbl/core";
import { z } from "zod";
import { prepareReceive } from "./receive.js";
import { StorageOptionsShape } from "./receive-options.js";
import type { ReceivedMessage } from "./received-message.js";
import { ReceiveOptionsShape, type VerifyWith } from "./verification-keys.js";

/**
 * Options of {@link openMessage}.
 *
 * @example
 * const options: OpenMessageOptions = { decryptWith: await loadPrivateKey(armored, passphrase), verifyWith: senderKey };
 */
export interface OpenMessageOptions {
  /** The receiver's key (`loadPrivateKey` from `@assmbl/crypto`, or any core `MailDecryptor`). */
  decryptWith?: MailDecryptor | undefined;
  /** Armored public key(s) whose signatures count, or a `KeyDirectory` to look the sender's key up in. */
  verifyWith?: VerifyWith | undefined;
  /** The platform's mail domain: needed when `verifyWith` is a `KeyDirectory` (spec §1). */
  mailDomain?: string | undefined;
  /** Return (and decrypt) attachment bytes (default true); with `false` they are listed without bytes. */
  includeAttachments?: boolean | undefined;
  /**
   * The most plaintext the message may decrypt to, body and attachments together; a positive
   * integer (default: the message's ciphertext bytes plus `Limits.plaintextExpansionBytes`,
   * 256 MiB). Past it, the part that would pass it and every encrypted part after it fail with
   * `plaintext_too_large` (decompression bombs stop there).
   */
  maxPlaintextBytes?: number | undefined;
  /**
   * An existing directory: each ready attachment is written to a file there (`path`, with
   * `bytes: null`) instead of being returned in memory. An encrypted part is decrypted into a
   * temporary file (`.agentmail-<random>.part`, mode 0600) that gets its final name only after
   * its integrity and signature checks pass; no existing file is ever replaced (`name (1).ext`,
   * ...). Needs `node:fs`, and a `decryptWith` with `decryptInto` (`loadPrivateKey`'s has it).
   */
  downloadDir?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** {@link OpenMessageOptions}, checked. @internal */
export const OptionsSchema = z
  .strictObject({
    ...ReceiveOptionsShape,
    mailDomain: DomainNameSchema.optional(),
    ...StorageOptionsShape,
  })
  .optional();

const RawSchema = z.union(
  [z.string().min(1), z.instanceof(Uint8Array).refine((bytes) => bytes.length > 0, "is empty")],
  { error: "expected the raw message as a string or bytes" },
);

/**
 * Reads a raw RFC 5322 message (SES inbound through S3 or SNS, or any other source) the way
 * spec §7 says: the body is encrypted when it carries `X-AgentMail-Encrypted: body` or is one
 * armored OpenPGP message; attachments per their manifest row or `application/pgp-encrypted`
 * type. With `decryptWith`, the body and encrypted attachments are decrypted, attachment names
 * and types restored; a part that fails keeps its ciphertext and carries its `error`, and an
 * encrypted body that fails gives `bodyError` and no plaintext.
 *
 * `id` is the `Message-ID` without brackets, and `senderVerified` is always `false`: a raw
 * message alone cannot prove who sent it (a valid signature with `verifyWith` can).
 *
 * @example
 * import { loadPrivateKey } from "@assmbl/crypto";
 * const message = await openMessage(rawMimeFromS3, { decryptWith: await loadPrivateKey(armored, passphrase) });
 * console.log(message.bodyTextDecrypted, message.attachments.map((a) => a.filename));
 * With `downloadDir`, each ready attachment is written to a file in that directory instead:
 *
 * ```ts
 * const { attachments } = await openMessage(rawMimeFromS3, { decryptWith: key, downloadDir: "./inbox-files" });
 * for (const a of attachments) console.log(a.path ?? a.error?.code); // "/abs/inbox-files/report.pdf"
 * ```
 *
 * @throws {AgentMailError} `invalid_options` (unknown options by name; a `downloadDir` that is
 * not a directory, or with a decryptor lacking `decryptInto`), `invalid_message` for
 * something that is not a MIME message; a directory's transient errors with `verifyWith`.
 */
export async function openMessage(
  rawMime: string | Uint8Array,
  options?: OpenMessageOptions,
): Promise<ReceivedMessage> {
  const raw = parseInput(RawSchema, rawMime, "openMessage rawMime", "invalid_message");
  const config = parseInput(OptionsSchema, options, "openMessage options") ?? {};
  const reading = await prepareReceive(
    { ...config, verifyWith: config.verifyWith as VerifyWith | undefined },
    config.mailDomain?.toLowerCase(),
  );
  // No platform: the sender is the message's own From, and only the MIME's bytes are read.
  const { messageId, sender, fields } = await reading.read(raw);
  return { id: messageId ?? "", sender, senderVerified: false, ...fields };
}
