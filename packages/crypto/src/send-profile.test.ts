// The send profile holds whatever the recipient's key says: AES-256 even for a key preferring
// only 3DES or only AES-128 (openpgp.js alone would pick AES-128), v4 keys unless v6 is opted in
// (then PKESK v6 + SEIPD v2, which core's ciphertext check accepts only from an implementation
// that says so), and one key per armored text (openpgp.js alone would silently use the first).
import { armoredMessageProblem, createMailer, type MailTransport } from "@assmbl/core";
import { errorOf } from "@assmbl/testing/crypto-helpers";
import type { GpgHome } from "@assmbl/testing/gpg";
import { pythonSdk } from "@assmbl/testing/python";
import {
  armor,
  decryptSessionKeys,
  enums,
  generateKey,
  readKey,
  readMessage,
  readPrivateKey,
} from "openpgp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decryptUtf8 } from "./decrypt.js";
import { encryptBytes, encryptUtf8 } from "./encrypt.js";
import { assertRecipientKey, inspectPublicKey, parsePublicKey } from "./key-policy.js";
import { generateKeyPair, type KeyPairBundle } from "./keys.js";
import { openpgpCrypto } from "./mail-crypto.js";
import { loadPrivateKey } from "./private-key.js";
import { createFastGpgHome } from "./testing/gpg-home.js";

let gpg: GpgHome;
// gpg-made RSA-2048 keys whose only symmetric preference is 3DES (S2) or AES-128 (S7).
const prefs: Record<"3DES only" | "AES-128 only", { public: string; secret: string }> = {
  "3DES only": { public: "", secret: "" },
  "AES-128 only": { public: "", secret: "" },
};
let alice: KeyPairBundle;
let bob: KeyPairBundle;
let v6: { publicKey: string; privateKey: string };

beforeAll(async () => {
  gpg = await createFastGpgHome();
  for (const [name, pref] of [
    ["3DES only", "S2"],
    ["AES-128 only", "S7"],
  ] as const) {
    const email = `${pref.toLowerCase()}-agent@agents.example.com`;
    const fpr = await gpg.generateKey(`Pref ${pref} <${email}>`, "rsa2048", "sign", "never");
    await gpg.addSubkey(fpr, "rsa2048", "encr", "never");
    await gpg.run(["--command-fd", "0", "--edit-key", fpr], {
      input: `setpref ${pref} H8 Z0\ny\nsave\n`,
    });
    prefs[name] = { public: await gpg.exportPublic(fpr), secret: await gpg.exportSecret(fpr) };
  }
  [alice, bob, v6] = await Promise.all([
    generateKeyPair({ name: "Alice", email: "alice@agents.example.com" }),
    generateKeyPair({ name: "Bob", email: "bob@agents.example.com" }),
    generateKey({
      type: "curve25519",
      userIDs: [{ email: "v6-agent@agents.example.com" }],
      format: "armored",
      config: { v6Keys: true },
    }),
  ]);
}, 120_000);

afterAll(() => gpg?.cleanup());

/** The symmetric algorithm of the session key, decrypted with the recipient's private key. */
async function sessionAlgorithm(armored: string, secret: string): Promise<string | undefined> {
  const [key] = await decryptSessionKeys({
    message: await readMessage({ armoredMessage: armored }),
    decryptionKeys: await readPrivateKey({ armoredKey: secret }),
  });
  return key?.algorithm ?? undefined;
}

