import { guardArmored } from "../bytes.js";
import { armoredMessageProblem } from "../ciphertext-guard.js";
import { AgentMailError } from "../errors.js";
import { Limits } from "../limits.js";
import type { EncryptionRecipient, MailCrypto } from "../mail-crypto.js";
import type { AttachmentBytes } from "../transport.js";
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
 * parallel. The crypto implementation's output is checked for structure, packet by packet: one
 * armored message with no armor headers and strict base64, of session key packets (at least one
 * per recipient, none with the wildcard key id, naming each recipient's key core can read) and
 * exactly one SEIPD (v1; PKESK v6 / SEIPD v2 only when the implementation says `allowV6Keys`),
 * nothing else. So a faulty implementation cannot make plaintext, literal data or unprotected
 * (SED) data go out flagged as encrypted, nor text in the armor around it. The check cannot tell
 * whether the bytes inside the SEIPD were really encrypted: that stays the implementation's job.
 * A streamed attachment is checked as it passes; an error its stream throws becomes
 * `encryption_failed`, and so does a stream that yields nothing for `idleMs`
 * (`Limits.cryptoStreamIdleMs`); `signal` ends a stream being read with `aborted`.
 *
 * @example
 * const parts = await encryptParts(normalized, recipients, crypto);
 * @throws {AgentMailError} `encryption_failed`, `aborted` and the crypto implementation's codes.
 */
export async function encryptParts(
  message: NormalizedMessage,
  recipients: readonly EncryptionRecipient[],
  crypto: MailCrypto | undefined,
  signal?: AbortSignal,
  cryptoStreamIdleMs: number = Limits.cryptoStreamIdleMs,
): Promise<EncryptedParts> {
  const options = signal ? { signal } : {};
  const allowV6 = crypto?.allowV6Keys === true;
  const body = async (): Promise<string> => {
    if (!message.encrypt.body) return message.text;
    const armored = await cryptoCall("encrypting the body", () =>
      (crypto as MailCrypto).encryptText(message.text, recipients, options),
    );
    const problem =
      typeof armored === "string"
        ? armoredMessageProblem(armored, { recipients, allowV6 })
        : "it is not a string";
    if (problem !== undefined) {
      throw new AgentMailError({
        code: "encryption_failed",
        message: `the crypto implementation did not return an encrypted OpenPGP message for the body (${problem}); nothing was sent`,
      });
    }
    return armored;
  };
  const attachment = async (item: NormalizedAttachment): Promise<NormalizedAttachment> => {
    if (item.encrypted) {
      // Passed through as the caller's ciphertext: still never let plaintext out flagged encrypted.
      return item.content
        ? {
            ...item,
            content: await readAhead(
              guardArmored(item.content, `attachment ${item.filename}`, { allowV6, signal }),
            ),
          }
        : item;
    }
    if (!message.encrypt.attachments || !item.content) return item;
    const content = item.content;
    const ciphertext = await readAhead(
      guardArmored(
        await cryptoCall(`encrypting attachment ${item.filename}`, () =>
          (crypto as MailCrypto).encryptAttachment(content, recipients, {
            ...options,
            filename: item.filename,
          }),
        ),
        `attachment ${item.filename}`,
        {
          recipients,
          allowV6,
          wrapStreamErrors: true,
          idleMs: cryptoStreamIdleMs,
          signal,
        },
      ),
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

// How far a checked ciphertext stream is read ahead before the transport is called.
const READ_AHEAD_BYTES = 1024 * 1024;

/**
 * Reads a checked ciphertext stream ahead, up to {@link READ_AHEAD_BYTES} or its end, before the
 * transport is called: the guard releases nothing before the session key packets and the SEIPD
 * header passed, so a crypto implementation whose stream starts wrong, fails early, or (for a
 * ciphertext of up to 1 MiB) is wrong anywhere fails the send here and no transport is called.
 * A longer ciphertext streams on as the transport reads it, so memory stays flat; a problem past
 * the read-ahead fails the transport's read (the upload or the MIME build) and nothing is sent.
 */
async function readAhead(content: AttachmentBytes): Promise<AttachmentBytes> {
  if (content instanceof Uint8Array) return content;
  const reader = content.getReader();
  const ahead: Uint8Array[] = [];
  let bytes = 0;
  let done = false;
  while (!done && bytes < READ_AHEAD_BYTES) {
    const next = await reader.read();
    if (next.done) done = true;
    else {
      ahead.push(next.value);
      bytes += next.value.length;
    }
  }
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const first = ahead.shift();
      if (first) return controller.enqueue(first);
      if (done) return controller.close();
      const next = await reader.read();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
