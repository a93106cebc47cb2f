import type { AgentRecord } from "./schemas/directory.js";

/** Options of one directory lookup. */
export interface KeyLookupOptions {
  /**
   * Bypass any cache and fetch the record fresh ("require encryption" sends use this). Fails
   * closed: when the directory cannot answer, the lookup fails (`directory_unavailable`) rather
   * than fall back to a cached record, which may have been revoked since.
   */
  refresh?: boolean;
  signal?: AbortSignal;
}

/**
 * Where the mailer finds a recipient's public key: `@assmbl/directory`'s cached client, or
 * anything else that answers with an {@link AgentRecord}.
 *
 * A lookup throws an `AgentMailError` (`agent_not_found`, `directory_unavailable`, ...) rather
 * than returning a partial record; a record without a usable key has `openpgpPublicKey: null`.
 *
 * @example
 * const fixed: KeyDirectory = {
 *   specificationVersion: "v1",
 *   async lookup(agentId) {
 *     return { agentId, publicKey: pem, algorithm: "Ed25519", keyFingerprintSha256: fp,
 *              keyVersion: 1, keyStatus: "active", openpgpPublicKey: armored };
 *   },
 * };
 */
export interface KeyDirectory {
  readonly specificationVersion: "v1";
  lookup(agentId: string, options?: KeyLookupOptions): Promise<AgentRecord>;
}
