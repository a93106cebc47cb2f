import { AgentMailError, pgpyKeyProblems, publicKeyBlockProblem } from "@assmbl/core";
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
   * Register an OpenPGP key that agents on the Python SDK (PGPy 0.6) cannot use, so they cannot
   * encrypt to you (or would encrypt to a revoked or expired subkey). Off by default: such a key is
   * refused with `pgpy_incompatible_key`. A private key is refused whatever this says.
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
 * Refuses, before anything is sent and whatever the options, text that is not only an OpenPGP
 * public key: a private key block, or secret-key packets under a public label. The directory
 * publishes `openpgp_public_key` to every agent, so a private key pasted there by mistake must
 * never leave the caller. The text is never quoted.
 *
 * @example
 * assertPublicKeyOnly(input.openpgpPublicKey);
 * @throws {AgentMailError} `invalid_public_key`.
 */
export function assertPublicKeyOnly(openpgpPublicKey: string): void {
  const problem = publicKeyBlockProblem(openpgpPublicKey);
  if (problem === undefined) return;
  throw new AgentMailError({
    code: "invalid_public_key",
    message: `register: openpgpPublicKey must be an armored OpenPGP public key, and ${problem}. Register the public key (publicKeyArmored), never the private one. Nothing was sent.`,
    secrets: [openpgpPublicKey],
  });
}

/**
 * Refuses, before anything is sent, an OpenPGP public key agents on the Python SDK cannot use:
 * one PGPy cannot load or verify, or one it would encrypt to a revoked or expired (sub)key of.
 * Published in the directory, it would make every Python agent fail to encrypt to its owner, or
 * encrypt to a key the owner may no longer hold.
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
      `register: agents on the Python SDK (PGPy 0.6) cannot use this OpenPGP public key, so they could not encrypt to you: ${problems.join("; ")}. ` +
      "Fix it with repairKeyForPgpy(privateKeyArmored, { passphrase }) from @assmbl/crypto and register the publicKeyArmored it returns (same fingerprint), " +
      "or register this key anyway with register(input, { allowPgpyIncompatibleKey: true }). Nothing was sent.",
    body: { problems },
  });
}
