// The hand-written packet reader agrees with GnuPG (an independent OpenPGP implementation) on the
// key ids of real openpgp.js messages and keys, so the Bcc tests that rest on it prove something.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKeyPair, type KeyPairBundle, openpgpCrypto } from "@assmbl/crypto";
import { armoredMessages, encryptionSubkeyIds, pkeskKeyIds } from "@assmbl/testing/openpgp-packets";
import { afterAll, beforeAll, expect, it } from "vitest";

let home: string;
let alice: KeyPairBundle;
let bob: KeyPairBundle;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "pgp-packets-"));
  [alice, bob] = await Promise.all([
    generateKeyPair({ name: "Alice", email: "alice@agents.example.com" }),
    generateKeyPair({ name: "Bob", email: "bob@agents.example.com" }),
  ]);
});
afterAll(async () => {
  if (home) await rm(home, { recursive: true, force: true });
});

function gpg(args: string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      "gpg",
      ["--homedir", home, "--batch", "--no-tty", ...args],
      { env: { ...process.env, LC_ALL: "C" } },
      // --list-packets exits non-zero when it has no secret key; its listing is still complete.
      (error, stdout, stderr) =>
        stdout || !error ? resolve(stdout + stderr) : reject(new Error(stderr)),
    );
    child.stdin?.end(input);
  });
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
