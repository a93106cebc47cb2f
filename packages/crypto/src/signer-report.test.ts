// Which key signed: reported whether or not the signature counts, so a receiver can say "signed
// by <fingerprint>, which is not the sender's key" (issue 13). The user ids of a valid signer are
// only those its owner certified: a user id appended by someone else does not count.

import { readAll } from "@assmbl/testing/crypto-helpers";
import type { GpgHome } from "@assmbl/testing/gpg";
import { discard, streamOf } from "@assmbl/testing/streams";
import {
  armor,
  enums,
  PacketList,
  PublicSubkeyPacket,
  readKey,
  SignaturePacket,
  UserIDPacket,
} from "openpgp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hardenedConfig } from "./config.js";
import { decryptBytes, decryptStream, decryptToSink, decryptUtf8 } from "./decrypt.js";
import { generateKeyPair, type KeyPairBundle } from "./keys.js";
import { openpgpCrypto } from "./mail-crypto.js";
import { loadPrivateKey } from "./private-key.js";
import { createFastGpgHome } from "./testing/gpg-home.js";

let alice: KeyPairBundle;
let bob: KeyPairBundle;
let carol: KeyPairBundle;
let gpg: GpgHome;

beforeAll(async () => {
  [alice, bob, carol] = await Promise.all([
    generateKeyPair({ name: "Alice", email: "alice@agents.test" }),
    generateKeyPair({ name: "Bob", email: "bob@agents.test" }),
    generateKeyPair({ name: "Carol", email: "carol@agents.test" }),
  ]);
  gpg = await createFastGpgHome();
});
afterAll(() => gpg?.cleanup());

const recipient = (keys: KeyPairBundle, id: string) => ({
  agentId: id,
  address: `${id}@agents.test`,
  publicKeyArmored: keys.publicKeyArmored,
});

// Bob signs and encrypts to Carol.
async function signedByBob(text = "from bob"): Promise<string> {
  const crypto = openpgpCrypto({ signingKey: await loadPrivateKey(bob.privateKeyArmored) });
  return crypto.encryptText(text, [recipient(carol, "carol")]);
}

const keyIdOf = (fingerprint: string) => fingerprint.slice(-16);

