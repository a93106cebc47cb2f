// Can agents on the Python SDK use this key? The Python SDK does its OpenPGP with PGPy 0.6, which
// is stricter than GnuPG or openpgp.js in ways that are easy to trip over: its enums stop at the
// algorithms of RFC 4880 (a key whose self-signature prefers SHA3 does not load at all), to
// verify a self-signature it re-serializes the signature's hashed subpackets from what it parsed
// (so anything it parses lossily makes a valid signature fail), and it encrypts to a subkey
// without checking revocation or expiry. The rules live in ./pgpy/, each citing the PGPy code it
// mirrors (pgpy/constants.py, pgpy/types.py, pgpy/pgp.py, pgpy/packet/*.py).
import { z } from "zod";
import { Limits } from "./limits.js";
import { readPackets } from "./openpgp/packets.js";
import { publicKeyBlockProblem } from "./openpgp/public-key-block.js";
import { pgpyArmor } from "./pgpy/armor.js";
import { checkEncryptionKey } from "./pgpy/encryption-key.js";
import { readKeyBlock } from "./pgpy/key-block.js";
import { Report } from "./pgpy/report.js";
import { checkSelfSignatures } from "./pgpy/self-signatures.js";
import { parseInput } from "./validate.js";

/** {@link PgpyKeyProblemsOptions}, checked. @internal */
export const OptionsSchema = z
  .strictObject({ now: z.date().optional(), publicOnly: z.boolean().optional() })
  .optional();

/**
 * Options of {@link pgpyKeyProblems}.
 *
 * @example
 * pgpyKeyProblems(armored, { now: new Date("2030-01-01T00:00:00Z"), publicOnly: true });
 */
export interface PgpyKeyProblemsOptions {
  /** The time at which expiry is judged (default: now). */
  now?: Date | undefined;
  /**
   * Also report a text that is not only a public key (a private key block, or secret-key
   * packets under any label) as a problem: a directory key must be public. Off by default, since
   * PGPy loads private keys too.
   */
  publicOnly?: boolean | undefined;
}

/**
 * Reasons agents on the Python SDK (PGPy 0.6) could not use an armored OpenPGP key (public or
 * private), one human-readable sentence each; an empty array means none of these checks found
 * one. It reads the packets itself (no openpgp.js) and checks what decides whether PGPy loads
 * the key and verifies its self-signatures: armor format (PGPy's armor pattern, base64 padding,
 * CRC line), key packet versions, public-key algorithms and curve OIDs, secret-key protection,
 * signature versions and types, signature hash algorithms, preferred symmetric, hash and
 * compression algorithms, every subpacket PGPy parses or re-encodes differently (unknown
 * key-flag or feature bits, non-ASCII text, fingerprint versions, PGPy 0.6's Boolean-subpacket
 * bug), issuers and creation times, and expiry as PGPy judges it. It also checks what PGPy does
 * when it encrypts to the key: the user ID it takes preferences from must be self-certified, and
 * the key or subkey it picks must be neither revoked nor expired (PGPy checks neither).
 *
 * It does not verify the signatures' mathematics, so a self-signature damaged in transit passes
 * here and fails in PGPy: `inspectPublicKey(armored).pgpy` from `@assmbl/crypto` adds that check
 * (openpgp.js verifies every self-signature) and is the complete answer.
 *
 * @example
 * const problems = pgpyKeyProblems(keys.publicKeyArmored);
 * if (problems.length > 0) console.warn(`Python agents cannot use this key: ${problems.join("; ")}`);
 * @throws {AgentMailError} `invalid_options` when `armored` is not a string or the options are malformed.
 */
export function pgpyKeyProblems(armored: string, options?: PgpyKeyProblemsOptions): string[] {
  const { now = new Date(), publicOnly = false } =
    parseInput(OptionsSchema, options, "pgpyKeyProblems options") ?? {};
  parseInput(z.string(), armored, "pgpyKeyProblems: the armored key");
  if (armored.length > Limits.armoredKeyBytes) {
    return [
      `the armored key is ${armored.length} bytes; at most ${Limits.armoredKeyBytes} are accepted`,
    ];
  }
  if (publicOnly) {
    const problem = publicKeyBlockProblem(armored);
    if (problem) return [`a directory key must be a public key, and this text is not: ${problem}`];
  }
  const report = new Report();
  const bytes = pgpyArmor(armored, report);
  if (!bytes) return report.problems;
  const packets = readPackets(bytes);
  if (!packets.ok) return [`the key is malformed: ${packets.problem}`];
  const block = readKeyBlock(packets.value, report);
  if (!block) return report.problems;
  const seconds = Math.floor(now.getTime() / 1000);
  checkSelfSignatures(block, seconds, report);
  checkEncryptionKey(block, seconds, report);
  return report.problems;
}
