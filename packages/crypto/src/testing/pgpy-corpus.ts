// The key corpus of the PGPy tests (pgpy-keys.test.ts): keys from every source at hand (this
// package, earlier versions, openpgp.js's RFC 9580 keys, GnuPG 2.2, PGPy itself), keys whose
// self-certification is rebuilt with one property PGPy does or does not round-trip, and the
// cases of a review of pgpyKeyProblems (revoked and expired subkeys and keys, user IDs without
// self-certification, damaged signatures). Not exported by the package.

import type { GpgHome } from "@assmbl/testing/gpg";
import { pythonSdk } from "@assmbl/testing/python";
import { encryptKey, enums, generateKey, readPrivateKey } from "openpgp";
import { hardenedConfig } from "../config.js";
import { generateKeyPair, type KeyPairBundle } from "../keys.js";
import { repairKeyForPgpy } from "../pgpy-repair.js";
import { earlierVersionKey, eccKeyObject, recertified, withChecksum } from "./keys.js";
import { reviewCases } from "./pgpy-review-corpus.js";

export const PASSPHRASE = "pgpy corpus passphrase";
const utf8 = (text: string) => new TextEncoder().encode(text);

/** One key of the corpus: where it comes from, its armored text, the passphrase that unlocks it. */
export interface CorpusKey {
  name: string;
  armored: string;
  passphrase?: string;
  /** Its only flaw is in a signature's mathematics, which core's pgpyKeyProblems does not check. */
  mathematicsOnly?: boolean;
}

/** generateKeyPair's four kinds of key. */
export type Generated = Record<"ecc" | "eccProtected" | "rsa" | "rsaProtected", KeyPairBundle>;

/**
 * Builds the corpus, using `gpg` (a temporary GNUPGHOME) for GnuPG's keys.
 *
 * @example
 * const { corpus, generated } = await buildCorpus(await createGpgHome());
 */
