// Keys and the Python SDK, against the real PGPy 0.6 (through packages/testing/src/python/agentmail_sdk_model.py):
// every key generateKeyPair makes loads in PGPy, core's pgpyKeyProblems says "no problem" exactly
// for the keys PGPy can use (it loads them, verifies them, and does not encrypt to a revoked or
// expired key) except where the only flaw is in a signature's mathematics, and
// inspectPublicKey().pgpy, which adds that check, agrees on every public key. The corpus
// (testing/pgpy-corpus.ts) holds keys from every source at hand.
import { pgpyKeyProblems } from "@assmbl/core";
import type { GpgHome } from "@assmbl/testing/gpg";
import { type PythonKeyReport, pythonSdk } from "@assmbl/testing/python";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inspectPublicKey } from "./key-policy.js";
import { createFastGpgHome } from "./testing/gpg-home.js";
import { buildCorpus, type CorpusKey, type Generated } from "./testing/pgpy-corpus.js";
import { pgpyCanUse } from "./testing/pgpy-usable.js";

let gpg: GpgHome;
let generated: Generated;
let corpus: CorpusKey[] = [];
let reports: PythonKeyReport[] = [];
let usable: boolean[] = [];

beforeAll(async () => {
  gpg = await createFastGpgHome();
  ({ corpus, generated } = await buildCorpus(gpg));
  reports = await pythonSdk.inspectKeys(
    corpus.map(({ armored, passphrase }) => ({ armored, ...(passphrase ? { passphrase } : {}) })),
  );
  usable = await Promise.all(
    corpus.map((key, index) =>
      pgpyCanUse(reports[index] as PythonKeyReport, key.armored, key.passphrase),
    ),
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

const usableAt = (index: number) => usable[index] as boolean;

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
  it("reports no problem exactly for the keys PGPy can use (every key of the corpus but those damaged only in a signature's mathematics)", () => {
    expect(corpus.length).toBeGreaterThan(50);
    expect(reports).toHaveLength(corpus.length);
    const disagreements = corpus.flatMap((key, index) => {
      const problems = pgpyKeyProblems(key.armored);
      const expected = key.mathematicsOnly ? true : usableAt(index);
      return (problems.length === 0) === expected
        ? []
        : [{ key: key.name, problems, report: reports[index] }];
    });
    expect(disagreements).toEqual([]);
  });

  it("the corpus holds keys PGPy refuses for many different reasons, and keys it accepts from every source", () => {
    const refused = corpus.filter((_key, index) => !usableAt(index));
    const accepted = corpus.filter((_key, index) => usableAt(index));
    expect(refused.length).toBeGreaterThanOrEqual(25);
    for (const source of ["generateKeyPair", "repaired", "gpg", "PGPy", "crafted", "review"]) {
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
    [
      "review: first encryption subkey revoked, second valid",
      /is revoked, yet it is the subkey PGPy encrypts to/,
    ],
    [
      "review: first encryption subkey expired, second valid",
      /expired on .*, yet it is the subkey PGPy encrypts to/,
    ],
    [
      "review: gpg nistp256 with an encryption subkey, expired",
      /^the key expired on 2024-01-02T00:00:00.000Z, which PGPy 0.6 overlooks here/,
    ],
    [
      "review: gpg ed25519/cv25519, expired",
      /^the key expired on 2024-01-02T00:00:00.000Z, and PGPy fails every signature/,
    ],
    [
      "review: gpg ed25519/cv25519, expired and revoked",
      /^the key is revoked, and PGPy does not check revocations.*\n.*overlooks here/,
    ],
    [
      "review: a user ID without self-certification, none marked primary",
      /"Uncertified <uncertified@agents.test>" has no self-certification.*\(AttributeError\)/,
    ],
  ])("%s: the problem is named", (name, pattern) => {
    const key = corpus.find((entry) => entry.name === name) as CorpusKey;
    expect(pgpyKeyProblems(key.armored).join("\n")).toMatch(pattern);
  });
});

describe("inspectPublicKey().pgpy", () => {
  it("agrees with PGPy on every public key of the corpus that openpgp.js reads, damaged mathematics included", async () => {
    const disagreements = [];
    for (const [index, key] of corpus.entries()) {
      const inspected = await inspectPublicKey(key.armored).catch(() => undefined);
      if (!inspected || inspected.pgpy.compatible === usableAt(index)) continue;
      disagreements.push({ key: key.name, pgpy: inspected.pgpy, report: reports[index] });
    }
    expect(disagreements).toEqual([]);
  });

  it("names the signature whose mathematics fails, and not one damaged only in its hash prefix", async () => {
    const named = (name: string) => corpus.find((key) => key.name === name) as CorpusKey;
    const mathematics = await inspectPublicKey(
      named("review: certification damaged in its mathematics").armored,
    );
    expect(mathematics.pgpy.problems).toEqual([
      expect.stringMatching(
        /^the self-certification of user ID "ECC Agent <ecc@agents.test>" does not verify \(openpgp\.js: Signature verification failed\)/,
      ),
    ]);
    const prefix = await inspectPublicKey(
      named("review: certification damaged in its hash prefix only").armored,
    );
    expect(prefix.pgpy).toEqual({ compatible: true, problems: [] });
  });

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
