// The hand-written packet reader agrees with GnuPG (an independent OpenPGP implementation) on the
// key ids of real openpgp.js messages and keys, so the Bcc tests that rest on it prove something.
import { generateKeyPair, type KeyPairBundle, openpgpCrypto } from "@assmbl/crypto";
import { createGpgHome, type GpgHome } from "@assmbl/testing/gpg";
import { armoredMessages, encryptionSubkeyIds, pkeskKeyIds } from "@assmbl/testing/openpgp-packets";
import { afterAll, beforeAll, expect, it } from "vitest";

let home: GpgHome;
let alice: KeyPairBundle;
let bob: KeyPairBundle;

beforeAll(async () => {
  home = await createGpgHome();
  [alice, bob] = await Promise.all([
    generateKeyPair({ name: "Alice", email: "alice@agents.example.com" }),
    generateKeyPair({ name: "Bob", email: "bob@agents.example.com" }),
  ]);
});
afterAll(async () => {
  await home?.cleanup();
});

async function gpg(args: string[], input: string): Promise<string> {
  // --list-packets exits non-zero when it has no secret key; its listing is still complete.
  const { stdout, stderr, exitCode } = await home.run(args, { input, allowFailure: true });
  if (stdout.length === 0 && exitCode !== 0) throw new Error(stderr);
  return stdout.toString("utf8") + stderr;
}

it("lists each encryption subkey's key id as gpg does", async () => {
  for (const key of [alice, bob]) {
    const listing = await gpg(["--with-colons", "--show-keys"], key.publicKeyArmored);
    // sub:<validity>:<length>:<algo>:<key id>:...:<capabilities "e">
    const fromGpg = listing
      .split("\n")
      .map((line) => line.split(":"))
      .filter((fields) => fields[0] === "sub" && fields[11]?.includes("e"))
      .map((fields) => fields[4]?.toLowerCase());
    expect(encryptionSubkeyIds(key.publicKeyArmored)).toEqual(fromGpg);
  }
});

it("lists a message's recipient key ids as gpg does", async () => {
  const crypto = openpgpCrypto();
  const recipients = [alice, bob].map((key, i) => ({
    agentId: `agent-${i}`,
    address: `agent-${i}@agents.example.com`,
    publicKeyArmored: key.publicKeyArmored,
  }));
  const armored = await crypto.encryptText("hello", recipients);
  expect(armoredMessages(`prefix\n${armored}\nsuffix`)).toEqual([armored.trim()]);
  const listing = await gpg(["--list-packets"], armored);
  const fromGpg = [
    ...listing.matchAll(/:pubkey enc packet: version 3, algo \d+, keyid ([0-9A-F]{16})/g),
  ].map((match) => match[1]?.toLowerCase());
  expect(fromGpg).toHaveLength(2);
  expect(pkeskKeyIds(armored)).toEqual(fromGpg);
  expect([...pkeskKeyIds(armored)].sort()).toEqual(
    [alice, bob].flatMap((key) => encryptionSubkeyIds(key.publicKeyArmored)).sort(),
  );
});
