import { createHash, createPublicKey } from "node:crypto";
import { errorOf } from "@assmbl/testing/crypto-helpers";
import { readKey, readPrivateKey } from "openpgp";
import { beforeAll, describe, expect, it } from "vitest";
import { inspectPublicKey } from "./key-policy.js";
import { type GenerateKeyPairOptions, generateKeyPair, type KeyPairBundle } from "./keys.js";
import { loadPrivateKey } from "./private-key.js";

const PASSPHRASE = "s3cret-Passphrase-4-tests";

let ecc: KeyPairBundle;
let rsa: KeyPairBundle;

beforeAll(async () => {
  [ecc, rsa] = await Promise.all([
    generateKeyPair({
      name: "Report Bot",
      email: "report-bot@agents.example.com",
      passphrase: PASSPHRASE,
    }),
    generateKeyPair({ name: "RSA Bot", email: "rsa-bot@agents.example.com", type: "rsa4096" }),
  ]);
}, 120_000);

const base64url = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");

describe("generateKeyPair", () => {
  it("returns the whole bundle with armored keys", () => {
    for (const bundle of [ecc, rsa]) {
      expect(Object.keys(bundle).sort()).toEqual([
        "algorithm",
        "directoryPublicKeyPem",
        "fingerprint",
        "keyFingerprintSha256",
        "privateKeyArmored",
        "publicKeyArmored",
      ]);
      expect(bundle.publicKeyArmored).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----\n/);
      expect(bundle.publicKeyArmored).not.toContain("PRIVATE");
      expect(bundle.privateKeyArmored).toMatch(/^-----BEGIN PGP PRIVATE KEY BLOCK-----\n/);
      expect(bundle.directoryPublicKeyPem).toMatch(
        /^-----BEGIN PUBLIC KEY-----\n([A-Za-z0-9+/=]{1,64}\n)+-----END PUBLIC KEY-----\n$/,
      );
      expect(bundle.fingerprint).toMatch(/^[0-9a-f]{40}$/);
      expect(bundle.keyFingerprintSha256).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(ecc.algorithm).toBe("Ed25519");
    expect(rsa.algorithm).toBe("RSA4096");
  });

  it("ecc: an Ed25519 (legacy EdDSA) v4 primary with a Curve25519 ECDH subkey, as gpg 2.2 reads", async () => {
    const key = await readKey({ armoredKey: ecc.publicKeyArmored });
    expect(key.keyPacket.version).toBe(4);
    expect(key.getAlgorithmInfo()).toMatchObject({
      algorithm: "eddsaLegacy",
      curve: "ed25519Legacy",
    });
    const subkeys = key.getSubkeys();
    expect(subkeys).toHaveLength(1);
    expect(subkeys[0]?.keyPacket.version).toBe(4);
    expect(subkeys[0]?.getAlgorithmInfo()).toMatchObject({
      algorithm: "ecdh",
      curve: "curve25519Legacy",
    });
    expect(key.getUserIDs()).toEqual(["Report Bot <report-bot@agents.example.com>"]);
  });

  it("rsa4096: a 4096-bit RSA v4 key", async () => {
    const key = await readKey({ armoredKey: rsa.publicKeyArmored });
    expect(key.keyPacket.version).toBe(4);
    expect(key.getAlgorithmInfo()).toMatchObject({ algorithm: "rsaEncryptSign", bits: 4096 });
    expect(key.getUserIDs()).toEqual(["RSA Bot <rsa-bot@agents.example.com>"]);
  });

  it("the private key is protected by the passphrase when one is given, and only then", async () => {
    const protectedKey = await readPrivateKey({ armoredKey: ecc.privateKeyArmored });
    expect(protectedKey.isDecrypted()).toBe(false);
    const plainKey = await readPrivateKey({ armoredKey: rsa.privateKeyArmored });
    expect(plainKey.isDecrypted()).toBe(true);
    const loaded = await loadPrivateKey(ecc.privateKeyArmored, PASSPHRASE);
    expect(loaded.fingerprint).toBe(ecc.fingerprint);
    // The passphrase is not stored in the armored text.
    expect(ecc.privateKeyArmored).not.toContain(PASSPHRASE);
    expect(Buffer.from(ecc.privateKeyArmored).includes(Buffer.from(PASSPHRASE))).toBe(false);
  });

  it("ecc: directoryPublicKeyPem is the Ed25519 SPKI of the OpenPGP primary key", async () => {
    const spki = createPublicKey(ecc.directoryPublicKeyPem);
    expect(spki.asymmetricKeyType).toBe("ed25519");
    const key = await readKey({ armoredKey: ecc.publicKeyArmored });
    const q = (key.keyPacket.publicParams as { Q: Uint8Array }).Q;
    // OpenPGP stores the point with a 0x40 prefix; SPKI holds the 32 raw bytes.
    expect(q[0]).toBe(0x40);
    expect(spki.export({ format: "jwk" }).x).toBe(base64url(q.subarray(1)));
  });

  it("rsa4096: directoryPublicKeyPem is the rsaEncryption SPKI with a 4096-bit modulus", async () => {
    const spki = createPublicKey(rsa.directoryPublicKeyPem);
    expect(spki.asymmetricKeyType).toBe("rsa");
    expect(spki.asymmetricKeyDetails?.modulusLength).toBe(4096);
    expect(spki.asymmetricKeyDetails?.publicExponent).toBe(65537n);
    const key = await readKey({ armoredKey: rsa.publicKeyArmored });
    const { n } = key.keyPacket.publicParams as { n: Uint8Array };
    expect(spki.export({ format: "jwk" }).n).toBe(base64url(n));
  });

  it("keyFingerprintSha256 is the SHA-256 of the DER SPKI", () => {
    for (const bundle of [ecc, rsa]) {
      const der = createPublicKey(bundle.directoryPublicKeyPem).export({
        type: "spki",
        format: "der",
      });
      expect(bundle.keyFingerprintSha256).toBe(createHash("sha256").update(der).digest("hex"));
    }
  });

  it("fingerprint is the OpenPGP fingerprint inspectPublicKey reports", async () => {
    for (const bundle of [ecc, rsa]) {
      const report = await inspectPublicKey(bundle.publicKeyArmored);
      expect(report.fingerprint).toBe(bundle.fingerprint);
      expect(report.canEncrypt).toBe(true);
      expect(report.revoked).toBe(false);
      expect(report.expiresAt).toBeNull();
      expect(report.weak).toBe(false);
    }
    expect((await inspectPublicKey(ecc.publicKeyArmored)).algorithm).toBe(
      "eddsaLegacy/ed25519Legacy",
    );
    expect((await inspectPublicKey(rsa.publicKeyArmored)).algorithm).toBe("rsaEncryptSign/4096");
  });

  it("two calls make two different keys", async () => {
    const other = await generateKeyPair({
      name: "Report Bot",
      email: "report-bot@agents.example.com",
    });
    expect(other.fingerprint).not.toBe(ecc.fingerprint);
    expect(other.keyFingerprintSha256).not.toBe(ecc.keyFingerprintSha256);
    expect((await readPrivateKey({ armoredKey: other.privateKeyArmored })).isDecrypted()).toBe(
      true,
    );
  });
});

