// Acceptance tests against the real GnuPG 2.2 (/usr/bin/gpg): what this package writes, gpg reads,
// and what gpg writes, this package reads (wire contract §3, §4, §6).
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  allByteValues,
  bytesOf,
  deterministicBytes,
  errorOf,
} from "@assmbl/testing/crypto-helpers";
import { type GpgHome, statusOf } from "@assmbl/testing/gpg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decryptBytes, decryptStream, decryptUtf8 } from "./decrypt.js";
import { encryptBytes, encryptStream, encryptUtf8 } from "./encrypt.js";
import { assertRecipientKey, inspectPublicKey } from "./key-policy.js";
import { generateKeyPair, type KeyPairBundle } from "./keys.js";
import { loadPrivateKey } from "./private-key.js";
import { createFastGpgHome } from "./testing/gpg-home.js";

const ECC_PASSPHRASE = "correct horse battery staple (ecc)";

const TEXTS: readonly (readonly [string, string])[] = [
  ["LF lines", "Task 42: the numbers are in.\nSecond line\n"],
  ["CRLF lines", "Task 42: the numbers are in.\r\nSecond line\r\n"],
  ["mixed CRLF, LF and a lone CR", "a\r\nb\nc\rd\r\n\r\n"],
  ["non-ASCII", "Grüße aus Köln – naïve café, 東京, Ελληνικά, ½ € ß"],
  ["emoji", "ship it 🚀 👩🏽‍💻 🇩🇪 (astral plane + ZWJ sequences)"],
  ["empty string", ""],
];

let gpg: GpgHome;
/** Our keys, made by generateKeyPair and imported (private) into gpg. */
const ours: Record<"ecc" | "rsa4096", KeyPairBundle> = {} as never;
const passphraseOf = (type: "ecc" | "rsa4096") => (type === "ecc" ? ECC_PASSPHRASE : undefined);
/** Keys made by gpg. */
let gpgEd: { fpr: string; pub: string };
let gpgRsa: { fpr: string; pub: string };

beforeAll(async () => {
  // The agent's S2K count at its minimum: every gpg decryption with the passphrase-protected ECC
  // key, and every load of a key gpg exported with a passphrase, would otherwise pay ~100 ms.
  gpg = await createFastGpgHome();
  const [ecc, rsa] = await Promise.all([
    generateKeyPair({
      name: "ECC Agent",
      email: "ecc-agent@agents.test",
      passphrase: ECC_PASSPHRASE,
    }),
    generateKeyPair({ name: "RSA Agent", email: "rsa-agent@agents.test", type: "rsa4096" }),
  ]);
  ours.ecc = ecc;
  ours.rsa4096 = rsa;
  await gpg.importKey(ecc.privateKeyArmored, ECC_PASSPHRASE);
  await gpg.importKey(rsa.privateKeyArmored);
  const edFpr = await gpg.generateKey("GPG Ed <gpg-ed@gpg.test>", "future-default", "default");
  // `rsa4096 default` gives a cert+sign primary only (no encryption key): add an RSA encryption
  // subkey, the shape of gpg's interactive "RSA and RSA" default.
  const rsaFpr = await gpg.generateKey("GPG RSA <gpg-rsa@gpg.test>", "rsa4096", "sign");
  await gpg.addSubkey(rsaFpr, "rsa4096", "encr");
  gpgEd = { fpr: edFpr, pub: await gpg.exportPublic(edFpr) };
  gpgRsa = { fpr: rsaFpr, pub: await gpg.exportPublic(rsaFpr) };
}, 180_000);

afterAll(async () => {
  await gpg?.cleanup();
});

const utf8 = (text: string) => Buffer.from(text, "utf8");
// GnuPG 2.2 writes 't' and 'u' literal data out without any CR (0x0D), to stdout and to --output.
const withoutCR = (text: string) => text.replaceAll("\r", "");

