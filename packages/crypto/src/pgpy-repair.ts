import { AgentMailError, parseInput, pgpyKeyProblems } from "@assmbl/core";
import { decryptKey, type PrivateKey, readPrivateKey } from "openpgp";
import { z } from "zod";
import { hardenedConfig } from "./config.js";
import { wrapOpenpgpError } from "./errors.js";
import { droppableParts, keepOrDrop } from "./pgpy-repair-drops.js";
import { internals, resignSelfSignatures } from "./self-signatures.js";

/**
 * What {@link repairKeyForPgpy} returns.
 *
 * @example
 * const { privateKeyArmored, publicKeyArmored, repaired }: RepairedKey = await repairKeyForPgpy(key, { passphrase });
 */
export interface RepairedKey {
  /** The private key, still protected by its passphrase when it was; the input itself when nothing needed repair. */
  privateKeyArmored: string;
  /** Its public key: register this one in the directory. */
  publicKeyArmored: string;
  /** OpenPGP fingerprint, lower-case hex: the same before and after. */
  fingerprint: string;
  /** True when self-signatures were rebuilt; false when the Python SDK could load the key already. */
  repaired: boolean;
  /**
   * Revoked user IDs left out of the repaired key, because the certification they kept (never
   * re-signed, so that they stay revoked) is one PGPy cannot load. A keyring that merges the
   * repaired key into the old one keeps them revoked.
   */
  droppedUserIds: string[];
  /**
   * Key IDs (16 hex digits) of subkeys left out of the repaired key: revoked or expired subkeys
   * PGPy could not load, or would encrypt to (PGPy checks neither revocation nor expiry).
   */
  droppedSubkeyIds: string[];
}

/**
 * Options of {@link repairKeyForPgpy}.
 *
 * @example
 * const options: RepairKeyOptions = { passphrase: process.env.AGENT_PASSPHRASE };
 */
export interface RepairKeyOptions {
  /** Unlocks a protected key; needed only when there is something to repair. */
  passphrase?: string | undefined;
}

/** {@link RepairKeyOptions}, checked. @internal */
export const OptionsSchema = z
  .strictObject({ passphrase: z.string().min(1).optional() })
  .optional();

/**
 * Makes a key the Python SDK (PGPy 0.6) can load: rebuilds the self-signatures of a key made by
 * an earlier version of this package (or any openpgp.js key), which list SHA3 hash preferences
 * PGPy cannot parse. The key packets do not change, so neither do the fingerprint, the key
 * material or its passphrase protection (the encrypted secret key packets are kept byte for
 * byte), and messages encrypted to the old key still decrypt. Only the newest valid self-signature
 * of each user ID, subkey and direct-key signature is kept, re-signed now with SHA-2 and with the
 * preference values PGPy does not know taken out. A revoked user ID or subkey is never re-signed
 * (a newer certification would bring a revoked user ID back to life in GnuPG): it is kept as it
 * was, revocation included, when PGPy can use the key with it, and left out otherwise
 * (`droppedUserIds`, `droppedSubkeyIds`); so is an expired subkey PGPy would encrypt to. A key
 * that needs nothing comes back unchanged, with `repaired: false`.
 *
 * @example
 * const fixed = await repairKeyForPgpy(process.env.AGENT_PRIVATE_KEY ?? "", { passphrase });
 * if (fixed.repaired) {
 *   // store fixed.privateKeyArmored, then publish fixed.publicKeyArmored
 *   await directory.register({ ...current, keyVersion: current.keyVersion + 1,
 *     ifMatchVersion: current.keyVersion, openpgpPublicKey: fixed.publicKeyArmored });
 * }
 * @throws {AgentMailError} `invalid_private_key` (not an armored OpenPGP private key, or a
 * self-signature that does not verify); `bad_passphrase` (protected, and the passphrase is missing
 * or wrong); `pgpy_incompatible_key` (what PGPy refuses is not in the self-signatures, e.g. a v6
 * or RFC 9580 Curve25519 key: generate a new key with `generateKeyPair`); `invalid_options`.
 */
