// repairKeyForPgpy on keys made by earlier versions (openpgp.js defaults), checked against the
// real PGPy 0.6 (packages/testing/src/python/agentmail_sdk_model.py) and openpgp.js.
import { pgpyKeyProblems } from "@assmbl/core";
import { errorOf } from "@assmbl/testing/crypto-helpers";
import { pythonSdk } from "@assmbl/testing/python";
import { generateKey, readKey, readPrivateKey } from "openpgp";
import { beforeAll, describe, expect, it } from "vitest";
import { hardenedConfig } from "./config.js";
import { decryptUtf8 } from "./decrypt.js";
import { encryptUtf8 } from "./encrypt.js";
import { generateKeyPair, type KeyPairBundle } from "./keys.js";
import { type RepairedKey, repairKeyForPgpy } from "./pgpy-repair.js";
import { loadPrivateKey } from "./private-key.js";
import { earlierVersionKey } from "./testing/keys.js";

const PASSPHRASE = "repair-me passphrase";

let earlier: { publicKey: string; privateKey: string };
let earlierRsa: { publicKey: string; privateKey: string };
let repaired: RepairedKey;
let repairedRsa: RepairedKey;
let current: KeyPairBundle;

beforeAll(async () => {
  [earlier, earlierRsa, current] = await Promise.all([
    earlierVersionKey({ passphrase: PASSPHRASE }),
    earlierVersionKey({ type: "rsa" }),
    generateKeyPair({ name: "Current", email: "current@agents.test", passphrase: PASSPHRASE }),
  ]);
  [repaired, repairedRsa] = await Promise.all([
    repairKeyForPgpy(earlier.privateKey, { passphrase: PASSPHRASE }),
    repairKeyForPgpy(earlierRsa.privateKey),
  ]);
}, 120_000);

/** The key packets (primary and subkeys) of an armored key, as written. */
async function keyPackets(armored: string, secret: boolean): Promise<string[]> {
  const key = secret
    ? await readPrivateKey({ armoredKey: armored })
    : await readKey({ armoredKey: armored });
  return key.getKeys().map(({ keyPacket }) => Buffer.from(keyPacket.write()).toString("hex"));
}

describe("repairKeyForPgpy on a key of an earlier version", () => {
  it("rebuilds the self-signatures so that PGPy loads the key; nothing else changes", async () => {
    expect(pgpyKeyProblems(earlier.publicKey)).not.toEqual([]);
    expect(repaired.repaired).toBe(true);
    expect(pgpyKeyProblems(repaired.publicKeyArmored)).toEqual([]);
    expect(pgpyKeyProblems(repaired.privateKeyArmored)).toEqual([]);
    const old = await readKey({ armoredKey: earlier.publicKey });
    expect(repaired.fingerprint).toBe(old.getFingerprint());
    // The key packets, public and secret (still encrypted, byte for byte), are the same.
    expect(await keyPackets(repaired.publicKeyArmored, false)).toEqual(
      await keyPackets(earlier.publicKey, false),
    );
    expect(await keyPackets(repaired.privateKeyArmored, true)).toEqual(
      await keyPackets(earlier.privateKey, true),
    );
    const report = await pythonSdk.inspectKey(repaired.privateKeyArmored, PASSPHRASE);
    expect(report).toMatchObject({ loaded: true, selfVerified: true, unlocks: true });
  });

  it("keeps the passphrase protection: the same passphrase, and only it, unlocks the key", async () => {
    expect((await readPrivateKey({ armoredKey: repaired.privateKeyArmored })).isDecrypted()).toBe(
      false,
    );
    expect((await loadPrivateKey(repaired.privateKeyArmored, PASSPHRASE)).fingerprint).toBe(
      repaired.fingerprint,
    );
    expect((await errorOf(loadPrivateKey(repaired.privateKeyArmored))).code).toBe("bad_passphrase");
    expect((await errorOf(loadPrivateKey(repaired.privateKeyArmored, "wrong"))).code).toBe(
      "bad_passphrase",
    );
  });

  it("one newer SHA-2 self-signature per user ID and subkey, without SHA3 preferences", async () => {
    const before = await readKey({ armoredKey: earlier.publicKey });
    const after = await readKey({ armoredKey: repaired.publicKeyArmored });
    const [oldCert] = before.users[0]?.selfCertifications ?? [];
    const certifications = after.users[0]?.selfCertifications ?? [];
    expect(certifications).toHaveLength(1);
    const [cert] = certifications;
    expect(oldCert?.preferredHashAlgorithms).toEqual([10, 8, 14, 12]);
    // The holder's order, without what PGPy does not know.
    expect(cert?.preferredHashAlgorithms).toEqual([10, 8]);
    expect(cert?.preferredSymmetricAlgorithms).toEqual(oldCert?.preferredSymmetricAlgorithms);
    expect(cert?.isPrimaryUserID).toBe(true);
    expect([8, 9, 10, 11]).toContain(cert?.hashAlgorithm);
    // Now (this key was made a moment ago: the same second at most), never in the future.
    expect(cert?.created?.getTime()).toBeGreaterThanOrEqual(
      oldCert?.created?.getTime() ?? Infinity,
    );
    expect(cert?.created?.getTime()).toBeLessThanOrEqual(Date.now());
    expect(after.subkeys[0]?.bindingSignatures).toHaveLength(1);
    await expect(
      after.verifyPrimaryKey(undefined, undefined, hardenedConfig),
    ).resolves.toBeUndefined();
    await expect(
      after.getEncryptionKey(undefined, undefined, undefined, hardenedConfig),
    ).resolves.toBeDefined();
  });

  it("messages encrypted to the old key decrypt with the repaired one, here and in PGPy", async () => {
    const text = "sent before the repair: Grüße\r\n";
    const armored = await encryptUtf8(earlier.publicKey, text);
    const ours = await decryptUtf8(armored, {
      privateKey: repaired.privateKeyArmored,
      passphrase: PASSPHRASE,
    });
    expect(ours.text).toBe(text);
    const [python, pythonRsa] = await pythonSdk.decryptAll([
      { armored, privateKey: repaired.privateKeyArmored, passphrase: PASSPHRASE },
      {
        armored: await encryptUtf8(earlierRsa.publicKey, text),
        privateKey: repairedRsa.privateKeyArmored,
      },
    ]);
    expect(python).toMatchObject({ pythonType: "str", text });
    expect(pythonRsa).toMatchObject({ pythonType: "str", text });
  });

  it("PGPy encrypts to the repaired public key, and the repaired private key decrypts it", async () => {
    const text = "from a Python agent, after the repair ✓";
    const armored = await pythonSdk.encryptUtf8(text, repairedRsa.publicKeyArmored);
    const result = await decryptUtf8(armored, { privateKey: repairedRsa.privateKeyArmored });
    expect(result.text).toBe(text);
  });

  it("an unprotected RSA key is repaired without a passphrase and stays unprotected", async () => {
    expect(repairedRsa.repaired).toBe(true);
    expect(pgpyKeyProblems(repairedRsa.publicKeyArmored)).toEqual([]);
    expect(
      (await readPrivateKey({ armoredKey: repairedRsa.privateKeyArmored })).isDecrypted(),
    ).toBe(true);
    expect(await keyPackets(repairedRsa.privateKeyArmored, true)).toEqual(
      await keyPackets(earlierRsa.privateKey, true),
    );
  });
});

