import { z } from "zod";

/**
 * Directory key algorithms (spec §6).
 *
 * @example
 * DirectoryAlgorithmSchema.parse("Ed25519");
 */
export const DirectoryAlgorithmSchema = z.enum([
  "Ed25519",
  "RSA2048",
  "RSA4096",
  "ECDSA_P256",
  "RSA",
]);

/** A directory key algorithm. */
export type DirectoryAlgorithm = z.output<typeof DirectoryAlgorithmSchema>;

const agentIdWire = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "expected an agent id");
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, "expected 64 lower-case hex digits");

/**
 * `GET /public/agents/{agent_id}` (spec §6). `key_status` defaults to `active` for platforms that
 * do not send it; `openpgp_public_key` may be missing or null.
 *
 * @example
 * const record = DirectoryRecordSchema.parse(await response.json());
 */
export const DirectoryRecordSchema = z.object({
  agent_id: agentIdWire,
  public_key: z.string().min(1),
  algorithm: DirectoryAlgorithmSchema,
  key_fingerprint_sha256: sha256Hex,
  key_version: z.int().positive(),
  key_status: z.enum(["active", "revoked"]).default("active"),
  openpgp_public_key: z.string().min(1).nullable().optional(),
});

/** A directory record as it travels (snake_case). */
export type DirectoryRecordWire = z.output<typeof DirectoryRecordSchema>;

/**
 * `GET /public/agents/{agent_id}/pricing`: the documented keys, others kept.
 *
 * @example
 * PricingSchema.parse({ pricing_model: "per_message", base_price: 0.01 });
 */
export const PricingSchema = z.looseObject({
  pricing_model: z.string(),
  base_price: z.union([z.number(), z.string()]),
});

/**
 * `POST /directory/register` request. `if_match_version` is null on first registration.
 *
 * @example
 * RegisterRequestSchema.parse({ public_key, algorithm: "Ed25519", key_version: 1, if_match_version: null, openpgp_public_key });
 */
export const RegisterRequestSchema = z.strictObject({
  public_key: z.string().min(1),
  algorithm: DirectoryAlgorithmSchema,
  key_version: z.int().positive(),
  if_match_version: z.int().positive().nullable(),
  openpgp_public_key: z.string().min(1).nullable(),
});

/**
 * `POST /directory/register` response.
 *
 * @example
 * RegisterResponseSchema.parse({ agent_id: "a", key_version: 1, key_fingerprint_sha256: "0".repeat(64) });
 */
export const RegisterResponseSchema = z.object({
  agent_id: agentIdWire,
  key_version: z.int().positive(),
  key_fingerprint_sha256: sha256Hex,
});

/**
 * `POST /directory/revoke` request (ours): an empty object.
 *
 * @example
 * RevokeRequestSchema.parse({});
 */
export const RevokeRequestSchema = z.strictObject({});

/**
 * `POST /directory/revoke` response (ours).
 *
 * @example
 * RevokeResponseSchema.parse({ agent_id: "a", revoked: true });
 */
export const RevokeResponseSchema = z.object({ agent_id: agentIdWire, revoked: z.literal(true) });

/** A directory record in the SDK's camelCase, as a key directory returns it. */
export interface AgentRecord {
  agentId: string;
  publicKey: string;
  algorithm: DirectoryAlgorithm;
  keyFingerprintSha256: string;
  keyVersion: number;
  keyStatus: "active" | "revoked";
  /** Absent when the agent registered no OpenPGP key or its key is revoked. */
  openpgpPublicKey: string | null;
}

/**
 * Maps a wire record to the camelCase {@link AgentRecord}.
 *
 * @example
 * const record = toAgentRecord(DirectoryRecordSchema.parse(json));
 */
export function toAgentRecord(wire: DirectoryRecordWire): AgentRecord {
  return {
    agentId: wire.agent_id.toLowerCase(),
    publicKey: wire.public_key,
    algorithm: wire.algorithm,
    keyFingerprintSha256: wire.key_fingerprint_sha256,
    keyVersion: wire.key_version,
    keyStatus: wire.key_status,
    openpgpPublicKey: wire.key_status === "revoked" ? null : (wire.openpgp_public_key ?? null),
  };
}
