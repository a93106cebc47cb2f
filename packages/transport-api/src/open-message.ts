import { DOMAIN_NAME_PATTERN, type MailDecryptor, parseInput } from "@assmbl/core";
import { z } from "zod";
import { parseMime } from "./mime.js";
import { type ReceivedMessage, readMessage } from "./read-message.js";
import {
  ReceiveOptionsShape,
  requireDomainForDirectory,
  type VerifyWith,
  verificationKeys,
} from "./verification-keys.js";

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
  signal?: AbortSignal | undefined;
}

const OptionsSchema = z
  .strictObject({
    ...ReceiveOptionsShape,
    mailDomain: z
      .string()
      .regex(DOMAIN_NAME_PATTERN, "expected a domain name such as agents.example.com")
      .optional(),
    includeAttachments: z.boolean().optional(),
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
 * @throws {AgentMailError} `invalid_options` (unknown options by name), `invalid_message` for
 * something that is not a MIME message; a directory's transient errors with `verifyWith`.
 */
export async function openMessage(
  rawMime: string | Uint8Array,
  options?: OpenMessageOptions,
): Promise<ReceivedMessage> {
  const raw = parseInput(RawSchema, rawMime, "openMessage rawMime", "invalid_message");
  const config = parseInput(OptionsSchema, options, "openMessage options") ?? {};
  requireDomainForDirectory(config.verifyWith as VerifyWith | undefined, config.mailDomain);
  const parsed = await parseMime(raw);
  const fields = await readMessage(parsed, {
    decryptWith: config.decryptWith,
    verificationKeys: () =>
      verificationKeys(
        config.verifyWith as VerifyWith | undefined,
        parsed.sender,
        config.mailDomain?.toLowerCase(),
        config.signal,
      ),
    includeAttachments: config.includeAttachments,
    signal: config.signal,
  });
  return { id: parsed.messageId ?? "", sender: parsed.sender, senderVerified: false, ...fields };
}
