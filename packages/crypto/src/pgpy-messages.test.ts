// Bodies and attachments between this package and the Python SDK's PGPy 0.6 (through
// packages/testing/src/python/agentmail_sdk_model.py): text goes as UTF-8 literal data ('u', exact bytes), so
// PGPy's `.message` is a str equal to the text; attachments as binary ('b'); signatures verify
// both ways.
import type { EncryptionRecipient } from "@assmbl/core";
import { allByteValues, errorOf, readAll } from "@assmbl/testing/crypto-helpers";
import {
  callPythonSdkBatch,
  fromBase64,
  type PythonKeypair,
  pythonSdk,
} from "@assmbl/testing/python";
import { decryptKey, enums, readMessage, readPrivateKey } from "openpgp";
import { beforeAll, describe, expect, it } from "vitest";
import { decryptBytes, decryptUtf8 } from "./decrypt.js";
import { encryptBytes, encryptStream, encryptUtf8 } from "./encrypt.js";
import { generateKeyPair, type KeyPairBundle } from "./keys.js";
import { openpgpCrypto } from "./mail-crypto.js";
import { type AgentPrivateKey, loadPrivateKey } from "./private-key.js";

const PASSPHRASE = "pgpy messages passphrase";

const TEXTS: readonly (readonly [string, string])[] = [
  ["umlauts", "Grüße aus Köln – naïve café, ½ € ß"],
  ["CJK", "東京の会議は午後3時です。北京、서울"],
  ["emoji", "ship it 🚀 👩🏽‍💻 🇩🇪"],
  ["LF lines", "first\nsecond\n"],
  ["CRLF lines", "first\r\nsecond\r\n"],
  ["mixed LF and CRLF", "a\r\nb\nc\r\n\r\nd\n"],
  ["a lone CR", "before\rafter"],
  ["trailing spaces", "trailing spaces   \nand a tab\t \n"],
  ["empty text", ""],
];

let recipient: KeyPairBundle;
/**
 * A reader without a passphrase, for the many-message PGPy batches: PGPy unlocks a protected key
 * anew for every message (~60 ms of S2K hashing each, 5-10x that under load). PGPy unlocking
 * `recipient` is proven by the attachment test and pgpy-keys.test.ts.
 */
let openReader: KeyPairBundle;
let sender: KeyPairBundle;
let senderKey: AgentPrivateKey;
let python: PythonKeypair;

beforeAll(async () => {
  [recipient, openReader, sender, python] = await Promise.all([
    generateKeyPair({ name: "Reader", email: "reader@agents.test", passphrase: PASSPHRASE }),
    generateKeyPair({ name: "Open Reader", email: "open-reader@agents.test" }),
    generateKeyPair({ name: "Writer", email: "writer@agents.test" }),
    pythonSdk.generateKeypair({ name: "Py Agent", email: "py@agents.test" }),
  ]);
  senderKey = await loadPrivateKey(sender.privateKeyArmored);
}, 120_000);

const utf8 = (text: string) => new TextEncoder().encode(text);

/** The literal data of a message to `recipient`, decrypted by openpgp.js: format octet and bytes. */
async function literalPacket(
  armored: string | Uint8Array,
): Promise<{ format: string; bytes: Uint8Array }> {
  const privateKey = await readPrivateKey({ armoredKey: recipient.privateKeyArmored });
  const unlocked = await decryptKey({ privateKey, passphrase: PASSPHRASE });
  const message = await readMessage({
    armoredMessage: typeof armored === "string" ? armored : new TextDecoder().decode(armored),
  });
  const decrypted = await message.decrypt([unlocked]);
  // openpgp.js's typings keep these members private; they are its packet's public fields.
  const literal = decrypted.packets.findPacket(enums.packet.literalData) as unknown as
    | { format: number; getBytes(): Uint8Array }
    | undefined;
  if (!literal) throw new Error("no literal data packet");
  // openpgp.js keeps the format as its octet: "b" (0x62), "t" (0x74) or "u" (0x75).
  return { format: String.fromCharCode(literal.format), bytes: literal.getBytes() };
}

const toReader = (): EncryptionRecipient[] => [
  {
    agentId: "reader",
    address: "reader@agents.test",
    publicKeyArmored: recipient.publicKeyArmored,
  },
];

