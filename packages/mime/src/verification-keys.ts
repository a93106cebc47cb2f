import {
  AbortSignalSchema,
  AgentMailError,
  agentIdFor,
  type KeyDirectory,
  type MailDecryptor,
} from "@assmbl/core";
import { z } from "zod";

/**
 * Whose signatures count: armored OpenPGP public key(s), or a `KeyDirectory` (such as
 * `@assmbl/directory`'s `createDirectory`) in which the sender's own key is looked up.
 *
 * @example
 * const verifyWith: VerifyWith = createDirectory({ baseUrl }); // the sender's registered key
 * const pinned: VerifyWith = [partnerKeyArmored];
 */
export type VerifyWith = string | readonly string[] | KeyDirectory;

const isDecryptor = (value: unknown) =>
  typeof value === "object" &&
  value !== null &&
  (value as MailDecryptor).specificationVersion === "v1" &&
  typeof (value as MailDecryptor).decryptText === "function" &&
  typeof (value as MailDecryptor).decryptBytes === "function";

const isDirectory = (value: unknown) =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as KeyDirectory).lookup === "function";

const armoredKey = z
  .string()
  .refine(
    (value) => value.includes("-----BEGIN PGP PUBLIC KEY BLOCK-----"),
    "expected an armored OpenPGP public key",
  );

/**
 * The receive-side options `openMessage` and `fetchMessage` (`@assmbl/transport-api`) share.
 *
 * @example
 * const Schema = z.strictObject({ ...ReceiveOptionsShape, ...StorageOptionsShape });
 */
export const ReceiveOptionsShape = {
  decryptWith: z
    .custom<MailDecryptor>(
      isDecryptor,
      "expected a MailDecryptor (specification v1), e.g. loadPrivateKey() from @assmbl/crypto",
    )
    .optional(),
  verifyWith: z
    .union([
      armoredKey,
      z.array(armoredKey).min(1).readonly(),
      z.custom<KeyDirectory>(isDirectory, "expected a KeyDirectory with lookup()"),
    ])
    .optional(),
  signal: AbortSignalSchema.optional(),
};

// Lookup outcomes that mean "this sender has no key whose signature could count": the result
// is then `unverified`, not a failure of the whole read.
const NO_USABLE_KEY = new Set([
  "agent_not_found",
  "peer_missing_openpgp_public_key",
  "peer_key_revoked",
  "peer_key_expired",
  "peer_agent_id_required",
  "invalid_address",
  "invalid_agent_id",
]);

/**
 * Fails unless a `KeyDirectory` given as `verifyWith` comes with the mail domain it needs.
 *
 * @example
 * requireDomainForDirectory(options.verifyWith, options.mailDomain);
 * @throws {AgentMailError} `invalid_options`.
 */
export function requireDomainForDirectory(
  verifyWith: VerifyWith | undefined,
  mailDomain: string | undefined,
): asserts mailDomain is string {
  if (verifyWith === undefined || typeof verifyWith === "string" || Array.isArray(verifyWith))
    return;
  if (!mailDomain) {
    throw new AgentMailError({
      code: "invalid_options",
      message:
        "verifyWith: a KeyDirectory needs mailDomain (the platform's mail domain) to find the sender's agent id",
    });
  }
}

/**
 * The armored keys whose signatures count for a message from `sender`. With a directory, the
 * sender's agent id is found as spec §1 says (the local part on `mailDomain`) and its registered
 * key is used; a sender without a usable key yields no keys (so a signature is `unverified`).
 * A directory key counts only for an address one of its user ids names: `bindSigner`
 * (signer-binding.ts) checks that on every result.
 *
 * @example
 * const keys = await verificationKeys(directory, "other-agent@agents.example.com", "agents.example.com");
 * @throws {AgentMailError} `invalid_options` for a directory without `mailDomain`; the
 * directory's transient errors (`directory_unavailable`, ...).
 */
export async function verificationKeys(
  verifyWith: VerifyWith | undefined,
  sender: string,
  mailDomain: string | undefined,
  signal?: AbortSignal,
): Promise<readonly string[] | undefined> {
  if (verifyWith === undefined) return undefined;
  if (typeof verifyWith === "string") return [verifyWith];
  if (Array.isArray(verifyWith)) return verifyWith as readonly string[];
  const directory = verifyWith as KeyDirectory;
  requireDomainForDirectory(directory, mailDomain);
  try {
    const agentId = agentIdFor(sender, { mailDomain });
    const record = await directory.lookup(agentId, signal ? { signal } : {});
    // A directory answering with another agent's record vouches for nobody (@assmbl/directory
    // refuses that itself; any KeyDirectory may be given).
    if (record.agentId.toLowerCase() !== agentId) return [];
    return record.openpgpPublicKey ? [record.openpgpPublicKey] : [];
  } catch (error) {
    if (AgentMailError.is(error) && NO_USABLE_KEY.has(error.code)) return [];
    throw error;
  }
}