describe("AES-256 whatever the recipient's preferences say", () => {
  for (const name of ["3DES only", "AES-128 only"] as const) {
    it(`a key preferring ${name} gets AES-256 (openpgp.js, gpg and PGPy agree)`, async () => {
      const { public: pub, secret } = prefs[name];
      // The preference is really there: gpg lists it in the self-signature.
      const listed = (await gpg.run(["--list-packets"], { input: pub })).stdout.toString();
      expect(listed).toMatch(/pref-sym-algos: (2|7)\)/);
      const text = await encryptUtf8(pub, "aes-256 whatever the key says");
      expect(await sessionAlgorithm(text, secret)).toBe("aes256");
      const gpgRead = await gpg.run(["--show-session-key", "--decrypt"], { input: text });
      expect(gpgRead.stderr).toMatch(/session key: '9:/);
      expect(gpgRead.stdout.toString()).toBe("aes-256 whatever the key says");
      const bytes = new TextDecoder().decode(await encryptBytes(pub, Uint8Array.of(1, 2, 3)));
      expect(await sessionAlgorithm(bytes, secret)).toBe("aes256");
      const viaMailCrypto = await openpgpCrypto().encryptText("x", [
        { agentId: "p", address: "p@agents.example.com", publicKeyArmored: pub },
      ]);
      expect(await sessionAlgorithm(viaMailCrypto, secret)).toBe("aes256");
      const python = await pythonSdk.decrypt(text, { privateKey: secret });
      expect(python.error).toBeUndefined();
      expect(python.text).toBe("aes-256 whatever the key says");
    }, 60_000);
  }

  it("a key with the default preferences gets AES-256 and SEIPD v1 too", async () => {
    const armored = await encryptUtf8(alice.publicKeyArmored, "hi");
    expect(await sessionAlgorithm(armored, alice.privateKeyArmored)).toBe("aes256");
    const message = await readMessage({ armoredMessage: armored });
    expect(
      message.packets.map((p) => [
        (p.constructor as unknown as { tag: number }).tag,
        (p as { version?: number }).version,
      ]),
    ).toEqual([
      [1, 3],
      [18, 1],
    ]);
  });
});

describe("version 6 keys", () => {
  const to = () => [
    { agentId: "v6-agent", address: "v6-agent@agents.example.com", publicKeyArmored: v6.publicKey },
  ];

  it("are peer_key_unusable unless opted in, and the message says how to opt in", async () => {
    for (const attempt of [
      () => encryptUtf8(v6.publicKey, "x"),
      () => assertRecipientKey(v6.publicKey),
      () => openpgpCrypto().checkRecipientKey(v6.publicKey),
      () => openpgpCrypto().encryptText("x", to()),
    ]) {
      const error = await errorOf(attempt());
      expect(error.code).toBe("peer_key_unusable");
      expect(error.message).toMatch(/version 6 .*allowV6Keys: true/);
    }
  });

  it("with allowV6Keys are encrypted to as PKESK v6 + SEIPD v2 (AES-256, OCB), which decrypts", async () => {
    const crypto = openpgpCrypto({ allowV6Keys: true });
    expect(crypto.allowV6Keys).toBe(true);
    expect(openpgpCrypto().allowV6Keys).toBeUndefined();
    const armored = await crypto.encryptText("hello v6", to());
    const message = await readMessage({ armoredMessage: armored });
    expect(message.packets.map((p) => (p as { version?: number }).version)).toEqual([6, 2]);
    // A SEIPD v2 names its cipher itself (the v6 PKESK does not).
    const data = message.packets[1] as unknown as {
      cipherAlgorithm: number;
      aeadAlgorithm: number;
    };
    expect(data.cipherAlgorithm).toBe(enums.symmetric.aes256);
    expect(data.aeadAlgorithm).toBe(enums.aead.ocb);
    const { text } = await decryptUtf8(armored, {
      privateKey: await loadPrivateKey(v6.privateKey),
    });
    expect(text).toBe("hello v6");
    // Core's ciphertext check takes that shape only from an implementation that opted in.
    expect(armoredMessageProblem(armored, { recipients: to() })).toMatch(/version 6/);
    expect(armoredMessageProblem(armored, { recipients: to(), allowV6: true })).toBeUndefined();
  });

  it("through createMailer: refused by default, sent with the opt-in", async () => {
    const sent: string[] = [];
    const transport: MailTransport = {
      specificationVersion: "v1",
      name: "recording",
      async send(message) {
        sent.push(message.text);
        return { messageId: "<m@test>" };
      },
    };
    const directory = {
      specificationVersion: "v1" as const,
      async lookup(agentId: string) {
        return {
          agentId,
          publicKey: "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----",
          algorithm: "Ed25519" as const,
          keyFingerprintSha256: "a".repeat(64),
          keyVersion: 1,
          keyStatus: "active" as const,
          openpgpPublicKey: v6.publicKey,
        };
      },
    };
    const mailer = (crypto: ReturnType<typeof openpgpCrypto>) =>
      createMailer(transport, {
        from: "me@agents.example.com",
        mailDomain: "agents.example.com",
        directory,
        crypto,
      });
    const message = { to: "v6-agent@agents.example.com", subject: "s", text: "t", encrypt: true };
    expect((await errorOf(mailer(openpgpCrypto()).send(message))).code).toBe("peer_key_unusable");
    expect(sent).toHaveLength(0);
    await mailer(openpgpCrypto({ allowV6Keys: true })).send(message);
    expect(sent).toHaveLength(1);
  });

  it("openpgpCrypto refuses a non-boolean allowV6Keys and unknown options by name", async () => {
    expect(() => openpgpCrypto({ allowV6Keys: "yes" as unknown as boolean })).toThrowError(
      /allowV6Keys/,
    );
    expect(() => openpgpCrypto({ allowV6: true } as never)).toThrowError(/allowV6/);
  });
});

