import { AgentMailError } from "../errors.js";
import type { KeyDirectory } from "../key-directory.js";
import type { MailCrypto } from "../mail-crypto.js";
import type { NormalizedMessage } from "./normalize.js";

/**
 * The fail-closed rules, checked before any lookup or transport call: encryption that was asked
 * for must be possible in full, or nothing is sent.
 *
 * @example
 * checkEncryptionPolicy(normalized, { crypto, directory });
 * @throws {AgentMailError} `crypto_not_configured`, `html_not_encryptable`,
 * `attachment_not_encryptable`.
 */
export function checkEncryptionPolicy(
  message: NormalizedMessage,
  deps: { crypto?: MailCrypto | undefined; directory?: KeyDirectory | undefined },
): void {
  const { body, attachments } = message.encrypt;
  if (body && message.html !== undefined) {
    throw new AgentMailError({
      code: "html_not_encryptable",
      message:
        "an HTML body would go out in clear next to the encrypted text body; send text only, or attach the HTML so it is encrypted",
    });
  }
  if (attachments) {
    const stored = message.attachments.find(
      (attachment) => attachment.content === undefined && !attachment.encrypted,
    );
    if (stored) {
      throw new AgentMailError({
        code: "attachment_not_encryptable",
        message: `attachment ${stored.filename} is a stored plaintext object (${stored.objectKey}); the SDK has no bytes to encrypt. Pass its content, or upload it encrypted`,
      });
    }
  }
  if (needsRecipientKeys(message) && (!deps.crypto || !deps.directory)) {
    const missing = [deps.crypto ? undefined : "crypto", deps.directory ? undefined : "directory"]
      .filter(Boolean)
      .join(" and ");
    throw new AgentMailError({
      code: "crypto_not_configured",
      message: `encryption was asked for, but the mailer has no ${missing}: pass them to createMailer. Nothing was sent`,
    });
  }
}

/**
 * True when the send must encrypt something itself, and so needs every recipient's key:
 * the body, or an attachment the caller did not encrypt already.
 *
 * @example
 * if (needsRecipientKeys(normalized)) await resolveRecipientKeys(normalized, deps);
 */
export function needsRecipientKeys(message: NormalizedMessage): boolean {
  const { body, attachments } = message.encrypt;
  return body || (attachments && message.attachments.some((attachment) => !attachment.encrypted));
}