describe("what gpg 2.2 does with the text of 'u' literal data (measured)", () => {
  it("drops every CR, LF-paired or lone, on --decrypt to stdout and with --output; the rest is byte-exact", async () => {
    const text = "CRLF\r\nLF\nlone CR\rCR CR LF\r\r\ntrailing  \r\nGrüße 🚀\r";
    const armored = await encryptUtf8(ours.rsa4096.publicKeyArmored, text);
    const packets = await gpg.listPackets(armored);
    expect(packets).toMatch(/mode u \(75\)/);
    const expected = "CRLF\nLF\nlone CRCR CR LF\ntrailing  \nGrüße 🚀";
    const toStdout = await gpg.decrypt(armored);
    expect(toStdout.stdout.toString("utf8")).toBe(expected);
    const file = join(gpg.dir, "u-literal.out");
    await gpg.run(["--output", file, "--decrypt"], { input: armored });
    expect((await readFile(file)).toString("utf8")).toBe(expected);
    // Binary literal data ('b', attachments) keeps every CR.
    const bytes = await encryptBytes(ours.rsa4096.publicKeyArmored, utf8(text));
    expect((await gpg.decrypt(bytes)).stdout.toString("utf8")).toBe(text);
  });
});

describe.each(["ecc", "rsa4096"] as const)("our ciphertext, gpg decrypts (%s key)", (type) => {
  it.each(TEXTS)(
    "encryptUtf8: %s comes back as sent, less its carriage returns (gpg's 'u' output)",
    async (_label, text) => {
      const armored = await encryptUtf8(ours[type].publicKeyArmored, text);
      expect(armored.startsWith("-----BEGIN PGP MESSAGE-----\n")).toBe(true);
      const result = await gpg.decrypt(armored, { passphrase: passphraseOf(type) });
      expect(result.stdout.toString("hex")).toBe(utf8(withoutCR(text)).toString("hex"));
      expect(statusOf(result.stderr, "GOODMDC")).toBeDefined();
    },
  );

  it("encryptBytes: all 256 byte values and random bytes come back exactly", async () => {
    const data = allByteValues(100_000, type === "ecc" ? 1 : 2);
    const armored = await encryptBytes(ours[type].publicKeyArmored, data);
    expect(new TextDecoder().decode(armored.subarray(0, 27))).toBe("-----BEGIN PGP MESSAGE-----");
    const result = await gpg.decrypt(armored, { passphrase: passphraseOf(type) });
    expect(result.stdout.length).toBe(data.length);
    expect(bytesOf(result.stdout)).toEqual(data);
  });

  it("encryptBytes: an empty buffer stays empty", async () => {
    const armored = await encryptBytes(ours[type].publicKeyArmored, new Uint8Array(0));
    const result = await gpg.decrypt(armored, { passphrase: passphraseOf(type) });
    expect(result.exitCode).toBe(0);
    expect(result.stdout.length).toBe(0);
  });

  it.each(TEXTS)(
    "signed encryptUtf8 (%s): gpg reports GOODSIG and VALIDSIG for the signer",
    async (_label, text) => {
      const signerType = type === "ecc" ? "rsa4096" : "ecc";
      const signer = ours[signerType];
      const signingKey = await loadPrivateKey(signer.privateKeyArmored, passphraseOf(signerType));
      const armored = await encryptUtf8(ours[type].publicKeyArmored, text, { signingKey });
      const result = await gpg.decrypt(armored, { passphrase: passphraseOf(type) });
      expect.soft(result.stdout.toString("hex")).toBe(utf8(withoutCR(text)).toString("hex"));
      expect(statusOf(result.stderr, "GOODSIG")).toBeDefined();
      expect(statusOf(result.stderr, "BADSIG")).toBeUndefined();
      // VALIDSIG <signing key fpr> ... <primary key fpr>
      const validsig = statusOf(result.stderr, "VALIDSIG");
      expect(validsig?.at(-1)).toBe(signer.fingerprint.toUpperCase());
    },
  );

  it("signed encryptBytes: gpg reports a good signature and the exact bytes", async () => {
    const signingKey = await loadPrivateKey(ours.ecc.privateKeyArmored, ECC_PASSPHRASE);
    const data = allByteValues(20_000, 3);
    const armored = await encryptBytes(ours[type].publicKeyArmored, data, { signingKey });
    const result = await gpg.decrypt(armored, { passphrase: passphraseOf(type) });
    expect(bytesOf(result.stdout)).toEqual(data);
    expect(statusOf(result.stderr, "GOODSIG")?.[1]).toBe(
      ours.ecc.fingerprint.slice(-16).toUpperCase(),
    );
  });

  it("the profile gpg sees: PKESK to our subkey, SEIPD with MDC, AES-256, no compression", async () => {
    const signingKey = await loadPrivateKey(ours.ecc.privateKeyArmored, ECC_PASSPHRASE);
    for (const options of [{}, { signingKey }]) {
      const armored = await encryptUtf8(ours[type].publicKeyArmored, "profile check", options);
      // No Version: or Comment: armor headers (hardenedConfig).
      expect(armored.split("\n")[1]).toBe("");
      const packets = await gpg.listPackets(armored, { passphrase: passphraseOf(type) });
      const subkeyIds = await gpg.subkeyIds(ours[type].fingerprint);
      expect(packets).toMatch(/^:pubkey enc packet: version 3, algo \d+, keyid ([0-9A-F]{16})$/m);
      const keyid = packets.match(
        /:pubkey enc packet: version 3, algo \d+, keyid ([0-9A-F]{16})/,
      )?.[1];
      expect(subkeyIds).toContain(keyid);
      expect(packets).toContain(":encrypted data packet:");
      expect(packets).toMatch(/^\s*mdc_method: 2$/m);
      expect(packets).not.toContain(":aead encrypted packet:");
      expect(packets).not.toContain(":symkey enc packet:");
      expect(packets).not.toContain(":compressed packet:");
      // Text is UTF-8 literal data (mode u), as PGPy writes it.
      expect(packets).toMatch(/:literal data packet:\n\s+mode u \(75\)/);
      if ("signingKey" in options) {
        expect(packets).toContain(":onepass_sig packet:");
        expect(packets).toContain(":signature packet:");
      }
      const result = await gpg.decrypt(armored, { passphrase: passphraseOf(type) });
      // DECRYPTION_INFO <mdc_method> <sym algo> <aead algo>: MDC, AES-256 (9), no AEAD.
      expect(statusOf(result.stderr, "DECRYPTION_INFO")?.slice(1)).toEqual(["2", "9", "0"]);
    }
  });
});