describe("repairKeyForPgpy on keys that need nothing", () => {
  it("returns the same armored text, repaired: false, without needing the passphrase", async () => {
    const result = await repairKeyForPgpy(current.privateKeyArmored);
    expect(result).toEqual({
      privateKeyArmored: current.privateKeyArmored,
      publicKeyArmored: current.publicKeyArmored,
      fingerprint: current.fingerprint,
      repaired: false,
      droppedUserIds: [],
      droppedSubkeyIds: [],
    });
  });

  it("a repaired key needs nothing more", async () => {
    const again = await repairKeyForPgpy(repaired.privateKeyArmored);
    expect(again.repaired).toBe(false);
    expect(again.privateKeyArmored).toBe(repaired.privateKeyArmored);
  });
});

describe("repairKeyForPgpy refuses", () => {
  it.each([
    ["a public key", () => earlier.publicKey],
    [
      "garbage",
      () => "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nAAAA\n-----END PGP PRIVATE KEY BLOCK-----\n",
    ],
    ["a number", () => 42],
  ])("%s → invalid_private_key", async (_label, input) => {
    const error = await errorOf(repairKeyForPgpy(input() as string));
    expect(error.code).toBe("invalid_private_key");
  });

  it("a protected key without its passphrase, or with a wrong one → bad_passphrase, never echoing it", async () => {
    expect((await errorOf(repairKeyForPgpy(earlier.privateKey))).code).toBe("bad_passphrase");
    const secret = "Tr0ub4dor&3-wrong-one";
    const error = await errorOf(repairKeyForPgpy(earlier.privateKey, { passphrase: secret }));
    expect(error.code).toBe("bad_passphrase");
    for (const text of [error.message, String(error), JSON.stringify(error), error.stack ?? ""]) {
      expect(text).not.toContain(secret);
    }
  });

  it("unknown or malformed options → invalid_options naming them", async () => {
    const unknown = await errorOf(
      repairKeyForPgpy(earlier.privateKey, { passphrse: PASSPHRASE } as never),
    );
    expect(unknown.code).toBe("invalid_options");
    expect(unknown.message).toContain('"passphrse"');
    expect(unknown.message).not.toContain(PASSPHRASE);
    expect((await errorOf(repairKeyForPgpy(earlier.privateKey, { passphrase: "" }))).code).toBe(
      "invalid_options",
    );
  });

  it("keys whose key packets PGPy cannot read → pgpy_incompatible_key, before asking for a passphrase", async () => {
    const [curve25519, v6] = await Promise.all([
      generateKey({
        type: "curve25519",
        userIDs: [{ name: "N", email: "n@agents.test" }],
        passphrase: PASSPHRASE,
      }),
      generateKey({
        userIDs: [{ name: "V6", email: "v6@agents.test" }],
        passphrase: PASSPHRASE,
        config: { v6Keys: true },
      }),
    ]);
    const newAlgorithms = await errorOf(repairKeyForPgpy(curve25519.privateKey));
    expect(newAlgorithms.code).toBe("pgpy_incompatible_key");
    expect(newAlgorithms.message).toMatch(/algorithm 27 Ed25519 \(RFC 9580\).*generateKeyPair/);
    const version6 = await errorOf(repairKeyForPgpy(v6.privateKey));
    expect(version6.code).toBe("pgpy_incompatible_key");
  });

  it("a key whose self-certification does not verify → invalid_private_key", async () => {
    const key = await readPrivateKey({ armoredKey: earlierRsa.privateKey });
    const cert = key.users[0]?.selfCertifications[0];
    if (!cert) throw new Error("no certification");
    cert.signedHashValue = Uint8Array.of(0, 0);
    const error = await errorOf(repairKeyForPgpy(key.armor()));
    expect(error.code).toBe("invalid_private_key");
    expect(error.message).toContain("no valid self-signature");
  });
});
