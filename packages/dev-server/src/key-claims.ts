// One key belongs to one agent. The directory refuses a key another agent holds or held (by its
// SPKI fingerprint, or the fingerprint of its OpenPGP primary key or any subkey), and an OpenPGP
// key whose user ids do not name the registering agent's address: otherwise alice could publish
// bob's key as hers, and mail encrypted "to alice" would be readable by bob (or the reverse).
import { AgentMailError, type AgentMailErrorCode, publicKeyBlockProblem } from "@assmbl/core";
import { readOpenPgpIdentity, userIdNames } from "./openpgp-identity.js";

/** The fingerprints a key is known by, each tagged with its kind (`spki:` / `openpgp:`). */
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
        const what = kind === "spki" ? "public_key" : "an OpenPGP key or subkey";
        throw new AgentMailError({
          code,
          message: `${prefix}${what} (fingerprint ${hex}) is already registered to another agent; register a key of your own`,
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
 * The fingerprints of an armored OpenPGP public key registered for `address`, once it is checked
 * to be a single public key (no private key material) with a user id naming `address`.
 *
 * @example
 * openpgpFingerprints(armored, "my-agent@agents.localhost", "openpgp_public_key", "invalid_request");
 * // ["openpgp:5f0c...", "openpgp:9a1b..."]
 * @throws {AgentMailError} `code` for a key that cannot be read or holds private key material;
 * `key_identity_mismatch` (or `code` with its message when `code` is `invalid_options`) when no
 * user id names `address`.
 */
export function openpgpFingerprints(
  armored: string,
  address: string,
  name: string,
  code: AgentMailErrorCode,
): string[] {
  const problem = publicKeyBlockProblem(armored);
  if (problem !== undefined) {
    // Said in our words: core's explanation names the private block's label, and a message
    // about a private key sent by mistake should not echo any of it.
    const message = /private|secret/i.test(problem)
      ? `${name} holds a private key; register the public key only`
      : `${name} is not an OpenPGP public key: ${problem}`;
    throw new AgentMailError({ code, message });
  }
  const read = readOpenPgpIdentity(armored);
  if (!read.ok) throw new AgentMailError({ code, message: `${name} ${read.reason}` });
  const { userIds, fingerprints } = read.identity;
  if (!userIds.some((userId) => userIdNames(userId, address))) {
    const shown = userIds
      .slice(0, 3)
      .map((userId) => JSON.stringify(userId.length > 80 ? `${userId.slice(0, 80)}...` : userId));
    throw new AgentMailError({
      code: code === "invalid_options" ? code : "key_identity_mismatch",
      message: `${name} has no user id naming ${address} (${
        shown.length === 0 ? "it has no user ids" : `its user ids: ${shown.join(", ")}`
      }); the key must be issued for the agent's own address`,
    });
  }
  return fingerprints.map((fingerprint) => `openpgp:${fingerprint}`);
}