describe("what this package writes", () => {
  it.each(TEXTS)(
    "encryptUtf8 (%s): literal format 'u' holding the text's exact UTF-8 bytes; decryptUtf8 gives the text back",
    async (_label, text) => {
      const armored = await encryptUtf8(recipient.publicKeyArmored, text);
      expect(await literalPacket(armored)).toEqual({ format: "u", bytes: utf8(text) });
      const back = await decryptUtf8(armored, {
        privateKey: recipient.privateKeyArmored,
        passphrase: PASSPHRASE,
      });
      expect(back).toEqual({ text, verification: "unsigned" });
    },
  );

  it("openpgpCrypto().encryptText writes 'u' too; attachments and encryptBytes/encryptStream stay 'b'", async () => {
    const recipients = toReader();
    const crypto = openpgpCrypto({ signingKey: senderKey });
    const text = "mailer body\r\nline two\n";
    const body = await literalPacket(await crypto.encryptText(text, recipients));
    expect(body).toEqual({ format: "u", bytes: utf8(text) });
    const data = allByteValues(1000, 5);
    const attachment = await literalPacket(
      (await crypto.encryptAttachment(data, recipients)) as Uint8Array,
    );
    expect(attachment).toEqual({ format: "b", bytes: data });
    const bytes = await literalPacket(await encryptBytes(recipient.publicKeyArmored, data));
    expect(bytes).toEqual({ format: "b", bytes: data });
    const streamed = await encryptStream(
      recipient.publicKeyArmored,
      new Response(data).body as ReadableStream<Uint8Array>,
    );
    const fromStream = await literalPacket(await readAll(streamed));
    expect(fromStream).toEqual({ format: "b", bytes: data });
  });
});

describe("PGPy reads what this package writes", () => {
  it("text bodies, signed and unsigned: `.message` is a str equal to the text; signatures verify", async () => {
    const cases = TEXTS.flatMap(([label, text]) => [
      { label, text, signed: false },
      { label, text, signed: true },
    ]);
    const armored = await Promise.all(
      cases.map(({ text, signed }) =>
        encryptUtf8(openReader.publicKeyArmored, text, signed ? { signingKey: senderKey } : {}),
      ),
    );
    const results = await pythonSdk.decryptAll(
      armored.map((message) => ({
        armored: message,
        privateKey: openReader.privateKeyArmored,
        verifyWith: sender.publicKeyArmored,
      })),
    );
    const seen = results.map((result, index) => ({
      label: cases[index]?.label,
      signed: cases[index]?.signed,
      error: result.error,
      format: result.format,
      pythonType: result.pythonType,
      text: result.text,
      verified: result.verified,
    }));
    expect(seen).toEqual(
      cases.map(({ label, text, signed }) => ({
        label,
        signed,
        error: undefined,
        format: "u",
        pythonType: "str",
        text,
        verified: signed ? true : null,
      })),
    );
  });

  it("a signed attachment: every byte value back as bytes, the signature verifies", async () => {
    const data = allByteValues(20_000, 9);
    const crypto = openpgpCrypto({ signingKey: senderKey });
    const [viaMailer, viaBytes] = await Promise.all([
      crypto.encryptAttachment(data, toReader()) as Promise<Uint8Array>,
      encryptBytes(recipient.publicKeyArmored, data, { signingKey: senderKey }),
    ]);
    const results = await pythonSdk.decryptAll(
      [viaMailer, viaBytes].map((ciphertext) => ({
        armored: new TextDecoder().decode(ciphertext),
        privateKey: recipient.privateKeyArmored,
        passphrase: PASSPHRASE,
        verifyWith: sender.publicKeyArmored,
      })),
    );
    for (const result of results) {
      expect(result).toMatchObject({ format: "b", pythonType: "bytearray", verified: true });
      expect(fromBase64(result.data)).toEqual(data);
    }
  });
});

