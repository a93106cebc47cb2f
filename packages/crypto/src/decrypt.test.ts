import { Readable } from "node:stream";
import { inspect } from "node:util";
import {
  allByteValues,
  dearmor,
  deterministicBytes,
  errorOf,
  packetSpans,
} from "@assmbl/testing/crypto-helpers";
import { type GpgHome, statusOf } from "@assmbl/testing/gpg";
import { readKey, readPrivateKey } from "openpgp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DecryptWithKeyOptions, decryptBytes, decryptStream, decryptUtf8 } from "./decrypt.js";
import { encryptBytes, encryptStream, encryptUtf8 } from "./encrypt.js";
import { generateKeyPair, type KeyPairBundle } from "./keys.js";
import { type AgentPrivateKey, loadPrivateKey } from "./private-key.js";
import { createFastGpgHome } from "./testing/gpg-home.js";

const PASSPHRASE = "alice's long passphrase";

let gpg: GpgHome;
let alice: KeyPairBundle; // recipient, passphrase-protected, also imported into gpg
let bob: KeyPairBundle; // another recipient
let signer: KeyPairBundle;
let aliceKey: AgentPrivateKey;
let bobKey: AgentPrivateKey;
let signerKey: AgentPrivateKey;

beforeAll(async () => {
  gpg = await createFastGpgHome();
  [alice, bob, signer] = await Promise.all([
    generateKeyPair({ name: "Alice", email: "alice@agents.test", passphrase: PASSPHRASE }),
    generateKeyPair({ name: "Bob", email: "bob@agents.test" }),
    generateKeyPair({ name: "Signer", email: "signer@agents.test" }),
  ]);
  aliceKey = await loadPrivateKey(alice.privateKeyArmored, PASSPHRASE);
  bobKey = await loadPrivateKey(bob.privateKeyArmored);
  signerKey = await loadPrivateKey(signer.privateKeyArmored);
  await gpg.importKey(alice.privateKeyArmored, PASSPHRASE);
}, 60_000);

afterAll(async () => {
  await gpg?.cleanup();
});

