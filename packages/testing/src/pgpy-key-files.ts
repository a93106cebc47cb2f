// Key files in ./pgpy-keys/, from a review of pgpyKeyProblems against PGPy 0.6 (made with GnuPG
// 2.2 and by hand; the hand-made ones are properly signed unless said otherwise). Each entry
// says what PGPy makes of the file, as checked against the real PGPy by @assmbl/crypto's
// pgpy-key-files.test.ts, and what pgpyKeyProblems must answer. Tests read the files with readPgpyKeyFile.
import { readFileSync } from "node:fs";

/** One key file and the verdicts on it. */
export interface PgpyKeyFile {
  file: string;
  /** What PGPy 0.6 does with it (PGPKey.from_blob, then key.verify(key)). */
  pgpy: "loads and verifies" | "refuses to load" | "fails to verify";
  /** What agents on the Python SDK could not do, beyond loading and verifying. */
  encrypts?: "to a revoked key" | "to an expired key" | "to an expired subkey";
  /** What pgpyKeyProblems must report (all of it, in order); [] for no problem. */
  problems: RegExp[];
}

export const PGPY_KEY_FILES: readonly PgpyKeyFile[] = [
  { file: "gpg-ed25519.pub.asc", pgpy: "loads and verifies", problems: [] },
  // The same key, its armored body without its "==" padding: base64.b64decode refuses it.
  {
    file: "unpadded-base64.pub.asc",
    pgpy: "refuses to load",
    problems: [/not a multiple of 4 .*Incorrect padding/],
  },
  // The same key with " trailing" after the END line's dashes: PGPy's armor pattern allows it.
  { file: "text-after-end-line.pub.asc", pgpy: "loads and verifies", problems: [] },
  // The same key's secret key block: PGPy loads it; a directory must refuse it (publicOnly).
  { file: "gpg-ed25519.sec.asc", pgpy: "loads and verifies", problems: [] },
  // A certification whose EdDSA signature has one bit flipped: only the mathematics is wrong.
  { file: "corrupt-certification.pub.asc", pgpy: "fails to verify", problems: [] },
  // Issuer fingerprint subpackets of version 6 (33 octets) and 9 (none): PGPy misreads the area.
  {
    file: "issuer-fingerprint-v6.pub.asc",
    pgpy: "refuses to load",
    problems: [/issuer fingerprint subpacket of version 6/],
  },
  {
    file: "issuer-fingerprint-v9-empty.pub.asc",
    pgpy: "refuses to load",
    problems: [/issuer fingerprint subpacket of version 9/],
  },
  // An embedded signature (no issuer, no creation time) inside a user ID certification: PGPy
  // parses it and never uses it.
  { file: "embedded-signature-in-certification.pub.asc", pgpy: "loads and verifies", problems: [] },
  // A user ID in Latin-1, not UTF-8: PGPy hashes its bytes as written and verifies it (openpgp.js
  // decodes it lossily and cannot, so inspectPublicKey leaves its signature unchecked).
  { file: "non-utf8-user-id.pub.asc", pgpy: "loads and verifies", problems: [] },
  // Its only encryption subkey expired a minute after it was made: PGPy encrypts to it anyway.
  {
    file: "expired-encryption-subkey.pub.asc",
    pgpy: "loads and verifies",
    encrypts: "to an expired subkey",
    problems: [/expired on .*yet it is the subkey PGPy encrypts to/],
  },
  // Its only user ID certification has a signature expiration time that passed: GnuPG and
  // openpgp.js take the key as expired, PGPy never looks and encrypts to its subkey.
  {
    file: "expired-certification.pub.asc",
    pgpy: "loads and verifies",
    encrypts: "to an expired key",
    problems: [/every user ID's self-certification has expired/],
  },
  // Expired keys (GnuPG, 2023, sign-only): PGPy fails the signatures of the Ed25519 one, but not
  // those of the NIST and brainpool ones, which it also rates weak (SecurityIssues is compared
  // with `in`, so Expired | InsecureCurve does not fail). They have no key to encrypt to, so
  // PGPy's oversight costs nothing here (pgpy/security.test.ts adds an encryption subkey).
  {
    file: "expired-ed25519.pub.asc",
    pgpy: "fails to verify",
    problems: [/expired on 2023-12-01.*PGPy fails every signature of an expired key/],
  },
  { file: "expired-nistp256.pub.asc", pgpy: "loads and verifies", problems: [] },
  { file: "expired-brainpoolP256r1.pub.asc", pgpy: "loads and verifies", problems: [] },
  // GnuPG: a revoked key (key revocation signature) with a revoked user ID, three subkeys.
  {
    file: "gpg-revoked.pub.asc",
    pgpy: "loads and verifies",
    encrypts: "to a revoked key",
    problems: [/the key is revoked, and PGPy does not check revocations/],
  },
];

/**
 * The text of one key file of ./pgpy-keys/.
 *
 * @example
 * const armored = readPgpyKeyFile("gpg-ed25519.pub.asc");
 */
export function readPgpyKeyFile(file: string): string {
  return readFileSync(new URL(`./pgpy-keys/${file}`, import.meta.url), "utf8");
}
