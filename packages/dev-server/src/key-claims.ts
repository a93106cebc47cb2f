// One key belongs to one agent. The directory refuses a key another agent holds or held (by its
// SPKI fingerprint, the fingerprint of its OpenPGP primary key or any subkey, or the canonical
// material of any of them, however re-dressed), and an OpenPGP key with a user id that does not
// name the registering agent's address or that the key does not certify: otherwise alice could
// publish bob's key as hers, and mail encrypted "to alice" would be readable by bob (or the
// reverse), or squat a key its owner has not registered yet.
import {
  AgentMailError,
  type AgentMailErrorCode,
  publicKeyBlockProblem,
  publicKeyIdentity,
  userIdAddress,
} from "@assmbl/core";
import { certifiedUserIds, parsePublicKey } from "@assmbl/crypto";
import { openpgpMaterial } from "./key-material.js";

/** What a key is known by: fingerprints (`spki:` / `openpgp:`) and canonical material (`material:`). */
export type KeyFingerprints = readonly string[];

/**
 * Every fingerprint ever registered, with the agent that registered it (kept after rotation
 * and revocation: a past key of another agent is still not yours).
 *
 * @example
 * const claims = new KeyClaims();
 * claims.check("alice", ["spki:ab12..."], "public_key"); // throws key_in_use if bob has it
 * claims.claim("alice", ["spki:ab12..."]);
 */
export class KeyClaims {
  readonly #owners = new Map<string, string>();

  /**
   * @throws {AgentMailError} `key_in_use` (409) when another agent holds or held one of them, or
   * `code` (seeding: `invalid_options`) with the same explanation.
   */
  check(
    agentId: string,
    fingerprints: KeyFingerprints,
    code: AgentMailErrorCode = "key_in_use",
    prefix = "",
  ): void {
    for (const fingerprint of fingerprints) {
      const owner = this.#owners.get(fingerprint);
      if (owner !== undefined && owner !== agentId) {
        const [kind, hex] = fingerprint.split(":");
        const what =
          kind === "spki"
            ? `public_key (fingerprint ${hex})`
            : kind === "openpgp"
              ? `an OpenPGP key or subkey (fingerprint ${hex})`
              : "the key material of public_key or of an OpenPGP key or subkey";
        throw new AgentMailError({
          code,
          message: `${prefix}${what} is already registered to another agent; register a key of your own`,
        });
      }
    }
  }

  /** Records `agentId` as the holder of each fingerprint (call after a successful check). */
  claim(agentId: string, fingerprints: KeyFingerprints): void {
    for (const fingerprint of fingerprints) this.#owners.set(fingerprint, agentId);
  }
}

/**
 * The claims of an armored OpenPGP public key registered for `address` (`openpgp:<fingerprint>`
 * and `material:<canonical material>` of the primary key and every subkey), once it is checked
 * to be a single public key (no private key material) whose user ids ALL name `address` and are
 * ALL certified by the key (a valid self-signature by its primary key, checked by openpgp.js as
 * the SDK checks a signer's user ids). Anyone can append an unsigned user id to a copy of someone
 * else's key, and a key whose ids name two agents belongs to neither, so either is refused.
 *
 * @example
 * await openpgpClaims(armored, "my-agent@agents.localhost", "openpgp_public_key", "invalid_request");
 * // ["openpgp:5f0c...", "openpgp:9a1b...", "material:c25519:...", "material:c25519:..."]
 * @throws {AgentMailError} `code` for a key that cannot be read or holds private key material;
 * `key_identity_mismatch` (or `code` with its message when `code` is `invalid_options`) when it
 * has no user id, a user id that does not name `address`, or one the key does not certify.
 */