describe("gpg's ciphertext, we decrypt", () => {
  it.each(TEXTS)(
    "gpg-encrypted and signed text (%s) → decryptUtf8, valid signature",
    async (_l, text) => {
      const armored = await gpg.encrypt(ours.ecc.fingerprint, text, { sign: gpgEd.fpr });
      const result = await decryptUtf8(armored.toString("utf8"), {
        privateKey: ours.ecc.privateKeyArmored,
        passphrase: ECC_PASSPHRASE,
        verificationKeys: [gpgEd.pub],
      });
      expect(result.text).toBe(text);
      expect(result.verification).toBe("valid");
      expect(result.signerFingerprint).toBe(gpgEd.fpr.toLowerCase());
    },
  );

  it("gpg-encrypted, unsigned text → decryptUtf8 reports unsigned", async () => {
    const armored = await gpg.encrypt(ours.rsa4096.fingerprint, "plain gpg message\r\n");
    const result = await decryptUtf8(armored.toString("utf8"), {
      privateKey: ours.rsa4096.privateKeyArmored,
      verificationKeys: [gpgEd.pub],
    });
    expect(result.text).toBe("plain gpg message\r\n");
    expect(result.verification).toBe("unsigned");
    expect(result.signerFingerprint).toBeUndefined();
  });

  it.each([
    ["armored", true],
    ["binary", false],
  ] as const)(
    "gpg-encrypted and RSA-signed bytes (%s) → decryptBytes, exact bytes",
    async (_l, armor) => {
      const data = allByteValues(50_000, 11);
      const ciphertext = await gpg.encrypt(ours.rsa4096.fingerprint, data, {
        sign: gpgRsa.fpr,
        armor,
      });
      const result = await decryptBytes(armor ? ciphertext.toString("utf8") : bytesOf(ciphertext), {
        privateKey: await loadPrivateKey(ours.rsa4096.privateKeyArmored),
        verificationKeys: gpgRsa.pub,
        expectSigned: true,
      });
      expect(result.data).toEqual(data);
      expect(result.verification).toBe("valid");
      expect(result.signerFingerprint).toBe(gpgRsa.fpr.toLowerCase());
    },
  );

  it("gpg's default compression (ZLIB) decrypts too", async () => {
    const data = new TextEncoder().encode("compressible ".repeat(5000));
    const armored = await gpg.encrypt(ours.ecc.fingerprint, data, {
      sign: gpgEd.fpr,
      compress: "zlib",
    });
    expect(await gpg.listPackets(armored, { passphrase: ECC_PASSPHRASE })).toContain(
      ":compressed packet:",
    );
    const result = await decryptBytes(armored, {
      privateKey: ours.ecc.privateKeyArmored,
      passphrase: ECC_PASSPHRASE,
      verificationKeys: [gpgEd.pub],
    });
    expect(result.data).toEqual(data);
    expect(result.verification).toBe("valid");
  });

  it("a gpg signature checked against the wrong key is invalid, not valid", async () => {
    const armored = await gpg.encrypt(ours.ecc.fingerprint, "who signed this?", {
      sign: gpgEd.fpr,
    });
    const result = await decryptUtf8(armored.toString("utf8"), {
      privateKey: ours.ecc.privateKeyArmored,
      passphrase: ECC_PASSPHRASE,
      verificationKeys: [gpgRsa.pub],
    });
    expect(result.verification).toBe("invalid");
    expect(result.signerFingerprint).toBeUndefined();
    expect(result.claimedSignerFingerprint).toBe(gpgEd.fpr.toLowerCase());
  });
});

