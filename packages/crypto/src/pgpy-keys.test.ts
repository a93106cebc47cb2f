// Keys and the Python SDK, against the real PGPy 0.6 (through scripts/python/agentmail_sdk_model.py):
// every key generateKeyPair makes loads in PGPy, and core's pgpyKeyProblems says "no problem"
// exactly for the keys PGPy loads and verifies, over a corpus from every source at hand.
import { pgpyKeyProblems } from "@assmbl/core";
import { encryptKey, enums, generateKey, readPrivateKey } from "openpgp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PythonKeyReport, pythonSdk } from "../../../scripts/python-sdk.js";
import { hardenedConfig } from "./config.js";
import { inspectPublicKey } from "./key-policy.js";
import { generateKeyPair, type KeyPairBundle } from "./keys.js";
import { repairKeyForPgpy } from "./pgpy-repair.js";
import { createGpgHome, type GpgHome } from "./testing/gpg.js";
import { earlierVersionKey, eccKeyObject, recertified, withChecksum } from "./testing/keys.js";

const PASSPHRASE = "pgpy corpus passphrase";
const utf8 = (text: string) => new TextEncoder().encode(text);

/** One key of the corpus: where it comes from, its armored text, the passphrase that unlocks it. */
interface CorpusKey {
  name: string;
  armored: string;
  passphrase?: string;
}

let gpg: GpgHome;
const generated: Record<"ecc" | "eccProtected" | "rsa" | "rsaProtected", KeyPairBundle> =
  {} as never;
const corpus: CorpusKey[] = [];
let reports: PythonKeyReport[] = [];

beforeAll(async () => {
  gpg = await createGpgHome();
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

  reports = await pythonSdk.inspectKeys(
    corpus.map(({ armored, passphrase }) => ({ armored, ...(passphrase ? { passphrase } : {}) })),
  );
}, 240_000);

afterAll(async () => {
  await gpg?.cleanup();
});

const reportOf = (name: string): PythonKeyReport => {
  const report = reports[corpus.findIndex((key) => key.name === name)];
  if (!report) throw new Error(`no corpus key ${name}`);
  return report;
};

/** What PGPy makes of a key: loaded, self-signatures verified, and (known passphrase) unlocked. */
function pgpyCanUse(key: CorpusKey, report: PythonKeyReport): boolean {
  if (!report.loaded || !report.selfVerified) return false;
  // A secret key PGPy does not recognise as protected "loads" with garbage as its secret: with a
  // known passphrase, the key is usable only if PGPy unlocks it with that passphrase.
  return key.passphrase === undefined || report.unlocks === true;
}

describe("generateKeyPair and PGPy", () => {
  it.each(["ecc", "eccProtected", "rsa", "rsaProtected"] as const)(
    "%s: public and private key load in PGPy, self-signatures verify, the passphrase unlocks, SHA-2 preferences only",
    (name) => {
      const bundle = generated[name];
      for (const which of ["public", "private"] as const) {
        const report = reportOf(`generateKeyPair ${name}, ${which}`);
        expect(report, which).toMatchObject({
          loaded: true,
          isPublic: which === "public",
          fingerprint: bundle.fingerprint,
          selfVerified: true,
          verifyError: null,
          unlocks: which === "private" && name.endsWith("Protected") ? true : null,
          // SHA-512, SHA-256, SHA-384, SHA-224; AES-256, AES-128; none, ZLIB, ZIP.
          hashPreferences: [10, 8, 9, 11],
          cipherPreferences: [9, 7],
          compressionPreferences: [0, 2, 1],
        });
      }
    },
  );

  it("the earlier version (openpgp.js defaults) is what PGPy refused: SHA3 in the hash preferences", () => {
    const report = reportOf("earlier version ecc, public");
    expect(report).toEqual({ loaded: false, error: "PGPError: 14 is not a valid HashAlgorithm" });
  });

  it("PGPy unlocks the passphrase of the repaired protected key", () => {
    expect(reportOf("repaired ecc, private")).toMatchObject({
      loaded: true,
      selfVerified: true,
      unlocks: true,
    });
  });
});

describe("pgpyKeyProblems against PGPy", () => {
  it("reports no problem exactly for the keys PGPy loads and verifies (every key of the corpus)", () => {
    expect(corpus.length).toBeGreaterThan(40);
    expect(reports).toHaveLength(corpus.length);
    const disagreements = corpus.flatMap((key, index) => {
      const report = reports[index] as PythonKeyReport;
      const problems = pgpyKeyProblems(key.armored);
      return (problems.length === 0) === pgpyCanUse(key, report)
        ? []
        : [{ key: key.name, problems, report }];
    });
    expect(disagreements).toEqual([]);
  });

  it("the corpus holds keys PGPy refuses for many different reasons, and keys it accepts from every source", () => {
    const refused = corpus.filter(
      (key, index) => !pgpyCanUse(key, reports[index] as PythonKeyReport),
    );
    const accepted = corpus.filter((key, index) =>
      pgpyCanUse(key, reports[index] as PythonKeyReport),
    );
    expect(refused.length).toBeGreaterThanOrEqual(18);
    for (const source of ["generateKeyPair", "repaired", "gpg", "PGPy", "crafted"]) {
      expect(
        accepted.some((key) => key.name.startsWith(source)),
        source,
      ).toBe(true);
    }
  });

  it.each([
    ["earlier version ecc, public", /prefers hash algorithms 14 \(SHA3-512\), 12 \(SHA3-256\)/],
    ["openpgp.js curve25519 (RFC 9580), public", /public-key algorithm 27 Ed25519 \(RFC 9580\)/],
    ["openpgp.js v6, public", /no CRC-24 checksum line/],
    ["openpgp.js v6, public with a checksum", /version 6 key packet/],
    ["crafted: features 0x09 (SEIPDv2 bit)", /features 0x09; PGPy keeps only 0x01/],
    ["crafted: revocable set to 1", /revocable subpacket set to 1/],
    ["crafted: key expiration time 0", /expiration time of 0/],
    ["crafted: certification hashed with SHA3-256", /hashed with SHA3-256/],
    ["crafted: expired an hour after creation", /the key expired on/],
    ["secret key protected with AEAD (S2K usage 253)", /S2K usage 253 \(AEAD, RFC 9580\)/],
  ])("%s: the problem is named", (name, pattern) => {
    const key = corpus.find((entry) => entry.name === name) as CorpusKey;
    expect(pgpyKeyProblems(key.armored).join("\n")).toMatch(pattern);
  });
});

describe("inspectPublicKey().pgpy", () => {
  it("says whether agents on the Python SDK can use a key, and why not", async () => {
    expect((await inspectPublicKey(generated.ecc.publicKeyArmored)).pgpy).toEqual({
      compatible: true,
      problems: [],
    });
    expect((await inspectPublicKey(generated.rsa.publicKeyArmored)).pgpy).toEqual({
      compatible: true,
      problems: [],
    });
    const earlier = corpus.find((key) => key.name === "earlier version ecc, public") as CorpusKey;
    const { pgpy } = await inspectPublicKey(earlier.armored);
    expect(pgpy.compatible).toBe(false);
    expect(pgpy.problems).toEqual([expect.stringMatching(/SHA3-512/)]);
    const gpgKey = corpus.find((key) => key.name === "gpg ed25519/cv25519, public") as CorpusKey;
    expect((await inspectPublicKey(gpgKey.armored)).pgpy.compatible).toBe(true);
  });
});