describe("generateKeyPair: bad options", () => {
  const valid = { name: "Bot", email: "bot@agents.example.com", passphrase: PASSPHRASE };

  it.each([
    ["an unknown key", { ...valid, curve: "p256" }, "curve"],
    ["a misspelt key", { ...valid, passphrse: "x" }, "passphrse"],
    ["a bad email", { ...valid, email: "not-an-email" }, "email"],
    ["a missing email", { name: "Bot", passphrase: PASSPHRASE }, "email"],
    ['type "dsa"', { ...valid, type: "dsa" }, "type"],
    ["an empty name", { ...valid, name: "" }, "name"],
    ["an over-long name", { ...valid, name: "n".repeat(257) }, "name"],
    ["an empty passphrase", { ...valid, passphrase: "" }, "passphrase"],
    ["a non-string passphrase", { ...valid, passphrase: 12345678 }, "passphrase"],
  ])("%s → invalid_options naming the key", async (_label, options, key) => {
    const error = await errorOf(generateKeyPair(options as unknown as GenerateKeyPairOptions));
    expect(error.code).toBe("invalid_options");
    expect(error.message).toContain(key);
    expect(error.message).toContain("generateKeyPair");
  });

  it("non-object options → invalid_options", async () => {
    for (const options of [undefined, null, "bot@agents.example.com", 42]) {
      const error = await errorOf(generateKeyPair(options as unknown as GenerateKeyPairOptions));
      expect(error.code).toBe("invalid_options");
    }
  });

  it("the passphrase never appears in the error of a bad call", async () => {
    const secret = "Tr0ub4dor&3-never-log-me";
    for (const options of [
      { name: "Bot", email: "nope", passphrase: secret },
      { name: "Bot", email: "bot@agents.example.com", passphrase: secret, type: "dsa" },
      { name: "Bot", email: "bot@agents.example.com", passphrase: secret, extra: secret },
      { name: 7, email: secret, passphrase: secret },
    ]) {
      const error = await errorOf(generateKeyPair(options as unknown as GenerateKeyPairOptions));
      expect(error.code).toBe("invalid_options");
      expect(error.message).not.toContain(secret);
      expect(String(error)).not.toContain(secret);
      expect(JSON.stringify(error)).not.toContain(secret);
      expect(error.stack ?? "").not.toContain(secret);
    }
  });
});
