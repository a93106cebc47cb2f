import {
  AgentMailError,
  type DecryptedBytes,
  type DecryptedText,
  type DecryptOptions,
  type MailDecryptor,
} from "@assmbl/core";
import { decryptKey, type PrivateKey, readPrivateKey } from "openpgp";
import { hardenedConfig } from "./config.js";
import { decryptMessage } from "./decrypt-message.js";
import { wrapOpenpgpError } from "./errors.js";
import { bindPrivateKey, unwrapPrivateKey } from "./unlocked-keys.js";

// ignoreBOM: a leading U+FEFF is part of the text the sender wrote, and PGPy keeps it too.
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * An agent's unlocked private key. It decrypts (`decryptText`, `decryptBytes`), signs when given
 * as `signingKey`, and is what receive-side functions take as `decryptWith`. It never shows its
 * key material: `JSON.stringify`, `console.log` and `String()` print the fingerprint only.
 *
 * @example
 * const key = await loadPrivateKey(armoredPrivateKey, passphrase);
 * const { text, verification } = await key.decryptText(body, { verificationKeys: [senderKey] });
 */
export class AgentPrivateKey implements MailDecryptor {
  readonly specificationVersion = "v1" as const;
  /** OpenPGP fingerprint of the primary key, lower-case hex. */
  readonly fingerprint: string;
  /** Key ids (16 hex digits) of the primary key and every subkey. */
  readonly keyIds: readonly string[];
  readonly userIds: readonly string[];

  /** @internal Use {@link loadPrivateKey}. */
  constructor(key: PrivateKey) {
    bindPrivateKey(this, key);
    this.fingerprint = key.getFingerprint();
    this.keyIds = key.getKeyIDs().map((id) => id.toHex());
    this.userIds = key.getUserIDs();
  }

  /**
   * Decrypts an armored message holding UTF-8 text, exactly as sent (a leading U+FEFF included).
   * @throws {AgentMailError} `decryption_failed`, `signature_missing`, `signature_invalid`.
   */
  async decryptText(armored: string, options: DecryptOptions = {}): Promise<DecryptedText> {
    if (typeof armored !== "string")
      throw new AgentMailError({
        code: "decryption_failed",
        message: "decryptText: expected an armored string",
      });
    const { data, ...verification } = await decryptMessage(
      unwrapPrivateKey(this),
      armored,
      options,
    );
    let text: string;
    try {
      text = utf8.decode(data);
    } catch (cause) {
      throw new AgentMailError({
        code: "decryption_failed",
        message: "the decrypted body is not valid UTF-8",
        cause,
      });
    }
    return { text, ...verification };
  }

  /**
   * Decrypts an armored or binary message holding bytes.
   * @throws {AgentMailError} `decryption_failed`, `signature_missing`, `signature_invalid`.
   */
  async decryptBytes(
    ciphertext: Uint8Array | string,
    options: DecryptOptions = {},
  ): Promise<DecryptedBytes> {
    if (typeof ciphertext !== "string" && !(ciphertext instanceof Uint8Array)) {
      throw new AgentMailError({
        code: "decryption_failed",
        message: "decryptBytes: expected bytes or an armored string",
      });
    }
    return decryptMessage(unwrapPrivateKey(this), ciphertext, options);
  }

  toJSON(): { fingerprint: string } {
    return { fingerprint: this.fingerprint };
  }

  toString(): string {
    return `AgentPrivateKey(${this.fingerprint})`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/**
 * Reads an armored private key and unlocks it with its passphrase, once; the result decrypts any
 * number of messages without parsing or unlocking again.
 *
 * @example
 * const key = await loadPrivateKey(process.env.AGENT_PRIVATE_KEY ?? "", process.env.AGENT_PASSPHRASE);
 * const { text } = await key.decryptText(armoredBody);
 * @throws {AgentMailError} `invalid_private_key` (not an armored private key); `bad_passphrase`
 * (the key is protected and the passphrase is missing or wrong).
 */
export async function loadPrivateKey(
  armored: string,
  passphrase?: string,
): Promise<AgentPrivateKey> {
  if (typeof armored !== "string" || !armored.includes("-----BEGIN PGP PRIVATE KEY BLOCK-----")) {
    throw new AgentMailError({
      code: "invalid_private_key",
      message: "loadPrivateKey: expected an armored OpenPGP private key block",
    });
  }
  if (passphrase !== undefined && typeof passphrase !== "string") {
    throw new AgentMailError({
      code: "invalid_options",
      message: "loadPrivateKey: the passphrase must be a string",
    });
  }
  let key: PrivateKey;
  try {
    key = await readPrivateKey({ armoredKey: armored, config: hardenedConfig });
  } catch (cause) {
    throw new AgentMailError({
      code: "invalid_private_key",
      message: `loadPrivateKey: not a readable OpenPGP private key (${(cause as Error).message})`,
      cause,
    });
  }
  if (!key.isDecrypted()) {
    if (!passphrase) {
      throw new AgentMailError({
        code: "bad_passphrase",
        message: `private key ${key.getFingerprint()} is protected: pass its passphrase`,
      });
    }
    try {
      key = await decryptKey({ privateKey: key, passphrase, config: hardenedConfig });
    } catch (cause) {
      const error = wrapOpenpgpError(
        cause,
        "bad_passphrase",
        `private key ${key.getFingerprint()}`,
      );
      throw error.code === "bad_passphrase"
        ? error
        : new AgentMailError({ code: "bad_passphrase", message: error.message, cause });
    }
  }
  return new AgentPrivateKey(key);
}
