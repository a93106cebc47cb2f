import {
  AgentMailError,
  type AgentRecord,
  type DirectoryAlgorithmSchema,
  type KeyDirectory,
  type KeyLookupOptions,
  normalizeAgentId,
  type PricingSchema,
  parseInput,
} from "@assmbl/core";
import type { z } from "zod";
import { accountCalls } from "./account.js";
import { memoryCache, storeCache } from "./cache.js";
import { createHttp } from "./http.js";
import { KeyPins } from "./key-pins.js";
import { lookupCalls } from "./lookup.js";
import { type DirectoryOptions, DirectoryOptionsSchema } from "./options.js";
import type { RegisterOptions } from "./pgpy-guard.js";

/** A peer's pricing, as `GET /public/agents/{id}/pricing` returns it (extra keys kept). */
export type AgentPricing = z.output<typeof PricingSchema>;

/** What `register` sends: the agent's directory key and OpenPGP key, and the version it replaces. */
export interface RegisterInput {
  /** SPKI PEM of the directory key (`generateKeyPair().directoryPublicKeyPem`). */
  publicKey: string;
  algorithm: z.input<typeof DirectoryAlgorithmSchema>;
  /** The new version; greater than the current one. */
  keyVersion: number;
  /** The version being replaced; `null` for a first registration. */
  ifMatchVersion: number | null;
  openpgpPublicKey: string | null;
}

/** The cached directory client; it satisfies core's `KeyDirectory`, so `createMailer` takes it. */
export interface Directory extends KeyDirectory {
  /**
   * The record of an agent with a usable key, from the cache while fresh.
   * @throws {AgentMailError} `invalid_agent_id`, `agent_not_found`, `peer_missing_openpgp_public_key`,
   * `peer_key_revoked`, `key_too_large`, `invalid_directory_response`, `directory_unavailable`,
   * `peer_key_changed` (with `pinKeys`), `aborted`.
   */
  lookup(agentId: string, options?: KeyLookupOptions): Promise<AgentRecord>;
  /** A peer's pricing (not cached). */
  lookupPricing(agentId: string, options?: { signal?: AbortSignal }): Promise<AgentPricing>;
  /**
   * Registers or rotates this agent's keys (needs `token`). Before anything is sent it refuses an
   * `openpgpPublicKey` that is not only a public key (a private key: `invalid_public_key`, never
   * quoting it) and one agents on the Python SDK (PGPy 0.6) cannot use, unless
   * `allowPgpyIncompatibleKey`.
   * @throws {AgentMailError} `invalid_public_key`, `pgpy_incompatible_key` (repair the key with
   * `repairKeyForPgpy` from `@assmbl/crypto`), `key_version_conflict`, `invalid_options`, `unauthorized`,
   * `invalid_directory_response`, `directory_unavailable`.
   */
  register(
    input: RegisterInput,
    options?: RegisterOptions,
  ): Promise<{ agentId: string; keyVersion: number; keyFingerprintSha256: string }>;
  /** Revokes this agent's key (needs `token`). */
  revoke(options?: { signal?: AbortSignal }): Promise<{ agentId: string; revoked: true }>;
  /** With `pinKeys`: trusts the key an agent now presents, named by its `keyFingerprintSha256`. */
  acceptKey(agentId: string, fingerprint: string): void;
}

/**
 * A directory client with a cache (the Python SDK's `lookup_public_agent_cached`): fresh records
 * come from memory (or a shared Keyv store), concurrent lookups of one agent share one request,
 * "no such agent" is remembered briefly, and while the directory is down the last good record is
 * served for `staleIfErrorMs`, never one that was revoked. Every record is validated with core's
 * schemas; a key that changes is reported to `onKeyChange`, and with `pinKeys` refused until accepted.
 *
 * @example
 * const directory = createDirectory({ baseUrl: process.env.AGENTMAIL_API_BASE_URL ?? "", ttlMs: 60_000 });
 * const peer = await directory.lookup("other-agent");
 * console.log(peer.keyVersion, peer.openpgpPublicKey?.slice(0, 36));
 * @throws {AgentMailError} `invalid_options` for unknown or malformed options.
 */
export function createDirectory(options: DirectoryOptions): Directory {
  const config = parseInput(DirectoryOptionsSchema, options, "createDirectory options");
  const clock = config.clock ?? Date.now;
  const cache = config.store
    ? storeCache(config.store, config.storeTimeoutMs)
    : memoryCache(config.maxEntries, clock);
  const http = createHttp({
    baseUrl: config.baseUrl.replace(/\/+$/, ""),
    token: config.token,
    timeoutMs: config.timeoutMs,
    retry: config.retry,
    fetch: config.fetch,
  });
  const pins = config.pinKeys ? new KeyPins() : undefined;
  return {
    specificationVersion: "v1",
    ...lookupCalls({ config, clock, cache, http, pins }),
    ...accountCalls(http, cache),
    acceptKey(agentId, fingerprint) {
      if (!pins)
        throw new AgentMailError({
          code: "invalid_options",
          message: "acceptKey: the directory was created without pinKeys",
        });
      pins.accept(normalizeAgentId(agentId), fingerprint);
    },
  };
}