describe("one key per armored text", () => {
  let twoInOne: string;
  let twoBlocks: string;
  beforeAll(async () => {
    const [a, b] = await Promise.all([
      readKey({ armoredKey: alice.publicKeyArmored }),
      readKey({ armoredKey: bob.publicKeyArmored }),
    ]);
    twoInOne = armor(
      enums.armor.publicKey,
      new Uint8Array([...a.toPacketList().write(), ...b.toPacketList().write()]),
    );
    twoBlocks = alice.publicKeyArmored + bob.publicKeyArmored;
  });

  it("a block holding two keys is invalid_public_key wherever a public key is read", async () => {
    for (const [text, what] of [
      [() => twoInOne, /the armored block holds 2 keys; register one key per agent/],
      [() => twoBlocks, /the text holds 2 armored blocks; register one key per agent/],
    ] as const) {
      const recipients = [
        { agentId: "alice", address: "alice@agents.example.com", publicKeyArmored: text() },
      ];
      for (const attempt of [
        () => parsePublicKey(text()),
        () => assertRecipientKey(text()),
        () => inspectPublicKey(text()),
        () => encryptUtf8(text(), "x"),
        () => openpgpCrypto().checkRecipientKey(text()),
        () => openpgpCrypto().encryptText("x", recipients),
        () => openpgpCrypto().encryptAttachment(Uint8Array.of(1), recipients),
      ]) {
        const error = await errorOf(attempt());
        expect(error.code).toBe("invalid_public_key");
        expect(error.message).toMatch(what);
      }
    }
  });

  it("as a verification key, too", async () => {
    const bobKey = await loadPrivateKey(bob.privateKeyArmored);
    const armored = await encryptUtf8(alice.publicKeyArmored, "signed", { signingKey: bobKey });
    const aliceKey = await loadPrivateKey(alice.privateKeyArmored);
    for (const keys of [[twoInOne], [twoBlocks]]) {
      const error = await errorOf(
        decryptUtf8(armored, { privateKey: aliceKey, verificationKeys: keys }),
      );
      expect(error.code).toBe("invalid_public_key");
    }
  });

  it("one key in one block still reads (the first key of openpgp.js's answer is the only one)", async () => {
    const key = await parsePublicKey(alice.publicKeyArmored);
    expect(key.getFingerprint()).toBe(alice.fingerprint);
  });
});
