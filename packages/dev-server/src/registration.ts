// What registering a key means for the dev server's directory: the wire shapes of register and
// revoke, and the checks a key passes before an agent may hold it (an SPKI key matching its
// algorithm, at most one OpenPGP public key whose certified user ids all name the agent, under
// the size limit).
import {
  AgentMailError,
  type AgentMailErrorCode,
  type AgentRecord,
  type DirectoryAlgorithm,
  type DirectoryRecordWire,
  Limits,
  type RegisterRequestSchema,
  type RegisterResponseSchema,
  type RevokeResponseSchema,
} from "@assmbl/core";
import type { z } from "zod";
import { openpgpClaims } from "./key-claims.js";
import { algorithmFits, inspectSpkiPem } from "./keys.js";
import type { SeedAgentSchema } from "./options.js";

/**
 * `POST /directory/register` body, as validated by core's `RegisterRequestSchema`.
 *
 * @example
 * const request: RegisterRequestWire = { public_key: pem, algorithm: "Ed25519", key_version: 1,
 *   if_match_version: null, openpgp_public_key: null };
 */
export type RegisterRequestWire = z.output<typeof RegisterRequestSchema>;
/**
 * `POST /directory/register` response.
 *
 * @example
 * const { key_version, key_fingerprint_sha256 }: RegisterResponseWire = store.register(id, request);
 */
export type RegisterResponseWire = z.output<typeof RegisterResponseSchema>;
/**
 * `POST /directory/revoke` response.
 *
 * @example
 * const { revoked }: RevokeResponseWire = store.revoke("peer"); // true
 */
export type RevokeResponseWire = z.output<typeof RevokeResponseSchema>;

/**
 * The key an agent registered: core's camelCase directory record without the agent id
 * (`openpgpPublicKey` is null when none was registered, and always after revocation).
 *
 * @example
 * store.agent("peer")?.key?.keyVersion; // 1
 */
export type DevAgentKey = Omit<AgentRecord, "agentId">;

/** What {@link checkedKey} checks. */
export interface KeyInput {
  publicKey: string;
  algorithm: DirectoryAlgorithm | undefined;
  openpgpPublicKey: string | null;
  keyVersion: number;
  /** The registering agent's address, which the OpenPGP key's user ids must name. */
  address: string;
}

/**
 * Validates a key for registration and returns it with the fingerprints it is known by;
 * `names` are the field names the caller's input uses, `prefix` starts every message.
 *
 * @example
 * const { key, fingerprints } = await checkedKey(input, "invalid_request", ["public_key", "algorithm", "openpgp_public_key"]);
 * @throws {AgentMailError} `code` for a bad key, `key_too_large`, `key_identity_mismatch`.
 */
export async function checkedKey(
  input: KeyInput,
  code: AgentMailErrorCode,
  names: readonly [publicKey: string, algorithm: string, openpgpPublicKey: string],
  prefix = "",
): Promise<{ key: DevAgentKey; fingerprints: string[] }> {
  const [publicKeyName, algorithmName, openpgpName] = names;
  const fail = (message: string) => new AgentMailError({ code, message: `${prefix}${message}` });
  const spki = inspectSpkiPem(input.publicKey);
  if (!spki.ok) throw fail(`${publicKeyName} ${spki.reason}`);
  const algorithm = input.algorithm ?? spki.key.algorithm;
  if (!algorithmFits(algorithm, spki.key.algorithm)) {
    throw fail(
      `${algorithmName} ${algorithm} does not match ${publicKeyName}, a ${spki.key.description} key`,
    );
  }
  const fingerprints = [`spki:${spki.key.fingerprint}`, `material:${spki.key.material}`];
  const openpgp = input.openpgpPublicKey;
  if (openpgp !== null) {
    const bytes = Buffer.byteLength(openpgp, "utf8");
    if (bytes > Limits.armoredKeyBytes) {
      throw new AgentMailError({
        code: "key_too_large",
        message: `${prefix}${openpgpName} is ${bytes} bytes; the limit is ${Limits.armoredKeyBytes}`,
      });
    }
    try {
      fingerprints.push(...(await openpgpClaims(openpgp, input.address, openpgpName, code)));
    } catch (error) {
      if (!AgentMailError.is(error) || prefix === "") throw error;
      throw new AgentMailError({ code: error.code, message: `${prefix}${error.message}` });
    }
  }
  const key: DevAgentKey = {
    publicKey: input.publicKey,
    algorithm,
    keyFingerprintSha256: spki.key.fingerprint,
    keyVersion: input.keyVersion,
    keyStatus: "active",
    openpgpPublicKey: openpgp,
  };
  return { key, fingerprints };
}

/**
 * Optimistic concurrency of `POST /directory/register`: `if_match_version` must be the current
 * `key_version` (`null` when there is none) and `key_version` must be greater than it.
 *
 * @example
 * checkKeyVersion(state.key?.keyVersion ?? null, request);
 * @throws {AgentMailError} `key_version_conflict` (409).
 */
export function checkKeyVersion(current: number | null, request: RegisterRequestWire): void {
  if (request.if_match_version !== current) {
    throw new AgentMailError({
      code: "key_version_conflict",
      message: `if_match_version ${String(request.if_match_version)} does not match the current key_version ${String(current)}`,
    });
  }
  if (current !== null && request.key_version <= current) {
    throw new AgentMailError({
      code: "key_version_conflict",
      message: `key_version ${request.key_version} must be greater than the current key_version ${current}`,
    });
  }
}

/**
 * The directory record (spec §6) of an agent's registered key.
 *
 * @example
 * directoryRecordOf("peer", key).key_status; // "active"
 */
export function directoryRecordOf(agentId: string, key: DevAgentKey): DirectoryRecordWire {
  return {
    agent_id: agentId,
    public_key: key.publicKey,
    algorithm: key.algorithm,
    key_fingerprint_sha256: key.keyFingerprintSha256,
    key_version: key.keyVersion,
    key_status: key.keyStatus,
    openpgp_public_key: key.openpgpPublicKey,
  };
}

/**
 * The key a seed agent starts with (registered at `key_version` 1), or `null` without
 * `publicKey`; the same checks as {@link checkedKey}, failing with `invalid_options`.
 *
 * @example
 * const { key, fingerprints } = await seedKey(parsed, "peer@agents.localhost");
 * @throws {AgentMailError} `invalid_options` naming the seed agent.
 */
export async function seedKey(
  seed: z.output<typeof SeedAgentSchema>,
  address: string,
): Promise<{ key: DevAgentKey | null; fingerprints: string[] }> {
  const prefix = `seed agent "${seed.agentId}": `;
  if (seed.publicKey === undefined) {
    if (seed.algorithm !== undefined || seed.openpgpPublicKey) {
      throw new AgentMailError({
        code: "invalid_options",
        message: `${prefix}algorithm and openpgpPublicKey need a publicKey`,
      });
    }
    return { key: null, fingerprints: [] };
  }
  return checkedKey(
    {
      publicKey: seed.publicKey,
      algorithm: seed.algorithm,
      openpgpPublicKey: seed.openpgpPublicKey ?? null,
      keyVersion: 1,
      address,
    },
    "invalid_options",
    ["publicKey", "algorithm", "openpgpPublicKey"],
    prefix,
  );
}
