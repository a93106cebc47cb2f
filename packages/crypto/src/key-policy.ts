import { AgentMailError, Limits, pgpyKeyProblems } from "@assmbl/core";
import { enums, type PublicKey, readKeys } from "openpgp";
import { hardenedConfig } from "./config.js";
import { ParsedKeyCache } from "./key-cache.js";
import { selfSignatureMathProblems } from "./self-signature-math.js";

/** What {@link inspectPublicKey} learns about a key. */
export interface PublicKeyReport {
  /** OpenPGP fingerprint of the primary key, lower-case hex. */
  fingerprint: string;
  /** openpgp.js algorithm name of the primary key, with its size or curve, e.g. `eddsaLegacy/ed25519Legacy`, `rsaEncryptSign/4096`. */
  algorithm: string;
  userIds: string[];
  /** There is a valid, unexpired, unrevoked encryption-capable (sub)key. */
  canEncrypt: boolean;
  revoked: boolean;
  /** When the primary key expires; null if never. */
  expiresAt: Date | null;
  weak: boolean;
  /** Why the key is weak, one phrase per reason. */
  weakReasons: string[];
  /**
   * Whether agents on the Python SDK (PGPy 0.6) can use the key: `compatible` when PGPy loads it,
   * its self-signatures verify, and the key PGPy encrypts to is neither revoked nor expired;
   * otherwise `problems` says why, one sentence each. It is core's `pgpyKeyProblems` plus what
   * core cannot check: openpgp.js verifies the mathematics of every self-signature.
   * (`repairKeyForPgpy` fixes keys made by openpgp.js.)
   */
  pgpy: { compatible: boolean; problems: string[] };
}

const parsedKeys = new ParsedKeyCache<PublicKey>(256);

/**
 * Parses an armored public key, once per distinct text (a bounded cache keeps parsed keys).
 *
 * @example
 * const key = await parsePublicKey(record.openpgpPublicKey);
 * @throws {AgentMailError} `key_too_large` past 64 KiB; `invalid_public_key` for anything that is
 * not one armored OpenPGP public key (a private key included, and a block holding two keys or a
 * text holding two armored blocks: openpgp.js would silently use the first).
 */
export async function parsePublicKey(armored: string): Promise<PublicKey> {
  if (typeof armored !== "string" || armored.length === 0) {
    throw new AgentMailError({
      code: "invalid_public_key",
      message: "a public key must be a non-empty armored string",
    });
  }
  if (armored.length > Limits.armoredKeyBytes) {
    throw new AgentMailError({
      code: "key_too_large",
      message: `the armored key is ${armored.length} bytes; at most ${Limits.armoredKeyBytes} are accepted`,
    });
  }
  if (armored.includes("PRIVATE KEY BLOCK")) {
    // Refuse before parsing, and never echo it: a private key handed over by mistake stays out of errors.
    throw privateKeyGiven();
  }
  // openpgp.js reads the first armored block only, and the first key of a block: a second key
  // would be silently dropped, and which one the peer meant is anyone's guess.
  // Counted anywhere, not only at line starts: an indented second block is a second key too.
  const blocks = armored.split("-----BEGIN PGP ").length - 1;
  if (blocks > 1) throw severalKeys(`the text holds ${blocks} armored blocks`);
  return parsedKeys.get(armored, async (text) => {
    let keys: Awaited<ReturnType<typeof readKeys>>;
    try {
      keys = await readKeys({ armoredKeys: text, config: hardenedConfig });
    } catch (cause) {
      throw new AgentMailError({
        code: "invalid_public_key",
        message: `not an armored OpenPGP public key: ${(cause as Error).message}`,
        cause,
      });
    }
    if (keys.length !== 1) throw severalKeys(`the armored block holds ${keys.length} keys`);
    const key = keys[0] as (typeof keys)[number];
    // Secret-key packets under a PUBLIC KEY BLOCK label: openpgp.js reads them as a private key.
    if (key.isPrivate()) throw privateKeyGiven();
    return key as PublicKey;
  });
}

function severalKeys(what: string): AgentMailError {
  return new AgentMailError({
    code: "invalid_public_key",
    message: `${what}; register one key per agent (one armored block holding one key)`,
  });
}

function privateKeyGiven(): AgentMailError {
  return new AgentMailError({
    code: "invalid_public_key",
    message: "a private key was given where a public key belongs",
  });
}

/**
 * Reports on an armored public key without judging it: fingerprint, algorithm, user ids,
 * whether it can encrypt, revocation, expiry, weaknesses (RSA under 2048 bits, DSA, ElGamal,
 * SHA-1 self-signatures), and whether the Python SDK's PGPy can use it (`pgpy`: core's
 * `pgpyKeyProblems`, plus openpgp.js's verification of every self-signature, which core cannot do).
 *
 * @example
 * const report = await inspectPublicKey(armored);
 * if (!report.canEncrypt) console.warn(`${report.fingerprint} cannot receive encrypted mail`);
 * if (!report.pgpy.compatible) console.warn(`Python agents cannot use it: ${report.pgpy.problems.join("; ")}`);
 * @throws {AgentMailError} `invalid_public_key`, `key_too_large`.
 */
