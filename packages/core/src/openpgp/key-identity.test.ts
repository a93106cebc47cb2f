import { createHash } from "node:crypto";
import { readPgpyKeyFile } from "@assmbl/testing/pgpy-key-files";
import { describe, expect, it } from "vitest";
import {
  armored,
  dearmored,
  GENERATED_ECC,
  PGPY_RSA,
  writePackets,
} from "../testing/openpgp-fixtures.js";
import { publicKeyIdentity } from "./key-identity.js";
import { readPackets } from "./packets.js";
import { sha256 } from "./sha256.js";

const keyFile = (file: string) => readPgpyKeyFile(file);
const gpgKey = keyFile("gpg-ed25519.pub.asc");
const packetsOf = (text: string) => {
  const packets = readPackets(dearmored(text));
  if (!packets.ok) throw new Error(packets.problem);
  return packets.value;
};

describe("publicKeyIdentity", () => {
  it("gives the fingerprints (primary, then subkey) and user ids gpg lists", () => {
    // `gpg --with-colons --import-options show-only --import`: its fpr and uid lines.
    expect(publicKeyIdentity(GENERATED_ECC.armored)).toEqual({
      ok: true,
      value: {
        fingerprints: [
          "033ea251419be8558cdc8ad1024f093fe7604f63",
          "33fe520ca8edd63226e45e59b6991c55b6dc3138",
        ],
        userIds: ["Fixture Agent <fixture@agents.test>"],
      },
    });
    expect(publicKeyIdentity(gpgKey.replaceAll("\n", "\r\n"))).toEqual({
      ok: true,
      value: {
        fingerprints: ["57b9c7447dc696589c963e256c0bc89610a2d085"],
        userIds: ["Ed One <ed1@agents.example.com>"],
      },
    });
  });

  it("the primary fingerprint of openpgp.js and PGPy keys is theirs", () => {
    for (const fixture of [GENERATED_ECC, PGPY_RSA]) {
      const identity = publicKeyIdentity(fixture.armored);
      if (!identity.ok) throw new Error(identity.problem);
      expect(identity.value.fingerprints[0]).toBe(fixture.fingerprint);
      expect(identity.value.userIds.length).toBeGreaterThan(0);
    }
  });

  it("a version 6 key: SHA-256 over 0x9B, a four-octet length and the key packet body", () => {
    // RFC 9580 §5.5.2.3: version, creation time, algorithm (27: Ed25519), key material length, key.
    const v6Body = Uint8Array.from([6, 0, 0, 0, 1, 27, 0, 0, 0, 32, ...new Uint8Array(32).fill(7)]);
    const subkeyBody = Uint8Array.from([
      6,
      0,
      0,
      0,
      2,
      25,
      0,
      0,
      0,
      32,
      ...new Uint8Array(32).fill(9),
    ]);
    const userId = new TextEncoder().encode("Six <six@agents.example.com>");
    const text = armored(
      writePackets([
        { tag: 6, body: v6Body },
        { tag: 13, body: userId },
        { tag: 14, body: subkeyBody },
      ]),
    );
    const expected = (body: Uint8Array) => {
      const prefix = Buffer.alloc(5);
      prefix[0] = 0x9b;
      prefix.writeUInt32BE(body.length, 1);
      return createHash("sha256").update(prefix).update(body).digest("hex");
    };
    expect(publicKeyIdentity(text)).toEqual({
      ok: true,
      value: {
        fingerprints: [expected(v6Body), expected(subkeyBody)],
        userIds: ["Six <six@agents.example.com>"],
      },
    });
  });

  it.each([
    [
      "two keys in one block",
      () => armored(writePackets([...packetsOf(gpgKey), ...packetsOf(PGPY_RSA.armored)])),
      "it holds 2 primary keys; one key is expected",
    ],
    [
      "two keys in two blocks",
      () => `${gpgKey}\n${GENERATED_ECC.armored}`,
      "it holds 2 primary keys; one key is expected",
    ],
    ["no armor", () => "not a key", "it holds no armored public key block"],
    [
      "a private key block",
      () => keyFile("gpg-ed25519.sec.asc"),
      "it holds a block that is not a public key",
    ],
    [
      "secret-key packets relabelled public",
      () => keyFile("gpg-ed25519.sec.asc").replaceAll("PRIVATE KEY BLOCK", "PUBLIC KEY BLOCK"),
      "it holds a secret-key packet",
    ],
    [
      "only a user id",
      () => armored(writePackets([{ tag: 13, body: Uint8Array.of(65) }])),
      "it holds no primary key",
    ],
    [
      "a subkey before its primary key",
      () => armored(writePackets([...packetsOf(GENERATED_ECC.armored)].reverse())),
      "it holds a subkey before its primary key",
    ],
    [
      "a version 3 key packet",
      () => armored(writePackets([{ tag: 6, body: Uint8Array.of(3, 0, 0, 0, 0, 1) }])),
      "it holds a key packet of version 3, not 4, 5 or 6",
    ],
  ])("%s: a problem", (_name, text, problem) => {
    expect(publicKeyIdentity(text())).toEqual({ ok: false, problem });
  });

  it("damaged armor or packets: a problem that does not quote the key", () => {
    const damaged = gpgKey.replace(/^(=....)$/m, "=AAAA");
    const result = publicKeyIdentity(damaged);
    expect(result).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/^its armor cannot be read/),
    });
    const cut = armored(dearmored(gpgKey).subarray(0, 40));
    expect(publicKeyIdentity(cut)).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/^its packets cannot be read/),
    });
    expect(publicKeyIdentity(42 as unknown as string)).toEqual({
      ok: false,
      problem: "it is not a string",
    });
  });
});

describe("sha256", () => {
  it("matches node:crypto at every padding boundary", () => {
    for (const length of [0, 1, 3, 55, 56, 63, 64, 65, 119, 120, 1000]) {
      const data = Uint8Array.from({ length }, (_, i) => (i * 31 + 7) & 0xff);
      expect(Buffer.from(sha256(data)).toString("hex")).toBe(
        createHash("sha256").update(data).digest("hex"),
      );
    }
  });
});