describe("this package reads what PGPy writes", () => {
  it("PGPy's text messages (ZIP, 'u'), signed and unsigned: decryptUtf8 returns the exact text", async () => {
    // Every text unsigned and signed by an Ed25519 key, and one signed by the Python SDK's own
    // RSA-4096 key: PGPy takes ~0.25 s per RSA-4096 signature (it rebuilds and checks the private
    // key each time), which for every text made this the slowest PGPy test. PGPy signs 'u'
    // literal data as a binary document, so the text does not change how the signature is made.
    const signers = {
      sender: { key: sender, verifyWith: sender.publicKeyArmored },
      python: { key: python, verifyWith: python.publicKeyArmored },
    } as const;
    const cases = [
      ...TEXTS.flatMap(([label, text]) => [
        { label, text, signer: undefined },
        { label, text, signer: "sender" as const },
      ]),
      { label: TEXTS[0]?.[0], text: TEXTS[0]?.[1] as string, signer: "python" as const },
    ];
    const encrypted = await callPythonSdkBatch<{ armored: string }>(
      cases.map(({ text, signer }) => ({
        op: "pgp_encrypt_utf8",
        args: {
          text,
          recipient: recipient.publicKeyArmored,
          ...(signer && { sign_with: signers[signer].key.privateKeyArmored }),
        },
      })),
    );
    const privateKey = await loadPrivateKey(recipient.privateKeyArmored, PASSPHRASE);
    for (const [index, { armored }] of encrypted.entries()) {
      const { label, text, signer } = cases[index] as (typeof cases)[number];
      const result = await decryptUtf8(armored, {
        privateKey,
        verificationKeys: [sender.publicKeyArmored, python.publicKeyArmored],
      });
      expect({ label, signer, result }).toEqual({
        label,
        signer,
        result: signer
          ? {
              text,
              verification: "valid",
              signerFingerprint: signers[signer].key.fingerprint,
              signerUserIds: expect.any(Array),
            }
          : { text, verification: "unsigned" },
      });
    }
  });

  it("PGPy's attachments: 'b' gives back all 256 byte values, 't' gives back ASCII with CRLF", async () => {
    const binary = allByteValues(4096, 3);
    const ascii = utf8("col1,col2\r\n1,2\r\nlast line\r\n");
    const [b, t] = await Promise.all([
      pythonSdk.encryptBytes(binary, recipient.publicKeyArmored, {
        format: "b",
        signWith: python.privateKeyArmored,
      }),
      pythonSdk.encryptBytes(ascii, recipient.publicKeyArmored, { format: "t" }),
    ]);
    const options = {
      privateKey: recipient.privateKeyArmored,
      passphrase: PASSPHRASE,
      verificationKeys: [python.publicKeyArmored],
    };
    const fromB = await decryptBytes(b, { ...options, expectSigned: true });
    expect(fromB).toEqual({
      data: binary,
      verification: "valid",
      signerFingerprint: python.fingerprint,
      signerUserIds: expect.any(Array),
    });
    const fromT = await decryptBytes(t, options);
    expect(fromT).toEqual({ data: ascii, verification: "unsigned" });
  });

  it("a PGPy signature checked against another key is invalid; without a key it is unverified", async () => {
    const armored = await pythonSdk.encryptUtf8("who signed this?", recipient.publicKeyArmored, {
      signWith: python.privateKeyArmored,
    });
    const privateKey = await loadPrivateKey(recipient.privateKeyArmored, PASSPHRASE);
    const wrongKey = await decryptUtf8(armored, {
      privateKey,
      verificationKeys: [sender.publicKeyArmored],
    });
    // The signer is reported as a claim (the key the signature names), never as verified.
    const claimed = {
      claimedSignerFingerprint: python.fingerprint,
      claimedSignerKeyId: python.fingerprint.slice(-16),
    };
    expect(wrongKey).toEqual({ text: "who signed this?", verification: "invalid", ...claimed });
    const noKey = await decryptUtf8(armored, { privateKey });
    expect(noKey).toEqual({ text: "who signed this?", verification: "unverified", ...claimed });
    const required = await errorOf(
      decryptUtf8(armored, {
        privateKey,
        verificationKeys: [sender.publicKeyArmored],
        expectSigned: true,
      }),
    );
    expect(required.code).toBe("signature_invalid");
  });

  it("PGPy does not take our signature for one by another key", async () => {
    const armored = await encryptUtf8(recipient.publicKeyArmored, "signed by Writer", {
      signingKey: senderKey,
    });
    const [withPython] = await pythonSdk.decryptAll([
      {
        armored,
        privateKey: recipient.privateKeyArmored,
        passphrase: PASSPHRASE,
        verifyWith: python.publicKeyArmored,
      },
    ]);
    expect(withPython).toMatchObject({ text: "signed by Writer", verified: false });
  });
});
