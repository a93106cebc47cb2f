import { guardArmored, isArmoredMessage } from "../bytes.js";
import { AgentMailError } from "../errors.js";
import type { EncryptionRecipient, MailCrypto } from "../mail-crypto.js";
import { cryptoCall } from "./crypto-call.js";
import type { NormalizedAttachment, NormalizedMessage } from "./normalize.js";

/** Body and attachments after encryption, with what was encrypted. */
export interface EncryptedParts {
  text: string;
  bodyEncrypted: boolean;
  attachments: NormalizedAttachment[];
}

const PGP_ENCRYPTED = "application/pgp-encrypted";

/**
 * Step 3 of the pipeline: encrypts the body and the attachments that were asked for, in
 * parallel. The crypto implementation's output is checked to be an armored OpenPGP message, so a
 * faulty implementation cannot make plaintext go out flagged as encrypted.
 *
 * @example
 * const parts = await encryptParts(normalized, recipients, crypto);
 * @throws {AgentMailError} `encryption_failed` and the crypto implementation's codes.
 */
export async function encryptParts(
  message: NormalizedMessage,
  recipients: readonly EncryptionRecipient[],
  crypto: MailCrypto | undefined,
  signal?: AbortSignal,
): Promise<EncryptedParts> {
  const options = signal ? { signal } : {};
  const body = async (): Promise<string> => {
    if (!message.encrypt.body) return message.text;
    const armored = await cryptoCall("encrypting the body", () =>
      (crypto as MailCrypto).encryptText(message.text, recipients, options),
    );
    if (typeof armored !== "string" || !isArmoredMessage(armored)) {
      throw new AgentMailError({
        code: "encryption_failed",
        message:
          "the crypto implementation did not return an armored OpenPGP message for the body; nothing was sent",
      });
    }
    return armored;
  };
  const attachment = async (item: NormalizedAttachment): Promise<NormalizedAttachment> => {
    if (item.encrypted) {
      // Passed through as the caller's ciphertext: still never let plaintext out flagged encrypted.
      return item.content
        ? { ...item, content: guardArmored(item.content, `attachment ${item.filename}`) }
        : item;
    }
    if (!message.encrypt.attachments || !item.content) return item;
    const content = item.content;
    const ciphertext = guardArmored(
      await cryptoCall(`encrypting attachment ${item.filename}`, () =>
        (crypto as MailCrypto).encryptAttachment(content, recipients, {
          ...options,
          filename: item.filename,
        }),
      ),
      `attachment ${item.filename}`,
    );
    const { size: _plaintextSize, objectKey: _none, ...rest } = item;
    return {
      ...rest,
      filename: `${item.filename}.asc`,
      contentType: PGP_ENCRYPTED,
      encrypted: true,
      originalFilename: item.filename,
      originalContentType: item.contentType,
      content: ciphertext,
      ...(ciphertext instanceof Uint8Array ? { size: ciphertext.length } : {}),
    };
  };
  const [text, attachments] = await Promise.all([
    body(),
    Promise.all(message.attachments.map(attachment)),
  ]);
  return { text, bodyEncrypted: message.encrypt.body, attachments };
}