/** Reads a decryptStream result; records how many chunks came out before any error. */
async function drain(promise: ReturnType<typeof decryptStream>) {
  const chunks: Uint8Array[] = [];
  try {
    const { data } = await promise;
    for await (const chunk of data as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
    return { chunks, error: undefined };
  } catch (error) {
    return { chunks, error: error as { code?: string } };
  }
}

/** Flips one base64 character of the middle body line of an armored message (still valid base64). */
function tamperArmor(armored: string, { dropChecksum }: { dropChecksum: boolean }): string {
  const lines = armored.split("\n");
  const start = lines.indexOf("") + 1;
  const end = lines.findIndex(
    (line, index) => index > start && (line.startsWith("=") || line.startsWith("-----END")),
  );
  const middle = Math.floor((start + end) / 2);
  const line = lines[middle] ?? "";
  expect(line).toMatch(/^[A-Za-z0-9+/]{60,76}$/);
  const replacement = line[20] === "A" ? "B" : "A";
  lines[middle] = `${line.slice(0, 20)}${replacement}${line.slice(21)}`;
  return lines.filter((l) => !(dropChecksum && /^=[A-Za-z0-9+/]{4}$/.test(l))).join("\n");
}

describe("tampered ciphertext → decryption_failed, nothing released", () => {
  it("one byte flipped in the middle of the SEIPD body of a binary message", async () => {
    const data = allByteValues(3000, 5);
    const binary = await dearmor(await encryptBytes(alice.publicKeyArmored, data));
    const spans = packetSpans(binary);
    expect(spans.map((span) => span.tag)).toEqual([1, 18]); // PKESK, SEIPD
    // Control: untouched, it decrypts.
    expect((await decryptBytes(binary, { privateKey: aliceKey })).data).toEqual(data);
    const seipd = spans[1];
    if (!seipd) throw new Error("no SEIPD packet");
    const tampered = binary.slice();
    const at = Math.floor((seipd.bodyStart + seipd.bodyEnd) / 2);
    tampered[at] = (tampered[at] ?? 0) ^ 0x01;
    const error = await errorOf(decryptBytes(tampered, { privateKey: aliceKey }));
    expect(error.code).toBe("decryption_failed");
    expect((await errorOf(aliceKey.decryptBytes(tampered))).code).toBe("decryption_failed");
    // gpg agrees that it is not intact.
    const gpgResult = await gpg.decrypt(tampered, { passphrase: PASSPHRASE, allowFailure: true });
    expect(gpgResult.exitCode).not.toBe(0);
    expect(statusOf(gpgResult.stderr, "GOODMDC")).toBeUndefined();
  });

  it.each([
    ["armor checksum kept", false],
    ["armor checksum dropped (only the MDC can tell)", true],
  ])("one base64 character changed in an armored message (%s)", async (_label, dropChecksum) => {
    const text = "The quarterly numbers: 42, 17, 99. ".repeat(100);
    const armored = await encryptUtf8(alice.publicKeyArmored, text, { signingKey: signerKey });
    const tampered = tamperArmor(armored, { dropChecksum });
    expect(tampered).not.toBe(armored);
    const options: DecryptWithKeyOptions = {
      privateKey: aliceKey,
      verificationKeys: [signer.publicKeyArmored],
    };
    // Control: untouched, it decrypts and verifies.
    expect(await decryptUtf8(armored, options)).toMatchObject({ text, verification: "valid" });
    const error = await errorOf(decryptUtf8(tampered, options));
    expect(error.code).toBe("decryption_failed");
    expect(error.message).not.toContain("quarterly");
    expect((await errorOf(decryptBytes(tampered, options))).code).toBe("decryption_failed");
    const streamed = await drain(
      decryptStream(new Blob([tampered]).stream() as ReadableStream<Uint8Array>, options),
    );
    expect(streamed.error?.code).toBe("decryption_failed");
    expect(streamed.chunks).toEqual([]);
  });
});

describe("streamed decryption releases nothing unauthenticated", () => {
  it("a tampered 2 MiB message read in 64 KiB chunks errors before yielding one byte", async () => {
    const plaintext = deterministicBytes(11)(2 * 1024 * 1024);
    const armored = new TextDecoder().decode(await encryptBytes(alice.publicKeyArmored, plaintext));
    const tampered = tamperArmor(armored, { dropChecksum: true });
    const chunked = (text: string) => {
      const bytes = new TextEncoder().encode(text);
      return Readable.from(
        (function* () {
          for (let offset = 0; offset < bytes.length; offset += 64 * 1024)
            yield bytes.subarray(offset, offset + 64 * 1024);
        })(),
      );
    };
    const good = await drain(decryptStream(chunked(armored), { privateKey: aliceKey }));
    expect(good.error).toBeUndefined();
    expect(Buffer.concat(good.chunks).equals(Buffer.from(plaintext))).toBe(true);
    const bad = await drain(decryptStream(chunked(tampered), { privateKey: aliceKey }));
    expect(bad.error?.code).toBe("decryption_failed");
    expect(bad.chunks).toEqual([]);
  });
});

describe("keys and passphrases", () => {
  it("wrong key → decryption_failed naming the intended recipient's subkey id", async () => {
    const armored = await encryptUtf8(alice.publicKeyArmored, "for alice only");
    const aliceSubkeyId = (await readKey({ armoredKey: alice.publicKeyArmored }))
      .getSubkeys()[0]
      ?.getKeyID()
      .toHex();
    expect(aliceSubkeyId).toMatch(/^[0-9a-f]{16}$/);
    for (const attempt of [
      () => decryptUtf8(armored, { privateKey: bobKey }),
      () => decryptUtf8(armored, { privateKey: bob.privateKeyArmored }),
      () => bobKey.decryptText(armored),
    ]) {
      const error = await errorOf(attempt());
      expect(error.code).toBe("decryption_failed");
      expect(error.message).toContain(aliceSubkeyId);
      expect(error.message).not.toContain("for alice only");
    }
  });

  it("wrong key on a hidden-recipient message → decryption_failed", async () => {
    const armored = await encryptUtf8(alice.publicKeyArmored, "hidden", { hideRecipients: true });
    const error = await errorOf(decryptUtf8(armored, { privateKey: bobKey }));
    expect(error.code).toBe("decryption_failed");
    expect(error.message).toContain("hidden recipient");
    expect(error.message).not.toContain("0000000000000000");
  });

  it("wrong passphrase → bad_passphrase, and no passphrase is echoed", async () => {
    const armored = await encryptUtf8(alice.publicKeyArmored, "x");
    const wrong = "not alice's passphrase";
    for (const attempt of [
      () => loadPrivateKey(alice.privateKeyArmored, wrong),
      () => decryptUtf8(armored, { privateKey: alice.privateKeyArmored, passphrase: wrong }),
      () => decryptBytes(armored, { privateKey: alice.privateKeyArmored, passphrase: wrong }),
    ]) {
      const error = await errorOf(attempt());
      expect(error.code).toBe("bad_passphrase");
      expect(error.message).not.toContain(wrong);
      expect(error.message).not.toContain(PASSPHRASE);
    }
  });

  it("missing passphrase for a protected key → bad_passphrase", async () => {
    const armored = await encryptUtf8(alice.publicKeyArmored, "x");
    for (const attempt of [
      () => loadPrivateKey(alice.privateKeyArmored),
      () => loadPrivateKey(alice.privateKeyArmored, ""),
      () => decryptUtf8(armored, { privateKey: alice.privateKeyArmored }),
      () =>
        decryptStream(new Blob([armored]).stream() as ReadableStream<Uint8Array>, {
          privateKey: alice.privateKeyArmored,
        }),
    ]) {
      const error = await errorOf(attempt());
      expect(error.code).toBe("bad_passphrase");
      expect(error.message).toContain(alice.fingerprint);
    }
  });

  it("a passphrase given for an unprotected armored key is ignored", async () => {
    const armored = await encryptUtf8(bob.publicKeyArmored, "bob's text");
    const result = await decryptUtf8(armored, {
      privateKey: bob.privateKeyArmored,
      passphrase: "unused",
    });
    expect(result.text).toBe("bob's text");
  });

  it("a public key or garbage as privateKey → invalid_private_key", async () => {
    const armored = await encryptUtf8(bob.publicKeyArmored, "x");
    for (const privateKey of [bob.publicKeyArmored, "garbage"]) {
      expect((await errorOf(decryptUtf8(armored, { privateKey }))).code).toBe(
        "invalid_private_key",
      );
    }
  });
});

describe("signatures", () => {
  let unsigned: string;
  let signed: string;

  beforeAll(async () => {
    unsigned = await encryptUtf8(alice.publicKeyArmored, "unsigned text");
    signed = await encryptUtf8(alice.publicKeyArmored, "signed text", { signingKey: signerKey });
  });

  it("valid: signed by a key among verificationKeys", async () => {
    for (const verificationKeys of [
      [signer.publicKeyArmored],
      signer.publicKeyArmored,
      [bob.publicKeyArmored, signer.publicKeyArmored],
    ]) {
      const result = await decryptUtf8(signed, {
        privateKey: aliceKey,
        verificationKeys,
        expectSigned: true,
      });
      expect(result).toEqual({
        text: "signed text",
        verification: "valid",
        signerFingerprint: signer.fingerprint,
        signerUserIds: ["Signer <signer@agents.test>"],
      });
    }
  });

  it("unsigned: reported as such; with expectSigned → signature_missing", async () => {
    expect(
      await decryptUtf8(unsigned, {
        privateKey: aliceKey,
        verificationKeys: [signer.publicKeyArmored],
      }),
    ).toEqual({
      text: "unsigned text",
      verification: "unsigned",
    });
    for (const attempt of [
      () =>
        decryptUtf8(unsigned, {
          privateKey: aliceKey,
          verificationKeys: [signer.publicKeyArmored],
          expectSigned: true,
        }),
      () => decryptBytes(unsigned, { privateKey: aliceKey, expectSigned: true }),
      () => aliceKey.decryptText(unsigned, { expectSigned: true }),
    ]) {
      const error = await errorOf(attempt());
      expect(error.code).toBe("signature_missing");
      expect(error.message).not.toContain("unsigned text");
    }
  });

  it("signed by a key not among verificationKeys: invalid; with expectSigned → signature_invalid", async () => {
    const result = await decryptUtf8(signed, {
      privateKey: aliceKey,
      verificationKeys: [bob.publicKeyArmored],
    });
    expect(result.verification).toBe("invalid");
    expect(result.signerFingerprint).toBeUndefined();
    const error = await errorOf(
      decryptUtf8(signed, {
        privateKey: aliceKey,
        verificationKeys: [bob.publicKeyArmored],
        expectSigned: true,
      }),
    );
    expect(error.code).toBe("signature_invalid");
    expect(error.message).not.toContain("signed text");
  });

  it("signed, no verificationKeys: unverified; with expectSigned → signature_invalid", async () => {
    const result = await decryptUtf8(signed, { privateKey: aliceKey });
    // Which key signed is reported as a claim, never as a verified signer.
    expect(result).toEqual({
      text: "signed text",
      verification: "unverified",
      claimedSignerFingerprint: signer.fingerprint,
      claimedSignerKeyId: signer.fingerprint.slice(-16),
    });
    expect(
      (await errorOf(decryptUtf8(signed, { privateKey: aliceKey, expectSigned: true }))).code,
    ).toBe("signature_invalid");
  });

  it("decryptStream: the signature settles after the data; expectSigned errors the stream at its end", async () => {
    const ok = await decryptStream(new Blob([signed]).stream() as ReadableStream<Uint8Array>, {
      privateKey: aliceKey,
      verificationKeys: [signer.publicKeyArmored],
      expectSigned: true,
    });
    expect(new TextDecoder().decode(await new Response(ok.data).arrayBuffer())).toBe("signed text");
    expect(await ok.verification).toEqual({
      verification: "valid",
      signerFingerprint: signer.fingerprint,
      signerUserIds: ["Signer <signer@agents.test>"],
    });

    const missing = await drain(
      decryptStream(new Blob([unsigned]).stream() as ReadableStream<Uint8Array>, {
        privateKey: aliceKey,
        expectSigned: true,
      }),
    );
    expect(missing.error?.code).toBe("signature_missing");
    expect(missing.chunks).toEqual([]);

    const wrongSigner = await decryptStream(
      new Blob([signed]).stream() as ReadableStream<Uint8Array>,
      {
        privateKey: aliceKey,
        verificationKeys: [bob.publicKeyArmored],
        expectSigned: true,
      },
    );
    await expect(new Response(wrongSigner.data).arrayBuffer()).rejects.toMatchObject({
      code: "signature_invalid",
    });
    await expect(wrongSigner.verification).rejects.toMatchObject({ code: "signature_invalid" });
  });
});

describe("AgentPrivateKey shows only its fingerprint", () => {
  it("util.inspect, JSON.stringify, String() and template literals", async () => {
    const raw = await readPrivateKey({ armoredKey: alice.privateKeyArmored });
    const unlocked = await import("openpgp").then(({ decryptKey }) =>
      decryptKey({ privateKey: raw, passphrase: PASSPHRASE }),
    );
    const seed = (unlocked.keyPacket as unknown as { privateParams: { seed: Uint8Array } })
      .privateParams.seed;
    const secretForms = [
      Buffer.from(seed).toString("hex"),
      Buffer.from(seed).toString("base64").slice(0, 20),
      Array.from(seed.subarray(0, 8)).join(", "),
    ];
    const shown = {
      inspect: inspect(aliceKey),
      nested: inspect({ wrapper: [aliceKey] }, { depth: 10 }),
      raw: inspect(aliceKey, {
        customInspect: false,
        showHidden: true,
        depth: Number.POSITIVE_INFINITY,
      }),
      json: JSON.stringify(aliceKey),
      jsonNested: JSON.stringify({ key: aliceKey }),
      string: String(aliceKey),
      template: `${aliceKey}`,
    };
    expect(shown.inspect).toBe(`AgentPrivateKey(${alice.fingerprint})`);
    expect(shown.string).toBe(`AgentPrivateKey(${alice.fingerprint})`);
    expect(shown.template).toBe(`AgentPrivateKey(${alice.fingerprint})`);
    expect(JSON.parse(shown.json)).toEqual({ fingerprint: alice.fingerprint });
    expect(JSON.parse(shown.jsonNested)).toEqual({ key: { fingerprint: alice.fingerprint } });
    for (const [how, text] of Object.entries(shown)) {
      expect(text, how).not.toContain("PRIVATE KEY");
      expect(text, how).not.toContain("privateParams");
      expect(text, how).not.toContain("keyPacket");
      expect(text, how).not.toContain(PASSPHRASE);
      for (const secret of secretForms) expect(text, how).not.toContain(secret);
    }
    expect(aliceKey.fingerprint).toBe(alice.fingerprint);
    expect(aliceKey.keyIds).toHaveLength(2);
  });
});

describe("options and inputs", () => {
  it("an unknown decrypt option → invalid_options naming it", async () => {
    const armored = await encryptUtf8(alice.publicKeyArmored, "x");
    const bad = {
      privateKey: aliceKey,
      verifcationKeys: [signer.publicKeyArmored],
    } as unknown as DecryptWithKeyOptions;
    for (const attempt of [
      () => decryptUtf8(armored, bad),
      () => decryptBytes(armored, bad),
      () => decryptStream(new Blob([armored]).stream() as ReadableStream<Uint8Array>, bad),
    ]) {
      const error = await errorOf(attempt());
      expect(error.code).toBe("invalid_options");
      expect(error.message).toContain("verifcationKeys");
    }
    const noKey = await errorOf(decryptUtf8(armored, {} as DecryptWithKeyOptions));
    expect(noKey.code).toBe("invalid_options");
    expect(noKey.message).toContain("privateKey");
  });

  it("decryptStream refuses what is not a stream", async () => {
    for (const input of ["-----BEGIN PGP MESSAGE-----", new Uint8Array(4), 42, null]) {
      const error = await errorOf(
        decryptStream(input as unknown as ReadableStream<Uint8Array>, { privateKey: aliceKey }),
      );
      expect(error.code).toBe("invalid_options");
    }
  });

  it("not an OpenPGP message → decryption_failed", async () => {
    for (const input of [
      "hello",
      "-----BEGIN PGP MESSAGE-----\n\nAAAA\n-----END PGP MESSAGE-----\n",
    ]) {
      expect((await errorOf(decryptUtf8(input, { privateKey: aliceKey }))).code).toBe(
        "decryption_failed",
      );
    }
    expect(
      (await errorOf(decryptBytes(new Uint8Array([1, 2, 3]), { privateKey: aliceKey }))).code,
    ).toBe("decryption_failed");
  });

  it("decryptBytes reads armored bytes with CRLF line endings (as MIME delivers them)", async () => {
    const data = allByteValues(500, 13);
    const armored = new TextDecoder().decode(await encryptBytes(alice.publicKeyArmored, data));
    const crlf = new TextEncoder().encode(armored.replace(/\n/g, "\r\n"));
    expect((await decryptBytes(crlf, { privateKey: aliceKey })).data).toEqual(data);
  });

  it("armored bytes with a leading blank line decrypt like the same armored string does", async () => {
    const data = allByteValues(500, 17);
    const armored = new TextDecoder().decode(await encryptBytes(alice.publicKeyArmored, data));
    // The string form is accepted with leading white space...
    expect((await decryptBytes(`\r\n${armored}`, { privateKey: aliceKey })).data).toEqual(data);
    // ...and so must the same text handed over as bytes (gpg accepts both).
    const bytes = new TextEncoder().encode(`\r\n${armored}`);
    expect((await gpg.decrypt(bytes, { passphrase: PASSPHRASE })).exitCode).toBe(0);
    expect((await decryptBytes(bytes, { privateKey: aliceKey })).data).toEqual(data);
  });

  it("decryptUtf8 of bytes that are not UTF-8 → decryption_failed", async () => {
    const armored = new TextDecoder().decode(
      await encryptBytes(alice.publicKeyArmored, Uint8Array.of(0xff, 0xfe, 0x41)),
    );
    expect((await errorOf(decryptUtf8(armored, { privateKey: aliceKey }))).code).toBe(
      "decryption_failed",
    );
    expect((await decryptBytes(armored, { privateKey: aliceKey })).data).toEqual(
      Uint8Array.of(0xff, 0xfe, 0x41),
    );
  });

  it("decryptStream reads a Node Readable (Buffer chunks, split anywhere)", async () => {
    const data = allByteValues(200_000, 9);
    const armored = Buffer.from(
      await encryptBytes(alice.publicKeyArmored, data, { signingKey: signerKey }),
    );
    const chunks: Buffer[] = [];
    for (let at = 0; at < armored.length; at += 777) chunks.push(armored.subarray(at, at + 777));
    const { data: output, verification } = await decryptStream(Readable.from(chunks), {
      privateKey: aliceKey,
      verificationKeys: [signer.publicKeyArmored],
    });
    expect(new Uint8Array(await new Response(output).arrayBuffer())).toEqual(data);
    expect(await verification).toEqual({
      verification: "valid",
      signerFingerprint: signer.fingerprint,
      signerUserIds: ["Signer <signer@agents.test>"],
    });
  });
});

describe("encryptStream input forms", () => {
  it("a Node Readable of Buffers and a web stream encrypt to the same plaintext", async () => {
    const data = allByteValues(300_000, 19);
    const chunks: Buffer[] = [];
    for (let at = 0; at < data.length; at += 65_536)
      chunks.push(Buffer.from(data.subarray(at, at + 65_536)));
    for (const input of [
      Readable.from(chunks),
      new Blob([data]).stream() as ReadableStream<Uint8Array>,
    ]) {
      const armored = await encryptStream(alice.publicKeyArmored, input);
      const ciphertext = new Uint8Array(await new Response(armored).arrayBuffer());
      expect(new TextDecoder().decode(ciphertext.subarray(0, 27))).toBe(
        "-----BEGIN PGP MESSAGE-----",
      );
      expect((await decryptBytes(ciphertext, { privateKey: aliceKey })).data).toEqual(data);
    }
  });

  it("encryptStream refuses bytes and strings", async () => {
    for (const input of [new Uint8Array(3), "text", 42]) {
      const error = await errorOf(
        encryptStream(alice.publicKeyArmored, input as unknown as ReadableStream<Uint8Array>),
      );
      expect(error.code).toBe("invalid_options");
    }
  });
});

describe("hideRecipients", () => {
  it("writes wildcard key ids; gpg still decrypts (it tries every secret key) and so do we", async () => {
    const text = "for an anonymous recipient";
    const armored = await encryptUtf8(alice.publicKeyArmored, text, { hideRecipients: true });
    const packets = await gpg.listPackets(armored, { passphrase: PASSPHRASE });
    expect(packets).toMatch(/:pubkey enc packet: version 3, algo \d+, keyid 0000000000000000/);
    const aliceSubkeyIds = await gpg.subkeyIds(alice.fingerprint);
    for (const id of aliceSubkeyIds) expect(packets).not.toContain(`keyid ${id}`);
    const result = await gpg.decrypt(armored, { passphrase: PASSPHRASE });
    expect(result.stdout.toString("utf8")).toBe(text);
    expect(statusOf(result.stderr, "GOODMDC")).toBeDefined();
    expect((await decryptUtf8(armored, { privateKey: aliceKey })).text).toBe(text);
  });

  it("without it, the recipient's subkey id is in the clear", async () => {
    const armored = await encryptUtf8(alice.publicKeyArmored, "x");
    const packets = await gpg.listPackets(armored, { passphrase: PASSPHRASE });
    const [subkeyId] = await gpg.subkeyIds(alice.fingerprint);
    expect(packets).toContain(`keyid ${subkeyId}`);
    expect(packets).not.toContain("keyid 0000000000000000");
  });
});
