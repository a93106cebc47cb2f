// Whether agents on the Python SDK can use a key, from what PGPy itself did with it (the Python
// SDK model's inspect_key) and openpgp.js's view of the key PGPy encrypted to: the oracle the
// PGPy tests compare pgpyKeyProblems and inspectPublicKey().pgpy with.

import type { PythonKeyReport } from "@assmbl/testing/python";
import { config as defaultConfig, type Key, readKey, readPrivateKey } from "openpgp";

// openpgp.js without policy: the question is only whether a key is revoked or expired.
const LENIENT = { ...defaultConfig, rejectCurves: new Set<never>(), minRSABits: 0 };

/**
 * Whether the key or subkey with ID `keyId` (16 hex digits) of `armored` is revoked or expired
 * now, or belongs to a key that is, as openpgp.js sees it.
 *
 * @example
 * await revokedOrExpired(armored, report.encryptsTo);
 */
export async function revokedOrExpired(armored: string, keyId: string): Promise<boolean> {
  let key: Key;
  try {
    key = armored.includes("PRIVATE KEY BLOCK")
      ? await readPrivateKey({ armoredKey: armored, config: LENIENT })
      : await readKey({ armoredKey: armored, config: LENIENT });
  } catch {
    return false;
  }
  const now = new Date();
  const gone = (expires: Date | number | null) => expires instanceof Date && expires <= now;
  if (await key.isRevoked(undefined, undefined, now, LENIENT)) return true;
  if (gone(await key.getExpirationTime(undefined, LENIENT).catch(() => null))) return true;
  const subkey = key.getSubkeys().find((candidate) => candidate.getKeyID().toHex() === keyId);
  if (!subkey) return false;
  if (await subkey.isRevoked(null as never, null as never, now, LENIENT)) return true;
  return gone(await subkey.getExpirationTime(now, LENIENT).catch(() => null));
}

/**
 * What PGPy makes of a key: loaded, self-signatures verified, (known passphrase) unlocked, and
 * the (sub)key it encrypts to neither revoked nor expired. A key PGPy finds nothing to encrypt
 * to counts as usable: no implementation can encrypt to it, and recipient checks say so.
 *
 * @example
 * const usable = await pgpyCanUse(report, armored, passphrase);
 */
export async function pgpyCanUse(
  report: PythonKeyReport,
  armored: string,
  passphrase?: string,
): Promise<boolean> {
  if (!report.loaded || !report.selfVerified) return false;
  // A secret key PGPy does not recognise as protected "loads" with garbage as its secret: with a
  // known passphrase, the key is usable only if PGPy unlocks it with that passphrase.
  if (passphrase !== undefined && report.unlocks !== true) return false;
  if (report.encryptError) return /required usage flag/.test(report.encryptError);
  return !(report.encryptsTo && (await revokedOrExpired(armored, report.encryptsTo)));
}
