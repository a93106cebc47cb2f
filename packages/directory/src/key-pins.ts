import { AgentMailError, type AgentRecord } from "@assmbl/core";

/** The key of a record that a change is judged by: the directory key and the OpenPGP key. */
function sameKey(a: AgentRecord, b: AgentRecord): boolean {
  return (
    a.keyFingerprintSha256 === b.keyFingerprintSha256 && a.openpgpPublicKey === b.openpgpPublicKey
  );
}

/**
 * Trust on first use: remembers the first key seen for each agent and refuses another until
 * it is accepted. Pins live in this process.
 */
export class KeyPins {
  readonly #pins = new Map<string, AgentRecord>();
  readonly #offered = new Map<string, AgentRecord>();

  /**
   * Pins a first-seen key, passes a pinned one, and refuses a changed one.
   * @throws {AgentMailError} `peer_key_changed` (409) with both fingerprints in `body`.
   */
  check(record: AgentRecord): void {
    const pinned = this.#pins.get(record.agentId);
    if (!pinned) {
      this.#pins.set(record.agentId, record);
      return;
    }
    if (sameKey(pinned, record)) return;
    this.#offered.set(record.agentId, record);
    throw new AgentMailError({
      code: "peer_key_changed",
      message: `agent ${record.agentId} now presents key ${record.keyFingerprintSha256} (version ${record.keyVersion}), not the pinned ${pinned.keyFingerprintSha256}; verify it out of band, then call acceptKey`,
      body: {
        agentId: record.agentId,
        previousFingerprint: pinned.keyFingerprintSha256,
        currentFingerprint: record.keyFingerprintSha256,
        keyVersion: record.keyVersion,
      },
    });
  }

  /**
   * Accepts the key an agent now presents, named by its fingerprint so that only the key the
   * caller verified is accepted.
   * @throws {AgentMailError} `peer_key_changed` when no such key is on offer.
   */
  accept(agentId: string, fingerprint: string): void {
    const offered = this.#offered.get(agentId);
    if (!offered || offered.keyFingerprintSha256 !== fingerprint.toLowerCase()) {
      throw new AgentMailError({
        code: "peer_key_changed",
        message: `agent ${agentId} presents no key with fingerprint ${fingerprint}; look it up first and accept the fingerprint it reports`,
      });
    }
    this.#pins.set(agentId, offered);
    this.#offered.delete(agentId);
  }
}

export { sameKey };