export async function buildCorpus(
  gpg: GpgHome,
): Promise<{ corpus: CorpusKey[]; generated: Generated }> {
  const generated = {} as Generated;
  const corpus: CorpusKey[] = [];
  [generated.ecc, generated.eccProtected, generated.rsa, generated.rsaProtected] =
    await Promise.all([
      generateKeyPair({ name: "ECC Agent", email: "ecc@agents.test" }),
      generateKeyPair({ name: "ECC Agent", email: "ecc@agents.test", passphrase: PASSPHRASE }),
      generateKeyPair({ name: "RSA Agent", email: "rsa@agents.test", type: "rsa4096" }),
      generateKeyPair({
        name: "RSA Agent",
        email: "rsa@agents.test",
        type: "rsa4096",
        passphrase: PASSPHRASE,
      }),
    ]);
  for (const [name, bundle] of Object.entries(generated)) {
    const passphrase = name.endsWith("Protected") ? PASSPHRASE : undefined;
    corpus.push(
      { name: `generateKeyPair ${name}, public`, armored: bundle.publicKeyArmored },
      {
        name: `generateKeyPair ${name}, private`,
        armored: bundle.privateKeyArmored,
        ...(passphrase ? { passphrase } : {}),
      },
    );
  }

  // The earlier version: openpgp.js with its defaults (SHA3 preferences), and its repair.
  const [earlierEcc, earlierRsa, earlierAead] = await Promise.all([
    earlierVersionKey({ passphrase: PASSPHRASE }),
    earlierVersionKey({ type: "rsa" }),
    earlierVersionKey({ aeadProtect: true }),
  ]);
  const [repairedEcc, repairedRsa, repairedAead] = await Promise.all([
    repairKeyForPgpy(earlierEcc.privateKey, { passphrase: PASSPHRASE }),
    repairKeyForPgpy(earlierRsa.privateKey),
    repairKeyForPgpy(earlierAead.privateKey),
  ]);
  corpus.push(
    { name: "earlier version ecc, public", armored: earlierEcc.publicKey },
    {
      name: "earlier version ecc, private",
      armored: earlierEcc.privateKey,
      passphrase: PASSPHRASE,
    },
    { name: "earlier version rsa, public", armored: earlierRsa.publicKey },
    { name: "earlier version rsa, private", armored: earlierRsa.privateKey },
    { name: "openpgp.js aeadProtect profile, public", armored: earlierAead.publicKey },
    { name: "repaired ecc, public", armored: repairedEcc.publicKeyArmored },
    {
      name: "repaired ecc, private",
      armored: repairedEcc.privateKeyArmored,
      passphrase: PASSPHRASE,
    },
    { name: "repaired rsa, public", armored: repairedRsa.publicKeyArmored },
    { name: "repaired rsa, private", armored: repairedRsa.privateKeyArmored },
    { name: "repaired aeadProtect profile, public", armored: repairedAead.publicKeyArmored },
  );

  // GnuPG 2.2's keys: ed25519/cv25519 (its default), RSA, NIST P-256; secret keys as it exports them.
  const edFpr = await gpg.generateKey("GPG Ed <ed@gpg.test>");
  const protectedFpr = await gpg.generateKey(
    "GPG Locked <locked@gpg.test>",
    "future-default",
    "default",
    "never",
    { passphrase: PASSPHRASE },
  );
  const rsaFpr = await gpg.generateKey("GPG RSA <rsa@gpg.test>", "rsa2048", "sign");
  await gpg.addSubkey(rsaFpr, "rsa2048", "encr");
  const nistFpr = await gpg.generateKey("GPG P-256 <p256@gpg.test>", "nistp256", "sign");
  await gpg.addSubkey(nistFpr, "nistp256", "encr");
  corpus.push(
    { name: "gpg ed25519/cv25519, public", armored: await gpg.exportPublic(edFpr) },
    { name: "gpg ed25519/cv25519, secret", armored: await gpg.exportSecret(edFpr) },
    {
      name: "gpg ed25519/cv25519, protected secret",
      armored: await gpg.exportSecret(protectedFpr, PASSPHRASE),
      passphrase: PASSPHRASE,
    },
    { name: "gpg rsa2048, public", armored: await gpg.exportPublic(rsaFpr) },
    { name: "gpg rsa2048, secret", armored: await gpg.exportSecret(rsaFpr) },
    { name: "gpg nistp256, public", armored: await gpg.exportPublic(nistFpr) },
  );

  // RFC 9580 keys: Ed25519/X25519 in a v4 key, and a v6 key (as armored, and with a checksum).
  const curve25519 = await generateKey({
    type: "curve25519",
    userIDs: [{ name: "New", email: "new@agents.test" }],
  });
  const v6 = await generateKey({
    userIDs: [{ name: "V6", email: "v6@agents.test" }],
    config: { v6Keys: true },
    format: "object",
  });
  corpus.push(
    { name: "openpgp.js curve25519 (RFC 9580), public", armored: curve25519.publicKey },
    { name: "openpgp.js curve25519 (RFC 9580), private", armored: curve25519.privateKey },
    { name: "openpgp.js v6, public", armored: v6.publicKey.armor() },
    { name: "openpgp.js v6, public with a checksum", armored: withChecksum(v6.publicKey) },
  );

  // PGPy's own key (the Python SDK's generate_keypair).
  const python = await pythonSdk.generateKeypair({
    name: "Py Agent",
    email: "py@agents.test",
    passphrase: PASSPHRASE,
  });
  corpus.push(
    { name: "PGPy generate_keypair, public", armored: python.publicKeyArmored },
    {
      name: "PGPy generate_keypair, private",
      armored: python.privateKeyArmored,
      passphrase: PASSPHRASE,
    },
  );

  // One rule each: certifications rebuilt with a property PGPy does, or does not, round-trip.
  const crafted: [string, Promise<string>][] = [
    ["features 0x09 (SEIPDv2 bit)", recertified({ features: Uint8Array.of(0x09) })],
    ["revocable set to 1", recertified({ revocable: true })],
    ["exportable set to 0", recertified({ exportable: false })],
    ["key flags with a second octet", recertified({ keyFlags: Uint8Array.of(0x03, 0x04) })],
    ["key server preferences no-modify", recertified({ keyServerPreferences: [0x80] })],
    ["key server preferences with an unknown bit", recertified({ keyServerPreferences: [0x81] })],
    [
      "human-readable notation, ASCII",
      recertified({
        extraNotation: {
          name: "note@agents.test",
          value: utf8("plain"),
          humanReadable: true,
          critical: false,
        },
      }),
    ],
    [
      "human-readable notation, non-ASCII",
      recertified({
        extraNotation: {
          name: "note@agents.test",
          value: utf8("Grüße"),
          humanReadable: true,
          critical: false,
        },
      }),
    ],
    ["policy URI, ASCII", recertified({ policyURI: "https://agents.test/policy" })],
    ["policy URI, non-ASCII", recertified({ policyURI: "https://agents.test/grüße" })],
    [
      "hash preferences with SHA-1, RIPEMD-160, MD5",
      recertified({ preferredHashAlgorithms: [10, 8, 2, 3, 1] }),
    ],
    [
      "symmetric preference 5 (unassigned)",
      recertified({ preferredSymmetricAlgorithms: [9, 7, 5 as enums.symmetric] }),
    ],
    [
      "compression preference 4 (unassigned)",
      recertified({ preferredCompressionAlgorithms: [0, 4 as enums.compression] }),
    ],
    ["key expiration time 0", recertified({ keyExpirationTime: 0, keyNeverExpires: false })],
    ["certification hashed with SHA3-256", recertified({ hashAlgorithm: enums.hash.sha3_256 })],
    ["certification hashed with SHA-384", recertified({ hashAlgorithm: enums.hash.sha384 })],
    [
      "expired an hour after creation",
      recertified(
        {},
        await eccKeyObject({
          date: new Date(Date.now() - 2 * 86_400_000),
          keyExpirationTime: 3600,
        }),
      ),
    ],
  ];
  for (const [name, armored] of crafted)
    corpus.push({ name: `crafted: ${name}`, armored: await armored });
  // A good key locked the RFC 9580 way (S2K usage 253), which PGPy mistakes for an unprotected one.
  const aeadProtected = await encryptKey({
    privateKey: await readPrivateKey({ armoredKey: generated.ecc.privateKeyArmored }),
    passphrase: PASSPHRASE,
    config: { ...hardenedConfig, aeadProtect: true },
  });
  corpus.push({
    name: "secret key protected with AEAD (S2K usage 253)",
    armored: aeadProtected.armor(),
    passphrase: PASSPHRASE,
  });

  corpus.push(...(await reviewCases(gpg, generated)));
  return { corpus, generated };
}