describe("private keys made by gpg, exported and loaded here", () => {
  const GPG_PASSPHRASE = "gpg-side passphrase";
  let protectedFpr: string;
  let protectedSecret: string;

  beforeAll(async () => {
    protectedFpr = await gpg.generateKey(
      "GPG Secret <gpg-secret@gpg.test>",
      "future-default",
      "default",
      "never",
      { passphrase: GPG_PASSPHRASE },
    );
    protectedSecret = await gpg.exportSecret(protectedFpr, GPG_PASSPHRASE);
  }, 60_000);

  it("a passphrase-protected gpg key loads (and refuses a wrong passphrase)", async () => {
    expect(protectedSecret).toContain("-----BEGIN PGP PRIVATE KEY BLOCK-----");
    const key = await loadPrivateKey(protectedSecret, GPG_PASSPHRASE);
    expect(key.fingerprint).toBe(protectedFpr.toLowerCase());
    expect((await errorOf(loadPrivateKey(protectedSecret, "wrong"))).code).toBe("bad_passphrase");
    expect((await errorOf(loadPrivateKey(protectedSecret))).code).toBe("bad_passphrase");
  });

  it("it decrypts what gpg encrypted and signed to it", async () => {
    const text = "from gpg to a gpg key, read by us\r\n";
    const armored = await gpg.encrypt(protectedFpr, text, { sign: gpgEd.fpr });
    const result = await decryptUtf8(armored.toString("utf8"), {
      privateKey: protectedSecret,
      passphrase: GPG_PASSPHRASE,
      verificationKeys: [gpgEd.pub],
      expectSigned: true,
    });
    expect(result).toEqual({
      text,
      verification: "valid",
      signerFingerprint: gpgEd.fpr.toLowerCase(),
      signerUserIds: expect.any(Array),
    });
  });

  it("it signs messages gpg verifies (GOODSIG, VALIDSIG of its primary key)", async () => {
    const signingKey = await loadPrivateKey(protectedSecret, GPG_PASSPHRASE);
    const data = allByteValues(1000, 21);
    const armored = await encryptBytes(ours.rsa4096.publicKeyArmored, data, { signingKey });
    const result = await gpg.decrypt(armored);
    expect(bytesOf(result.stdout)).toEqual(data);
    expect(statusOf(result.stderr, "GOODSIG")).toBeDefined();
    expect(statusOf(result.stderr, "VALIDSIG")?.at(-1)).toBe(protectedFpr);
  });

  it("an unprotected gpg RSA-4096 key decrypts gpg's RSA ciphertext", async () => {
    const secret = await gpg.exportSecret(gpgRsa.fpr);
    const key = await loadPrivateKey(secret);
    expect(key.fingerprint).toBe(gpgRsa.fpr.toLowerCase());
    const armored = await gpg.encrypt(gpgRsa.fpr, "rsa to rsa", { sign: gpgRsa.fpr });
    const result = await key.decryptText(armored.toString("utf8"), {
      verificationKeys: [gpgRsa.pub],
    });
    expect(result).toEqual({
      text: "rsa to rsa",
      verification: "valid",
      signerFingerprint: gpgRsa.fpr.toLowerCase(),
      signerUserIds: expect.any(Array),
    });
  });
});