export async function repairKeyForPgpy(
  privateKeyArmored: string,
  options?: RepairKeyOptions,
): Promise<RepairedKey> {
  const { passphrase } = parseInput(OptionsSchema, options, "repairKeyForPgpy options") ?? {};
  const key = await readKey(privateKeyArmored);
  const fingerprint = key.getFingerprint();
  const problems = pgpyKeyProblems(privateKeyArmored);
  if (problems.length === 0) {
    return {
      privateKeyArmored,
      publicKeyArmored: key.toPublic().armor(hardenedConfig),
      fingerprint,
      repaired: false,
      droppedUserIds: [],
      droppedSubkeyIds: [],
    };
  }
  // Re-signing cannot change a key packet: refuse before asking for the passphrase.
  if (
    key
      .getKeys()
      .some(({ keyPacket }) => keyPacket.version !== 4 || !PGPY_ALGORITHMS.has(keyPacket.algorithm))
  ) {
    throw unrepairable(fingerprint, problems);
  }
  const signer = await unlocked(key, passphrase);
  const parts = await droppableParts(key);
  try {
    await resignSelfSignatures(key, internals(signer).keyPacket, {
      everySelfSignature: true,
      keep: parts.revoked,
      // Now: newer than the signature it replaces, so that a reader holding both (a keyring that
      // merges the update) takes the new one; never in the future, which readers refuse.
      date: (previous) => new Date(Math.max(Date.now(), previous.getTime())),
    });
  } catch (cause) {
    throw wrapOpenpgpError(cause, "invalid_private_key", `repairKeyForPgpy: key ${fingerprint}`);
  } finally {
    if (signer !== key) internals(signer).clearPrivateParams();
  }
  const kept = keepOrDrop(key, parts);
  if (kept.problems.length > 0) throw unrepairable(fingerprint, kept.problems);
  return { ...kept.armored, fingerprint, repaired: true, ...kept.dropped };
}

// PGPy 0.6's PubKeyAlgorithm values that carry key material it parses.
const PGPY_ALGORITHMS = new Set([1, 2, 3, 16, 17, 18, 19, 20, 22]);

function unrepairable(fingerprint: string, problems: string[]): AgentMailError {
  return new AgentMailError({
    code: "pgpy_incompatible_key",
    message: `repairKeyForPgpy: re-signing cannot make key ${fingerprint} loadable by the Python SDK (PGPy 0.6): ${problems.join("; ")}. Generate a new key with generateKeyPair`,
    body: { fingerprint, problems },
  });
}

async function readKey(armored: string): Promise<PrivateKey> {
  if (typeof armored !== "string" || !armored.includes("-----BEGIN PGP PRIVATE KEY BLOCK-----")) {
    throw new AgentMailError({
      code: "invalid_private_key",
      message: "repairKeyForPgpy: expected an armored OpenPGP private key block",
    });
  }
  try {
    return await readPrivateKey({ armoredKey: armored, config: hardenedConfig });
  } catch (cause) {
    throw new AgentMailError({
      code: "invalid_private_key",
      message: `repairKeyForPgpy: not a readable OpenPGP private key (${(cause as Error).message})`,
      cause,
    });
  }
}

// A decrypted copy to sign with; the key itself stays encrypted, so its secret key packets are
// written back exactly as they came.
async function unlocked(key: PrivateKey, passphrase: string | undefined): Promise<PrivateKey> {
  if (key.isDecrypted()) return key;
  const fingerprint = key.getFingerprint();
  if (!passphrase) {
    throw new AgentMailError({
      code: "bad_passphrase",
      message: `repairKeyForPgpy: private key ${fingerprint} is protected: pass its passphrase to re-sign it`,
    });
  }
  try {
    return await decryptKey({ privateKey: key, passphrase, config: hardenedConfig });
  } catch (cause) {
    const error = wrapOpenpgpError(
      cause,
      "bad_passphrase",
      `repairKeyForPgpy: private key ${fingerprint}`,
    );
    throw error.code === "bad_passphrase"
      ? error
      : new AgentMailError({
          code: "bad_passphrase",
          message: error.message,
          cause,
          secrets: [passphrase],
        });
  }
}
