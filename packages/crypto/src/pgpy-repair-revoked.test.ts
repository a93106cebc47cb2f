// repairKeyForPgpy and revoked parts: it never re-signs a revoked user ID (a certification dated
// now would be newer than the revocation, and GnuPG would show the user ID valid again), and it
// leaves out the revoked parts PGPy cannot load or would encrypt to. Checked with a real GnuPG
// 2.2 (a fresh GNUPGHOME per view), openpgp.js, and PGPy 0.6 through the Python SDK model.
import { pgpyKeyProblems } from "@assmbl/core";
import type { GpgHome } from "@assmbl/testing/gpg";
import { pythonSdk } from "@assmbl/testing/python";
import { enums, generateKey, type PrivateKey, readKey, readPrivateKey } from "openpgp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hardenedConfig } from "./config.js";
import { repairKeyForPgpy } from "./pgpy-repair.js";
import { HASH_PREFERENCES, internals, resignSelfSignatures } from "./self-signatures.js";
import { createFastGpgHome } from "./testing/gpg-home.js";

const homes: GpgHome[] = [];
afterAll(async () => {
  await Promise.all(homes.map((home) => home.cleanup()));
});
async function gpgHome(): Promise<GpgHome> {
  const home = await createFastGpgHome();
  homes.push(home);
  return home;
}

const UIDS = ["One <one@agents.test>", "Two <two@agents.test>", "Three <three@agents.test>"];
const REVOKED = UIDS[2] as string;

/** A fresh GNUPGHOME's view of the user IDs of the armored keys imported in order: uid → validity. */
async function gnupgView(...armored: string[]): Promise<Record<string, string>> {
  const home = await gpgHome();
  for (const text of armored) await home.importKey(text);
  const { stdout } = await home.run(["--with-colons", "--list-keys"]);
  return Object.fromEntries(
    stdout
      .toString("utf8")
      .split("\n")
      .map((line) => line.split(":"))
      .filter((fields) => fields[0] === "uid")
      .map((fields) => [fields[9], fields[1] === "r" ? "revoked" : "valid"]),
  );
}

/** An openpgp.js key (its defaults: SHA3 preferences) with three user IDs, made an hour ago. */
async function threeUserIdKey(): Promise<PrivateKey> {
  const { privateKey } = await generateKey({
    type: "ecc",
    curve: "ed25519Legacy",
    userIDs: UIDS.map((uid) => {
      const [, name, email] = /^(.*) <(.*)>$/.exec(uid) as RegExpExecArray;
      return { name: name as string, email: email as string };
    }),
    date: new Date(Date.now() - 3_600_000),
    format: "object",
  });
  return privateKey;
}

/** GnuPG revokes `uid` of the unprotected secret key `armored`; returns the secret key it exports. */
async function revokedInGnupg(armored: string, uid: string): Promise<string> {
  const home = await gpgHome();
  await home.importKey(armored);
  const fingerprint = await home.fingerprint(`=${uid}`);
  await home.run(["--passphrase", "", "--quick-revoke-uid", fingerprint, uid]);
  return home.exportSecret(fingerprint);
}

describe("repairKeyForPgpy never re-signs a revoked user ID", () => {
  let before: string;
  let after: Awaited<ReturnType<typeof repairKeyForPgpy>>;

  beforeAll(async () => {
    // Its third user ID carries a certification PGPy loads (SHA-2 preferences, its own date);
    // the other two still have openpgp.js's SHA3 preferences, which the repair must fix.
    const key = await threeUserIdKey();
    const all = key.users;
    key.users = all.filter((user) => user.userID?.userID === REVOKED);
    await resignSelfSignatures(key, internals(key).keyPacket, {
      hashPreferences: HASH_PREFERENCES,
      date: (previous) => previous,
    });
    key.users = all;
    before = await revokedInGnupg(key.armor(hardenedConfig), REVOKED);
    after = await repairKeyForPgpy(before);
  }, 60_000);

  it("GnuPG (a fresh GNUPGHOME) still shows it revoked, and the others valid", async () => {
    expect(await gnupgView(before)).toEqual({
      [UIDS[0] as string]: "valid",
      [UIDS[1] as string]: "valid",
      [REVOKED]: "revoked",
    });
    expect(after.repaired).toBe(true);
    expect(after.droppedUserIds).toEqual([]);
    expect(await gnupgView(after.publicKeyArmored)).toEqual({
      [UIDS[0] as string]: "valid",
      [UIDS[1] as string]: "valid",
      [REVOKED]: "revoked",
    });
  });

  it("openpgp.js agrees, and the revoked user ID keeps its certification byte for byte", async () => {
    const old = await readPrivateKey({ armoredKey: before });
    const repaired = await readKey({ armoredKey: after.publicKeyArmored });
    const revoked = repaired.users.find((user) => user.userID?.userID === REVOKED);
    expect(await revoked?.isRevoked(null as never, null as never, new Date(), hardenedConfig)).toBe(
      true,
    );
    const written = (key: typeof repaired | typeof old) =>
      key.users
        .find((user) => user.userID?.userID === REVOKED)
        ?.selfCertifications.map((signature) => Buffer.from(signature.write()).toString("hex"));
    expect(written(repaired)).toEqual(written(old));
    await expect(
      repaired.getPrimaryUser(undefined, undefined, hardenedConfig),
    ).resolves.toBeDefined();
  });

  it("PGPy loads the repaired key and verifies every self-signature, the revocation included", async () => {
    expect(pgpyKeyProblems(after.publicKeyArmored)).toEqual([]);
    expect(await pythonSdk.inspectKey(after.publicKeyArmored)).toMatchObject({
      loaded: true,
      selfVerified: true,
      userIds: expect.arrayContaining(UIDS),
    });
  });
});