describe("keys made by gpg as recipients", () => {
  it.each([
    ["ed25519+cv25519", () => gpgEd, "eddsaLegacy/ed25519Legacy"],
    ["rsa4096", () => gpgRsa, "rsaEncryptSign/4096"],
  ] as const)(
    "%s: encryptUtf8 → gpg decrypts; inspectPublicKey reports it",
    async (_l, key, algorithm) => {
      const { fpr, pub } = key();
      const text = "to a gpg key: Grüße 🚀";
      const armored = await encryptUtf8(pub, text);
      const result = await gpg.decrypt(armored);
      expect(result.stdout.toString("utf8")).toBe(text);
      expect(statusOf(result.stderr, "DECRYPTION_INFO")?.slice(1)).toEqual(["2", "9", "0"]);
      const report = await inspectPublicKey(pub);
      expect(report.fingerprint).toBe(fpr.toLowerCase());
      expect(report.algorithm).toBe(algorithm);
      expect(report.canEncrypt).toBe(true);
      expect(report.revoked).toBe(false);
      expect(report.expiresAt).toBeNull();
      expect(report.weak).toBe(false);
      expect(report.weakReasons).toEqual([]);
      expect((await assertRecipientKey(pub)).getFingerprint()).toBe(fpr.toLowerCase());
    },
  );

  it("one message to several recipients: each of gpg's keys and ours can decrypt it", async () => {
    const text = "for three readers";
    const armored = await encryptUtf8([gpgEd.pub, gpgRsa.pub, ours.ecc.publicKeyArmored], text);
    const packets = await gpg.run(["--list-packets"], { input: armored, allowFailure: true });
    expect(packets.stdout.toString("utf8").match(/:pubkey enc packet:/g)).toHaveLength(3);
    expect((await gpg.decrypt(armored)).stdout.toString("utf8")).toBe(text);
    const ourResult = await decryptUtf8(armored, {
      privateKey: ours.ecc.privateKeyArmored,
      passphrase: ECC_PASSPHRASE,
    });
    expect(ourResult.text).toBe(text);
  });
});

describe("recipient policy on keys gpg revoked, expired or made sign-only", () => {
  let revoked: { fpr: string; pub: string };
  let expired: { fpr: string; pub: string };
  let signOnly: { fpr: string; pub: string };

  beforeAll(async () => {
    const revokedFpr = await gpg.generateKey("Revoked <revoked@gpg.test>");
    const before = await gpg.exportPublic(revokedFpr);
    // Sanity: the same key before revocation is acceptable.
    await expect(assertRecipientKey(before)).resolves.toBeDefined();
    revoked = { fpr: revokedFpr, pub: await gpg.revoke(revokedFpr) };
    const expiredFpr = await gpg.generateKey(
      "Expired <expired@gpg.test>",
      "future-default",
      "default",
      "1d",
      { extraArgs: ["--faked-system-time", "20200101T000000!"] },
    );
    expired = { fpr: expiredFpr, pub: await gpg.exportPublic(expiredFpr) };
    const signOnlyFpr = await gpg.generateKey(
      "Sign Only <sign-only@gpg.test>",
      "ed25519",
      "sign",
      "never",
    );
    signOnly = { fpr: signOnlyFpr, pub: await gpg.exportPublic(signOnlyFpr) };
  }, 60_000);

  it("gpg's own view agrees: revoked (r), expired (e), no encryption capability", async () => {
    // The `pub` row: field 2 is the validity, field 12 the key's overall capabilities.
    const pubRow = async (fpr: string) =>
      (await gpg.run(["--with-colons", "--list-keys", fpr])).stdout
        .toString("utf8")
        .split("\n")
        .find((line) => line.startsWith("pub:"))
        ?.split(":") ?? [];
    expect((await pubRow(revoked.fpr))[1]).toBe("r");
    expect((await pubRow(expired.fpr))[1]).toBe("e");
    const signOnlyRow = await pubRow(signOnly.fpr);
    expect(signOnlyRow[1]).toBe("u");
    expect(signOnlyRow[11]).toMatch(/^[scSC]+$/);
  });

  it("revoked → peer_key_revoked; inspectPublicKey: revoked", async () => {
    expect((await errorOf(encryptUtf8(revoked.pub, "x"))).code).toBe("peer_key_revoked");
    expect((await errorOf(encryptBytes(revoked.pub, new Uint8Array(4)))).code).toBe(
      "peer_key_revoked",
    );
    const error = await errorOf(assertRecipientKey(revoked.pub));
    expect(error.code).toBe("peer_key_revoked");
    expect(error.message).toContain(revoked.fpr.toLowerCase());
    const report = await inspectPublicKey(revoked.pub);
    expect(report.revoked).toBe(true);
    expect(report.canEncrypt).toBe(false);
    expect(report.fingerprint).toBe(revoked.fpr.toLowerCase());
  });

  it("expired → peer_key_expired; inspectPublicKey: expiresAt in the past", async () => {
    expect((await errorOf(encryptUtf8(expired.pub, "x"))).code).toBe("peer_key_expired");
    expect((await errorOf(assertRecipientKey(expired.pub))).code).toBe("peer_key_expired");
    const report = await inspectPublicKey(expired.pub);
    expect(report.expiresAt).toEqual(new Date("2020-01-02T00:00:00Z"));
    expect(report.revoked).toBe(false);
    expect(report.canEncrypt).toBe(false);
    // Judged at a time when it was still valid, the same key is accepted.
    await expect(
      assertRecipientKey(expired.pub, new Date("2020-01-01T12:00:00Z")),
    ).resolves.toBeDefined();
  });

  it("sign-only → peer_key_unusable; inspectPublicKey: canEncrypt false", async () => {
    expect((await errorOf(encryptUtf8(signOnly.pub, "x"))).code).toBe("peer_key_unusable");
    expect((await errorOf(assertRecipientKey(signOnly.pub))).code).toBe("peer_key_unusable");
    const report = await inspectPublicKey(signOnly.pub);
    expect(report.canEncrypt).toBe(false);
    expect(report.revoked).toBe(false);
    expect(report.expiresAt).toBeNull();
    expect(report.weak).toBe(false);
  });

  it("one bad key among good recipients fails the whole encryption", async () => {
    expect((await errorOf(encryptUtf8([gpgEd.pub, revoked.pub], "x"))).code).toBe(
      "peer_key_revoked",
    );
  });
});

