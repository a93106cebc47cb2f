import {
  type AttachmentBytes,
  type EncryptionRecipient,
  type MailCrypto,
  parseInput,
} from "@assmbl/core";
import type { PublicKey } from "openpgp";
import { z } from "zod";
import { type EncryptOptions, encryptStreamToArmor, encryptToArmor } from "./encrypt.js";
import { assertRecipientKey } from "./key-policy.js";
import { AgentPrivateKey } from "./private-key.js";
import { assertWellFormedText } from "./well-formed.js";

const OptionsSchema = z
  .strictObject({
    signingKey: z
      .instanceof(AgentPrivateKey, { message: "expected a key from loadPrivateKey()" })
      .optional(),
  })
  .optional();

/** Options of {@link openpgpCrypto}. */
export interface OpenpgpCryptoOptions {
  /** The sender's key (from `loadPrivateKey`): bodies and attachments are signed, then encrypted. */
  signingKey?: AgentPrivateKey | undefined;
}

const encoder = new TextEncoder();

/**
 * The OpenPGP implementation `createMailer` uses to encrypt: it checks each recipient's key
 * against policy, encrypts bodies (UTF-8 literal data, format `u`) and attachments (binary,
 * format `b`; streams stay streams), and signs them too when given a signing key, still as one
 * armored message each. Every recipient's real key ID is written: the mailer gives each Bcc
 * recipient a copy of its own, so no wildcard key IDs are needed (PGPy cannot decrypt those).
 *
 * @example
 * const mailer = createMailer(transport, {
 *   from, mailDomain, directory,
 *   crypto: openpgpCrypto({ signingKey: await loadPrivateKey(myArmoredKey, passphrase) }),
 * });
 * @throws {AgentMailError} `invalid_options`.
 */
export function openpgpCrypto(options?: OpenpgpCryptoOptions): MailCrypto {
  const config = parseInput(OptionsSchema, options, "openpgpCrypto options") ?? {};
  const checked = recentlyChecked();
  const keysOf = (recipients: readonly EncryptionRecipient[]) =>
    Promise.all(recipients.map((recipient) => checked(recipient.publicKeyArmored)));
  const encryptOptions: EncryptOptions = { signingKey: config.signingKey };
  return {
    specificationVersion: "v1",
    async checkRecipientKey(publicKeyArmored) {
      const key = await checked(publicKeyArmored);
      return { fingerprint: key.getFingerprint() };
    },
    async encryptText(text, recipients) {
      assertWellFormedText(text, "encryptText");
      return encryptToArmor(await keysOf(recipients), encoder.encode(text), encryptOptions, "utf8");
    },
    async encryptAttachment(content: AttachmentBytes, recipients): Promise<AttachmentBytes> {
      const keys = await keysOf(recipients);
      if (content instanceof Uint8Array) {
        return encoder.encode(await encryptToArmor(keys, content, encryptOptions));
      }
      return encryptStreamToArmor(keys, content, encryptOptions);
    },
  };
}

// One send checks each key, then encrypts the body and every attachment to it: without a memo
// the policy check (signature verifications included) would run 2 + attachments times. A key
// passes for a minute; openpgp.js still refuses an expired or revoked key at encryption time.
const CHECK_VALID_MS = 60_000;
const CHECK_ENTRIES = 256;

function recentlyChecked(): (armored: string) => Promise<PublicKey> {
  const passed = new Map<string, { key: Promise<PublicKey>; at: number }>();
  return (armored) => {
    const now = Date.now();
    const hit = passed.get(armored);
    if (hit && now - hit.at < CHECK_VALID_MS) return hit.key;
    const key = assertRecipientKey(armored);
    passed.set(armored, { key, at: now });
    key.catch(() => passed.delete(armored));
    if (passed.size > CHECK_ENTRIES) passed.delete(passed.keys().next().value as string);
    return key;
  };
}