export async function openpgpClaims(
  armored: string,
  address: string,
  name: string,
  code: AgentMailErrorCode,
): Promise<string[]> {
  const problem = publicKeyBlockProblem(armored);
  if (problem !== undefined) {
    // Said in our words: core's explanation names the private block's label, and a message
    // about a private key sent by mistake should not echo any of it.
    const message = /private|secret/i.test(problem)
      ? `${name} holds a private key; register the public key only`
      : `${name} is not an OpenPGP public key: ${problem}`;
    throw new AgentMailError({ code, message });
  }
  // Core's reader: the fingerprints of the one primary key and its subkeys, and every user id
  // packet as written.
  const read = publicKeyIdentity(armored);
  if (!read.ok) throw new AgentMailError({ code, message: `${name}: ${read.problem}` });
  const { userIds, fingerprints } = read.value;
  const mismatch = (message: string) =>
    new AgentMailError({
      code: code === "invalid_options" ? code : "key_identity_mismatch",
      message: `${name} ${message}; the key must be issued for the agent's own address (${address}) only`,
    });
  if (userIds.length === 0) throw mismatch("has no user ids");
  const foreign = userIds.find((userId) => !userIdNames(userId, address));
  if (foreign !== undefined)
    throw mismatch(`has a user id ${shown(foreign)} that does not name ${address}`);
  // openpgp.js: the key as the SDK reads it, each user id with its self-certification checked.
  let key: Awaited<ReturnType<typeof parsePublicKey>>;
  let certifications: Awaited<ReturnType<typeof certifiedUserIds>>;
  try {
    key = await parsePublicKey(armored);
    certifications = await certifiedUserIds(armored);
  } catch (error) {
    const why = AgentMailError.is(error) ? error.message : "it cannot be read";
    throw new AgentMailError({ code, message: `${name} is not an OpenPGP public key: ${why}` });
  }
  const uncertified = certifications.find((entry) => !entry.certified);
  if (uncertified !== undefined) {
    throw mismatch(`has a user id ${shown(uncertified.userId)} that is not certified by the key`);
  }
  // The SDK binds a signer to openpgp.js's user ids, so those must name the agent too; and the
  // two readings must agree exactly (a user id packet openpgp.js did not keep, or read
  // differently, cannot have been checked).
  const foreignCertified = certifications.find((entry) => !userIdNames(entry.userId, address));
  if (foreignCertified !== undefined) {
    throw mismatch(`has a user id ${shown(foreignCertified.userId)} that does not name ${address}`);
  }
  const certifiedSet = new Set(certifications.map((entry) => entry.userId));
  const writtenSet = new Set(userIds);
  if (
    certifications.length !== userIds.length ||
    certifiedSet.size !== writtenSet.size ||
    [...writtenSet].some((userId) => !certifiedSet.has(userId))
  ) {
    throw mismatch("has user ids that are not certified by the key");
  }
  const materials: string[] = [];
  for (const part of key.getKeys()) {
    const material = openpgpMaterial(part.keyPacket);
    if (material === undefined) {
      throw new AgentMailError({
        code,
        message: `${name} has a key or subkey the directory does not accept (X448 or Ed448, or an elliptic-curve point that is not uncompressed); use Curve25519, NIST P-256 or RSA keys`,
      });
    }
    materials.push(`material:${material}`);
  }
  return [...fingerprints.map((fingerprint) => `openpgp:${fingerprint}`), ...materials];
}

function shown(userId: string): string {
  return JSON.stringify(userId.length > 80 ? `${userId.slice(0, 80)}...` : userId);
}

/**
 * Whether a user id names `address`: core's {@link userIdAddress} (the addr-spec of
 * `Name <addr>`, or a bare address), compared case-insensitively. A user id with a second `<` or
 * `>` (`"x <bob@x>" <alice@x>`), or an `@` outside the brackets, names nobody: readers pick
 * different addresses out of it. The SDK binds a signer's key to a sender by the same function.
 *
 * @example
 * userIdNames("My Agent <My-Agent@agents.localhost>", "my-agent@agents.localhost"); // true
 * userIdNames('"x <bob@x.example>" <alice@x.example>', "alice@x.example"); // false
 */
export function userIdNames(userId: string, address: string): boolean {
  return userIdAddress(userId) === address.toLowerCase();
}