const MIB = 1024 * 1024;
const CHUNK = 64 * 1024;

/** `totalBytes` deterministic bytes in 64 KiB chunks, made as they are read; hashes them. */
function generatedStream(totalBytes: number, seed: number) {
  const next = deterministicBytes(seed);
  const hash = createHash("sha256");
  let produced = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (produced >= totalBytes) {
        controller.close();
        return;
      }
      const chunk = next(Math.min(CHUNK, totalBytes - produced));
      produced += chunk.length;
      hash.update(chunk);
      controller.enqueue(chunk);
    },
  });
  return { stream, digest: () => hash.digest("hex"), produced: () => produced };
}

async function hashStream(stream: ReadableStream<Uint8Array>) {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest("hex"), bytes };
}

describe("a multi-MiB attachment through the stream API", () => {
  it("encryptStream → decryptStream and → gpg: both give back the same SHA-256", async () => {
    // The size is not the point (nothing here measures memory: encrypt-backpressure.test.ts and
    // bench/stream-memory.mjs do): 4 MiB is 64 input chunks, so the streamed packets, the armor
    // and both readers cross many chunk boundaries. 64 MiB took 3 s alone, 20 s under load.
    const total = 4 * MIB;
    const input = generatedStream(total, 0xc0ffee);
    const signingKey = await loadPrivateKey(ours.rsa4096.privateKeyArmored);
    const ciphertext = await encryptStream(ours.ecc.publicKeyArmored, input.stream, { signingKey });
    const [forUs, forGpg] = ciphertext.tee();
    const [gpgResult, ourResult] = await Promise.all([
      gpg.decryptStreamToHash(forGpg, { passphrase: ECC_PASSPHRASE }),
      (async () => {
        const { data, verification } = await decryptStream(forUs, {
          privateKey: await loadPrivateKey(ours.ecc.privateKeyArmored, ECC_PASSPHRASE),
          verificationKeys: [ours.rsa4096.publicKeyArmored],
          expectSigned: true,
        });
        const hashed = await hashStream(data);
        return { ...hashed, verification: await verification };
      })(),
    ]);
    expect(input.produced()).toBe(total);
    const expected = input.digest();
    expect(ourResult.bytes).toBe(total);
    expect(ourResult.sha256).toBe(expected);
    expect(ourResult.verification).toEqual({
      verification: "valid",
      signerFingerprint: ours.rsa4096.fingerprint,
      signerUserIds: expect.any(Array),
    });
    expect(gpgResult.exitCode).toBe(0);
    expect(gpgResult.bytes).toBe(total);
    expect(gpgResult.sha256).toBe(expected);
    expect(statusOf(gpgResult.stderr, "GOODSIG")).toBeDefined();
    expect(statusOf(gpgResult.stderr, "DECRYPTION_INFO")?.slice(1)).toEqual(["2", "9", "0"]);
  });
});