export async function inspectPublicKey(armored: string): Promise<PublicKeyReport> {
  const key = await parsePublicKey(armored);
  const info = key.getAlgorithmInfo();
  const expiration = await key.getExpirationTime(undefined, hardenedConfig).catch(() => null);
  const weakReasons = weaknessesOf(key);
  const pgpyProblems = [...pgpyKeyProblems(armored), ...(await selfSignatureMathProblems(key))];
  return {
    fingerprint: key.getFingerprint(),
    algorithm: `${info.algorithm}/${info.bits ?? info.curve ?? "?"}`,
    userIds: key.getUserIDs(),
    canEncrypt:
      weakReasons.length === 0 &&
      (await key.getEncryptionKey(undefined, undefined, undefined, hardenedConfig).then(
        () => true,
        () => false,
      )),
    revoked: await key.isRevoked(undefined, undefined, undefined, hardenedConfig),
    expiresAt: expiration instanceof Date ? expiration : null,
    weak: weakReasons.length > 0,
    weakReasons,
    pgpy: { compatible: pgpyProblems.length === 0, problems: pgpyProblems },
  };
}

/**
/** Options of {@link assertRecipientKey}. */
export interface RecipientKeyPolicy {
  /**
   * Accept version 6 (RFC 9580) keys. Off by default: the contract's profile is v4 keys, which
   * GnuPG 2.2 and the Python SDK's PGPy read; a v6 key is `peer_key_unusable`.
   */
  allowV6Keys?: boolean | undefined;
}

/**
 * The policy check run before anything is encrypted to a peer: returns the parsed key, or fails.
 * Only one key in one armored block; a version 4 key (version 6 only with `allowV6Keys`); not
 * revoked or expired; no weak algorithm; a valid encryption-capable (sub)key.
 *
 * @example
 * const key = await assertRecipientKey(record.openpgpPublicKey);
 * const v6 = await assertRecipientKey(peerV6Key, new Date(), { allowV6Keys: true });
 * @throws {AgentMailError} `invalid_public_key`, `key_too_large`, `peer_key_revoked`,
 * `peer_key_expired`, `peer_key_weak`, `peer_key_unusable` (a v6 key without `allowV6Keys`).
 */
export async function assertRecipientKey(
  armored: string,
  now: Date = new Date(),
  options: RecipientKeyPolicy = {},
): Promise<PublicKey> {
  const key = await parsePublicKey(armored);
  const fingerprint = key.getFingerprint();
  if (key.keyPacket.version !== 4 && !(key.keyPacket.version === 6 && options.allowV6Keys)) {
    throw new AgentMailError({
      code: "peer_key_unusable",
      message:
        key.keyPacket.version === 6
          ? `key ${fingerprint} is a version 6 (RFC 9580) key, which GnuPG 2.2 and the Python SDK's PGPy cannot use; to encrypt to it anyway (peers that all run this SDK), pass allowV6Keys: true to openpgpCrypto or the encrypt functions`
          : `key ${fingerprint} is a version ${key.keyPacket.version} key; only version 4 keys are used`,
    });
  }
  if (await key.isRevoked(undefined, undefined, now, hardenedConfig)) {
    throw new AgentMailError({
      code: "peer_key_revoked",
      message: `key ${fingerprint} is revoked`,
    });
  }
  const expiration = await key.getExpirationTime(undefined, hardenedConfig).catch(() => null);
  if (expiration instanceof Date && expiration.getTime() <= now.getTime()) {
    throw new AgentMailError({
      code: "peer_key_expired",
      message: `key ${fingerprint} expired on ${expiration.toISOString()}`,
    });
  }
  const weakReasons = weaknessesOf(key);
  if (weakReasons.length > 0) {
    throw new AgentMailError({
      code: "peer_key_weak",
      message: `key ${fingerprint} is weaker than policy: ${weakReasons.join("; ")}`,
    });
  }
  try {
    await key.getEncryptionKey(undefined, now, undefined, hardenedConfig);
  } catch (cause) {
    throw new AgentMailError({
      code: "peer_key_unusable",
      message: `key ${fingerprint} has no valid encryption-capable key: ${(cause as Error).message}`,
      cause,
    });
  }
  return key;
}

const WEAK_ALGORITHMS = new Set(["dsa", "elgamal"]);

function weaknessesOf(key: PublicKey): string[] {
  const reasons: string[] = [];
  for (const part of [key, ...key.getSubkeys()]) {
    const { algorithm, bits } = part.getAlgorithmInfo();
    const id = part.getKeyID().toHex();
    if (WEAK_ALGORITHMS.has(algorithm)) reasons.push(`${id} uses ${algorithm}`);
    if (algorithm.startsWith("rsa") && (bits ?? 0) < 2048) reasons.push(`${id} is RSA-${bits}`);
  }
  const selfSignatures = [
    ...key.users.flatMap((user) => user.selfCertifications),
    ...key.getSubkeys().flatMap((subkey) => subkey.bindingSignatures),
  ];
  if (selfSignatures.some((signature) => signature.hashAlgorithm === enums.hash.sha1)) {
    reasons.push("a self-signature uses SHA-1");
  }
  return reasons;
}