describe("signer report", () => {
  it("a signature by a key not given: invalid, naming the key that signed", async () => {
    const body = await signedByBob();
    const privateKey = await loadPrivateKey(carol.privateKeyArmored);
    const result = await decryptUtf8(body, {
      privateKey,
      verificationKeys: [alice.publicKeyArmored],
    });
    expect(result).toEqual({
      text: "from bob",
      verification: "invalid",
      claimedSignerFingerprint: bob.fingerprint,
      claimedSignerKeyId: keyIdOf(bob.fingerprint),
    });
    // Without verification keys: unverified, still naming the signer.
    const unverified = await decryptBytes(body, { privateKey });
    expect(unverified.verification).toBe("unverified");
    expect(unverified.claimedSignerFingerprint).toBe(bob.fingerprint);
    expect(unverified.claimedSignerKeyId).toBe(keyIdOf(bob.fingerprint));
    // A claim is never reported as the verified signer.
    expect(unverified.signerFingerprint).toBeUndefined();
    // The streamed forms say the same.
    const streamed = await decryptStream(streamOf(body, 64), {
      privateKey,
      verificationKeys: alice.publicKeyArmored,
    });
    await readAll(streamed.data);
    expect(await streamed.verification).toMatchObject({
      verification: "invalid",
      claimedSignerFingerprint: bob.fingerprint,
    });
    const into = await decryptToSink(streamOf(body), discard(), {
      privateKey,
      verificationKeys: [alice.publicKeyArmored],
    });
    expect(into).toMatchObject({
      verification: "invalid",
      claimedSignerFingerprint: bob.fingerprint,
    });
    // With expectSigned, nothing is released.
    await expect(
      decryptUtf8(body, {
        privateKey,
        verificationKeys: [alice.publicKeyArmored],
        expectSigned: true,
      }),
    ).rejects.toMatchObject({ code: "signature_invalid" });
  });

  it("valid: the signer's fingerprint, key id and certified user ids", async () => {
    const body = await signedByBob();
    const result = await (await loadPrivateKey(carol.privateKeyArmored)).decryptText(body, {
      verificationKeys: [alice.publicKeyArmored, bob.publicKeyArmored],
    });
    expect(result).toEqual({
      text: "from bob",
      verification: "valid",
      signerFingerprint: bob.fingerprint,
      signerUserIds: ["Bob <bob@agents.test>"],
    });
    const unsigned = await openpgpCrypto().encryptText("plain", [recipient(carol, "carol")]);
    expect(
      await decryptUtf8(unsigned, {
        privateKey: carol.privateKeyArmored,
        verificationKeys: bob.publicKeyArmored,
      }),
    ).toEqual({ text: "plain", verification: "unsigned" });
  });

  it("a user id appended without its owner's self-certification is not reported", async () => {
    const body = await signedByBob();
    const grafted = await graftUserId(bob.publicKeyArmored, "Alice <alice@agents.test>", alice);
    const result = await decryptUtf8(body, {
      privateKey: carol.privateKeyArmored,
      verificationKeys: [grafted],
    });
    // The graft is there: openpgp.js keeps both user ids in the key it reads.
    const users = (await readKey({ armoredKey: grafted })).users.map((user) => user.userID?.userID);
    expect(users).toEqual([
      "Bob <bob@agents.test>",
      "Alice <alice@agents.test>",
      "Alice <alice@agents.test>",
    ]);
    expect(result.verification).toBe("valid");
    // Both grafted user ids (bare, and certified by Alice's key instead of Bob's) are left out.
    expect(result.signerUserIds).toEqual(["Bob <bob@agents.test>"]);
  });

  it("gpg's signature by a stranger names the stranger's fingerprint", async () => {
    const fingerprint = await gpg.generateKey("Mallory <mallory@gpg.test>", "ed25519", "sign");
    await gpg.importKey(carol.publicKeyArmored);
    const signed = await gpg.encrypt("carol@agents.test", "gpg-signed", { sign: fingerprint });
    const privateKey = await loadPrivateKey(carol.privateKeyArmored);
    const result = await privateKey.decryptBytes(signed, {
      verificationKeys: [bob.publicKeyArmored],
    });
    expect(new TextDecoder().decode(result.data)).toBe("gpg-signed");
    expect(result.verification).toBe("invalid");
    expect(result.claimedSignerFingerprint).toBe(fingerprint.toLowerCase());
    expect(result.claimedSignerKeyId).toBe(keyIdOf(fingerprint.toLowerCase()));
    expect(result.signerFingerprint).toBeUndefined();
    const mallory = await gpg.exportPublic(fingerprint);
    expect(await privateKey.decryptBytes(signed, { verificationKeys: [mallory] })).toMatchObject({
      verification: "valid",
      signerUserIds: ["Mallory <mallory@gpg.test>"],
    });
  });
});

/**
 * `armored` with two more user ids: `uid` with no signature, and `uid` certified by `certifier`
 * (a third party): neither is bound by the key's owner.
 */
async function graftUserId(
  armored: string,
  uid: string,
  certifier: KeyPairBundle,
): Promise<string> {
  const key = await readKey({ armoredKey: armored });
  const signer = await readKey({ armoredKey: certifier.privateKeyArmored });
  const bare = UserIDPacket.fromObject({ name: "Alice", email: "alice@agents.test" });
  const certified = UserIDPacket.fromObject({ name: "Alice", email: "alice@agents.test" });
  const certification = new SignaturePacket();
  certification.signatureType = enums.signature.certGeneric;
  certification.publicKeyAlgorithm = signer.keyPacket.algorithm;
  certification.hashAlgorithm = enums.hash.sha256;
  // openpgp.js's typings omit sign()'s config parameter, which it needs at run time.
  const sign = certification.sign as (...args: unknown[]) => Promise<void>;
  await sign.call(
    certification,
    (signer as unknown as { keyPacket: unknown }).keyPacket,
    { userID: certified, key: key.keyPacket },
    new Date(),
    false,
    hardenedConfig,
  );
  expect(uid).toBe(certified.userID);
  // Before the first subkey, where user ids belong.
  const list = new PacketList();
  let grafted = false;
  for (const packet of key.toPacketList()) {
    if (!grafted && packet instanceof PublicSubkeyPacket) {
      list.push(bare as never, certified as never, certification as never);
      grafted = true;
    }
    list.push(packet);
  }
  return armor(enums.armor.publicKey, list.write() as Uint8Array);
}
