import {
  AgentMailError,
  type DecryptedBytes,
  type DecryptedInto,
  type DecryptedText,
  type DecryptOptions,
  type MailDecryptor,
} from "@assmbl/core";
import { decryptKey, type PrivateKey, readPrivateKey } from "openpgp";
import { hardenedConfig } from "./config.js";
import { decryptIntoSink } from "./decrypt-into.js";
import { decryptMessage } from "./decrypt-message.js";
import { checkDecryptOptions, throwIfAborted } from "./decrypt-options.js";
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
   * `maxPlaintextBytes` bounds the plaintext (decompressed or not; default 256 MiB).
   *
   * @example
   * const { text } = await key.decryptText(body, { maxPlaintextBytes: 1024 * 1024 });
   * @throws {AgentMailError} `decryption_failed`, `plaintext_too_large`, `signature_missing`,
   * `signature_invalid`, `aborted`, `invalid_options`.
   */
  async decryptText(armored: string, options: DecryptOptions = {}): Promise<DecryptedText> {
    if (typeof armored !== "string")
      throw new AgentMailError({
        code: "decryption_failed",
        message: "decryptText: expected an armored string",
      });
    const checked = checkDecryptOptions(options, "decryptText");
    const { data, ...verification } = await decryptMessage(
      unwrapPrivateKey(this),
      armored,
      checked,
    );
    throwIfAborted(checked.signal);
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
   * Decrypts an armored or binary message holding bytes, at most `maxPlaintextBytes` of them.
   *
   * @example
   * const { data } = await key.decryptBytes(await readFile("report.pdf.asc"));
   * @throws {AgentMailError} as {@link AgentPrivateKey.decryptText}.
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
    const checked = checkDecryptOptions(options, "decryptBytes");
    const result = await decryptMessage(unwrapPrivateKey(this), ciphertext, checked);
    throwIfAborted(checked.signal);
    return result;
  }

  /**
   * Decrypts an armored or binary message arriving as a stream into `sink`, as the plaintext is
   * produced and with the sink's backpressure, so memory stays flat whatever the size.
   * **The sink receives plaintext before it is authenticated** (OpenPGP checks integrity at the
   * end): keep it where nobody reads it (a temporary file) and use it only once this resolves,
   * which happens after the integrity check (MDC) and, with `expectSigned`, the signature check;
   * only then is the sink closed. On any failure this rejects and the sink is aborted (discard
   * what it holds; a write in flight finishes first, as the streams standard has it). `signal` stops it (`aborted`); `maxPlaintextBytes` bounds the plaintext
   * (default 256 MiB).
   *
   * @example
   * const file = await open("report.pdf.part", "w");
   * const sink = new WritableStream({ write: (chunk) => file.write(chunk).then(() => {}) });
   * const { bytes, verification } = await key.decryptInto(Readable.toWeb(response), sink);
   * await rename("report.pdf.part", "report.pdf"); // only now is it authenticated
   * @throws {AgentMailError} `decryption_failed` (tampered, not for this key, or the sink
   * failed), `plaintext_too_large`, `signature_missing`, `signature_invalid`, `aborted`,
   * `invalid_options`.
   */
  async decryptInto(
    ciphertext: ReadableStream<Uint8Array>,
    sink: WritableStream<Uint8Array>,
    options: DecryptOptions = {},
  ): Promise<DecryptedInto> {
    const checked = checkDecryptOptions(options, "decryptInto");
    return decryptIntoSink(unwrapPrivateKey(this), ciphertext, sink, checked);
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
