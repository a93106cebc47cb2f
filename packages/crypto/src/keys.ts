import { type DirectoryAlgorithm, parseInput } from "@assmbl/core";
import { encryptKey, generateKey } from "openpgp";
import { z } from "zod";
import { hardenedConfig } from "./config.js";
import { wrapOpenpgpError } from "./errors.js";
import { sha256Hex } from "./key-cache.js";
import { HASH_PREFERENCES, internals, resignSelfSignatures } from "./self-signatures.js";
import { directoryKeyOf, toPem } from "./spki.js";

/** A new agent key pair, in the shape of the Python SDK's `generate_keypair`. */
export interface KeyPairBundle {
  /** Armored OpenPGP public key: the directory's `openpgp_public_key`. */
  publicKeyArmored: string;
  /** Armored OpenPGP private key, protected by the passphrase when one was given. Keep it secret. */
  privateKeyArmored: string;
  /** SPKI PEM of the primary key: the directory's `public_key`. */
  directoryPublicKeyPem: string;
  /** The directory's name for the primary key's algorithm. */
  algorithm: DirectoryAlgorithm;
  /** OpenPGP v4 fingerprint, lower-case hex. */
  fingerprint: string;
  /** Lower-case hex SHA-256 of the primary key's DER SPKI: the directory's `key_fingerprint_sha256`. */
  keyFingerprintSha256: string;
}

/** {@link GenerateKeyPairOptions}, checked. @internal */
export const GenerateOptionsSchema = z.strictObject({
  name: z.string().min(1).max(256),
  email: z.email(),
  passphrase: z.string().min(1).optional(),
  type: z.enum(["ecc", "rsa4096"]).default("ecc"),
});

/**
 * Options of {@link generateKeyPair}.
 *
 * @example
 * const options: GenerateKeyPairOptions = { name: "Other Agent", email: "other-agent@agents.example.com" };
 */
export interface GenerateKeyPairOptions {
  /** The name in the key's user id. */
  name: string;
  /** The email in the key's user id: the agent's address. */
  email: string;
  /** Encrypts the armored private key when given. */
  passphrase?: string | undefined;
  /** `ecc` (Curve25519, v4 key; the default) or `rsa4096`. */
  type?: "ecc" | "rsa4096" | undefined;
}

/**
 * Generates an agent's key pair: a v4 OpenPGP key that GnuPG 2.2 and the Python SDK's PGPy 0.6
 * load (Ed25519 signing primary with a Curve25519 encryption subkey, or RSA-4096), plus its
 * directory form. Its self-certification prefers SHA-512, SHA-256, SHA-384, SHA-224: openpgp.js
 * would also list SHA3, which PGPy cannot load.
 *
 * @example
 * const keys = await generateKeyPair({ name: "Report Bot", email: "report-bot@agents.example.com", passphrase });
 * await directory.register({ publicKey: keys.directoryPublicKeyPem, algorithm: keys.algorithm,
 *   keyVersion: 1, ifMatchVersion: null, openpgpPublicKey: keys.publicKeyArmored });
 * @throws {AgentMailError} `invalid_options`.
 */
export async function generateKeyPair(options: GenerateKeyPairOptions): Promise<KeyPairBundle> {
  const { name, email, passphrase, type } = parseInput(
    GenerateOptionsSchema,
    options,
    "generateKeyPair options",
  );
  try {
    // Made unprotected, so that its primary key can sign the rebuilt self-certification; the
    // passphrase is applied last.
    const { privateKey } = await generateKey({
      ...(type === "ecc"
        ? { type: "ecc", curve: "ed25519Legacy" }
        : { type: "rsa", rsaBits: 4096 }),
      userIDs: [{ name, email }],
      format: "object",
      config: hardenedConfig,
    });
    await resignSelfSignatures(privateKey, internals(privateKey).keyPacket, {
      hashPreferences: HASH_PREFERENCES,
      // A new key: its certification keeps the key's creation time.
      date: (previous) => previous,
    });
    const publicKey = privateKey.toPublic();
    const stored =
      passphrase === undefined
        ? privateKey
        : await encryptKey({ privateKey, passphrase, config: hardenedConfig });
    const { spkiDer, algorithm } = directoryKeyOf(publicKey);
    const privateKeyArmored = stored.armor(hardenedConfig);
    if (stored !== privateKey) internals(privateKey).clearPrivateParams();
    return {
      publicKeyArmored: publicKey.armor(hardenedConfig),
      privateKeyArmored,
      directoryPublicKeyPem: toPem(spkiDer),
      algorithm,
      fingerprint: publicKey.getFingerprint(),
      keyFingerprintSha256: await sha256Hex(spkiDer),
    };
  } catch (cause) {
    throw wrapOpenpgpError(cause, "invalid_options", "generateKeyPair");
  }
}
