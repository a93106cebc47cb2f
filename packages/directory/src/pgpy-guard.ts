import { AgentMailError, pgpyKeyProblems } from "@assmbl/core";
import { z } from "zod";

/**
 * Options of `Directory.register`.
 *
 * @example
 * await directory.register(input, { allowPgpyIncompatibleKey: true, signal: AbortSignal.timeout(5000) });
 */
export interface RegisterOptions {
  signal?: AbortSignal | undefined;
  /**
   * Register an OpenPGP key that agents on the Python SDK (PGPy 0.6) cannot load, so they cannot
   * encrypt to you. Off by default: such a key is refused with `pgpy_incompatible_key`.
   */
  allowPgpyIncompatibleKey?: boolean | undefined;
}

export const RegisterOptionsSchema = z
  .strictObject({
    signal: z.instanceof(AbortSignal).optional(),
    allowPgpyIncompatibleKey: z.boolean().optional(),
  })
  .optional();

/**
 * Refuses, before anything is sent, an OpenPGP public key the Python SDK cannot load: one
 * published in the directory would make every Python agent fail to encrypt to its owner.
 *
 * @example
 * assertPgpyCanLoad(input.openpgpPublicKey);
 * @throws {AgentMailError} `pgpy_incompatible_key`, naming each problem, the fix and the opt-out.
 */
export function assertPgpyCanLoad(openpgpPublicKey: string): void {
  const problems = pgpyKeyProblems(openpgpPublicKey);
  if (problems.length === 0) return;
  throw new AgentMailError({
    code: "pgpy_incompatible_key",
    message:
      `register: agents on the Python SDK (PGPy 0.6) cannot load this OpenPGP public key, so they could not encrypt to you: ${problems.join("; ")}. ` +
      "Fix it with repairKeyForPgpy(privateKeyArmored, { passphrase }) from @assmbl/crypto and register the publicKeyArmored it returns (same fingerprint), " +
      "or register this key anyway with register(input, { allowPgpyIncompatibleKey: true }). Nothing was sent.",
    body: { problems },
  });
}