describe("a revoked user ID whose certification PGPy cannot load is left out, and stays revoked", () => {
  let before: string;
  let after: Awaited<ReturnType<typeof repairKeyForPgpy>>;

  beforeAll(async () => {
    const key = await threeUserIdKey(); // every certification prefers SHA3: PGPy cannot load it
    before = await revokedInGnupg(key.armor(hardenedConfig), REVOKED);
    after = await repairKeyForPgpy(before);
  }, 60_000);

  it("the result says which user ID was left out; openpgp.js and PGPy read the rest", async () => {
    expect(after.droppedUserIds).toEqual([REVOKED]);
    const repaired = await readKey({ armoredKey: after.publicKeyArmored });
    expect(repaired.getUserIDs()).toEqual(UIDS.slice(0, 2));
    expect(await pythonSdk.inspectKey(after.publicKeyArmored)).toMatchObject({
      loaded: true,
      selfVerified: true,
    });
  });

  it("a keyring that held the old key and merges the repaired one still shows it revoked (GnuPG)", async () => {
    const oldPublic = (await readPrivateKey({ armoredKey: before })).toPublic().armor();
    expect(await gnupgView(oldPublic, after.publicKeyArmored)).toEqual({
      [UIDS[0] as string]: "valid",
      [UIDS[1] as string]: "valid",
      [REVOKED]: "revoked",
    });
    expect(await gnupgView(after.publicKeyArmored)).toEqual({
      [UIDS[0] as string]: "valid",
      [UIDS[1] as string]: "valid",
    });
  });
});

describe("a revoked encryption subkey PGPy would encrypt to is left out", () => {
  it("the repaired key has the valid subkey only, and PGPy encrypts to it", async () => {
    const { privateKey: key } = await generateKey({
      type: "ecc",
      curve: "ed25519Legacy",
      userIDs: [{ name: "Rotated", email: "rotated@agents.test" }],
      subkeys: [{}, {}],
      date: new Date(Date.now() - 3_600_000),
      format: "object",
    });
    const [old, current] = key.subkeys;
    if (!old || !current) throw new Error("two subkeys expected");
    key.subkeys[0] = await old.revoke(
      internals(key).keyPacket,
      { flag: enums.reasonForRevocation.keySuperseded },
      undefined,
      hardenedConfig,
    );
    const armored = key.armor(hardenedConfig);
    const result = await repairKeyForPgpy(armored);
    const [oldId, currentId] = [old.getKeyID().toHex(), current.getKeyID().toHex()];
    expect(result.droppedSubkeyIds).toEqual([oldId]);
    expect(result.droppedUserIds).toEqual([]);
    const repaired = await readKey({ armoredKey: result.publicKeyArmored });
    expect(repaired.getSubkeys().map((subkey) => subkey.getKeyID().toHex())).toEqual([currentId]);
    expect(await pythonSdk.inspectKey(result.publicKeyArmored)).toMatchObject({
      loaded: true,
      selfVerified: true,
      encryptsTo: currentId,
    });
    // The key as it was: PGPy would encrypt to the revoked subkey.
    const fixedPreferences = await readPrivateKey({ armoredKey: armored });
    await resignSelfSignatures(fixedPreferences, internals(fixedPreferences).keyPacket, {
      everySelfSignature: true,
      date: () => new Date(),
    });
    const report = await pythonSdk.inspectKey(fixedPreferences.toPublic().armor(hardenedConfig));
    expect(report).toMatchObject({ loaded: true, selfVerified: true, encryptsTo: oldId });
  }, 60_000);
});
