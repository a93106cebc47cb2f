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

/** {@link OpenpgpCryptoOptions}, checked. @internal */
export const OptionsSchema = z
  .strictObject({
    signingKey: z
      .instanceof(AgentPrivateKey, { message: "expected a key from loadPrivateKey()" })
      .optional(),
    allowV6Keys: z.boolean().optional(),
  })
  .optional();

/** Options of {@link openpgpCrypto}. */
export interface OpenpgpCryptoOptions {
  /** The sender's key (from `loadPrivateKey`): bodies and attachments are signed, then encrypted. */
  signingKey?: AgentPrivateKey | undefined;
  /**
   * Encrypt to version 6 (RFC 9580) keys too: PKESK v6 and SEIPD v2 (AEAD, OCB), which GnuPG 2.2
   * and the Python SDK's PGPy cannot read, so only for peers that all run this SDK. Off (the
   * default): a recipient's v6 key fails the send with `peer_key_unusable`. The returned
   * `MailCrypto` carries `allowV6Keys: true`, which tells the mailer to accept that shape.
   */
  allowV6Keys?: boolean | undefined;
}

const encoder = new TextEncoder();

/**
 * The OpenPGP implementation `createMailer` uses to encrypt: it checks each recipient's key
 * against policy, encrypts bodies (UTF-8 literal data, format `u`) and attachments (binary,
 * format `b`; streams stay streams), and signs them too when given a signing key, still as one
 * armored message each, always AES-256 and SEIPD v1 (v4 keys only unless `allowV6Keys`).
 * Every recipient's real key ID is written: the mailer gives each Bcc
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
  const allowV6Keys = config.allowV6Keys === true;
  const checked = recentlyChecked(allowV6Keys);
  const keysOf = (recipients: readonly EncryptionRecipient[]) =>
    Promise.all(recipients.map((recipient) => checked(recipient.publicKeyArmored)));
  const encryptOptions: EncryptOptions = { signingKey: config.signingKey, allowV6Keys };
  return {
    specificationVersion: "v1",
    ...(allowV6Keys ? { allowV6Keys: true } : {}),
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

function recentlyChecked(allowV6Keys: boolean): (armored: string) => Promise<PublicKey> {
  const passed = new Map<string, { key: Promise<PublicKey>; at: number }>();
  return (armored) => {
    const now = Date.now();
    const hit = passed.get(armored);
    if (hit && now - hit.at < CHECK_VALID_MS) return hit.key;
    const key = assertRecipientKey(armored, new Date(now), { allowV6Keys });
    passed.set(armored, { key, at: now });
    key.catch(() => passed.delete(armored));
    if (passed.size > CHECK_ENTRIES) passed.delete(passed.keys().next().value as string);
    return key;
  };
}
