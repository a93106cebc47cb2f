import { Limits } from "@assmbl/core";
import { errorOf } from "@assmbl/testing/crypto-helpers";
import type { GpgHome } from "@assmbl/testing/gpg";
import { generateKey } from "openpgp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encryptUtf8 } from "./encrypt.js";
import { ParsedKeyCache, sha256Hex } from "./key-cache.js";
import { assertRecipientKey, inspectPublicKey, parsePublicKey } from "./key-policy.js";
import { generateKeyPair, type KeyPairBundle } from "./keys.js";
import { createFastGpgHome } from "./testing/gpg-home.js";

let gpg: GpgHome;
let good: KeyPairBundle;
/** gpg-made keys that break policy, each with an encryption-capable subkey so weakness is the only fault. */
const weak: Record<"rsa1024" | "dsaElgamal" | "sha1", { fpr: string; pub: string }> = {} as never;
let goodGpg: { fpr: string; pub: string };

beforeAll(async () => {
  gpg = await createFastGpgHome();
  good = await generateKeyPair({ name: "Good", email: "good@agents.test" });

  const rsa1024 = await gpg.generateKey("RSA 1024 <rsa1024@gpg.test>", "rsa1024", "sign");
  await gpg.addSubkey(rsa1024, "rsa1024", "encr");
  weak.rsa1024 = { fpr: rsa1024, pub: await gpg.exportPublic(rsa1024) };

  // `dsa2048 default never` makes a DSA primary only; the ElGamal subkey is added separately.
  const dsa = await gpg.generateKey("DSA ElGamal <dsa@gpg.test>", "dsa2048", "sign");
  await gpg.addSubkey(dsa, "elg2048", "encr");
  weak.dsaElgamal = { fpr: dsa, pub: await gpg.exportPublic(dsa) };

  // --cert-digest-algo SHA1 makes gpg 2.2.40 self-sign the user id and bind the subkey with SHA-1.
  const sha1Args = ["--cert-digest-algo", "SHA1"];
  const sha1 = await gpg.generateKey("SHA1 Sigs <sha1@gpg.test>", "ed25519", "sign", "never", {
    extraArgs: sha1Args,
  });
  await gpg.addSubkey(sha1, "cv25519", "encr", "never", { extraArgs: sha1Args });
  weak.sha1 = { fpr: sha1, pub: await gpg.exportPublic(sha1) };

  const ok = await gpg.generateKey("Good GPG <good@gpg.test>", "future-default", "default");
  goodGpg = { fpr: ok, pub: await gpg.exportPublic(ok) };
}, 120_000);

afterAll(async () => {
  await gpg?.cleanup();
});

describe("parsePublicKey", () => {
  it("parses once per distinct armored text: the same text gives the same object", async () => {
    const first = await parsePublicKey(good.publicKeyArmored);
    const second = await parsePublicKey(good.publicKeyArmored);
    expect(second).toBe(first);
    expect(first.getFingerprint()).toBe(good.fingerprint);
    // A different text of the same key is parsed on its own.
    const variant = await parsePublicKey(`${good.publicKeyArmored}\n`);
    expect(variant).not.toBe(first);
    expect(variant.getFingerprint()).toBe(good.fingerprint);
  });

  it("concurrent calls for one new text share one parsed key", async () => {
    const fresh = await generateKeyPair({ name: "Fresh", email: "fresh@agents.test" });
    const results = await Promise.all(
      Array.from({ length: 8 }, () => parsePublicKey(fresh.publicKeyArmored)),
    );
    for (const result of results) expect(result).toBe(results[0]);
  });

  it("key_too_large past 64 KiB, before any parsing", async () => {
    const padding = "A".repeat(Limits.armoredKeyBytes);
    const huge = `-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n${padding}\n-----END PGP PUBLIC KEY BLOCK-----\n`;
    expect(huge.length).toBeGreaterThan(64 * 1024);
    const error = await errorOf(parsePublicKey(huge));
    expect(error.code).toBe("key_too_large");
    expect(error.message).toContain(String(64 * 1024));
    expect((await errorOf(assertRecipientKey(huge))).code).toBe("key_too_large");
    expect((await errorOf(inspectPublicKey(huge))).code).toBe("key_too_large");
    expect((await errorOf(encryptUtf8(huge, "x"))).code).toBe("key_too_large");
  });

  it("a real key padded to just over the limit is refused, one at the limit is not", async () => {
    const [head, ...rest] = good.publicKeyArmored.split("\n");
    const filler = (n: number) => `${head}\nComment: ${"x".repeat(n)}\n${rest.join("\n")}`;
    const base = filler(0).length;
    const atLimit = filler(Limits.armoredKeyBytes - base);
    expect(atLimit.length).toBe(Limits.armoredKeyBytes);
    expect((await parsePublicKey(atLimit)).getFingerprint()).toBe(good.fingerprint);
    const overLimit = filler(Limits.armoredKeyBytes - base + 1);
    expect((await errorOf(parsePublicKey(overLimit))).code).toBe("key_too_large");
  });

  it.each([
    ["garbage", "hello, I am not a key"],
    ["an empty string", ""],
    ["truncated armor", "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBF\n"],
    [
      "armor with a corrupt body",
      "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAAAAAAAAAAAAAA\n-----END PGP PUBLIC KEY BLOCK-----\n",
    ],
  ])("invalid_public_key for %s", async (_label, text) => {
    expect((await errorOf(parsePublicKey(text))).code).toBe("invalid_public_key");
    expect((await errorOf(encryptUtf8(text, "x"))).code).toBe("invalid_public_key");
  });

  it("invalid_public_key for a message block and for non-strings", async () => {
    const message = await encryptUtf8(good.publicKeyArmored, "not a key");
    expect((await errorOf(parsePublicKey(message))).code).toBe("invalid_public_key");
    for (const value of [undefined, null, 42, { armored: good.publicKeyArmored }]) {
      expect((await errorOf(parsePublicKey(value as unknown as string))).code).toBe(
        "invalid_public_key",
      );
    }
  });

  it("invalid_public_key for a private key block, or secret-key packets under a public label, and its text never reaches the error", async () => {
    const lines = good.privateKeyArmored
      .split("\n")
      .filter((line) => line.length > 20 && !line.startsWith("-----"));
    expect(lines.length).toBeGreaterThan(3);
    // The same secret-key packets under a PUBLIC KEY BLOCK label: openpgp.js reads a private key.
    const relabeled = good.privateKeyArmored.replaceAll("PRIVATE KEY BLOCK", "PUBLIC KEY BLOCK");
    for (const attempt of [
      () => parsePublicKey(good.privateKeyArmored),
      () => assertRecipientKey(good.privateKeyArmored),
      () => inspectPublicKey(good.privateKeyArmored),
      () => encryptUtf8(good.privateKeyArmored, "x"),
      () => encryptUtf8([good.publicKeyArmored, good.privateKeyArmored], "x"),
      () => parsePublicKey(relabeled),
      () => inspectPublicKey(relabeled),
      () => encryptUtf8(relabeled, "x"),
    ]) {
      const error = await errorOf(attempt());
      expect(error.code).toBe("invalid_public_key");
      const shown = [error.message, String(error), JSON.stringify(error), error.stack ?? ""].join(
        "\n",
      );
      for (const line of lines) expect(shown).not.toContain(line);
    }
  });

  it("a failed parse is not cached: the same bad text fails again, a good one still parses", async () => {
    const bad =
      "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot base64 !!\n-----END PGP PUBLIC KEY BLOCK-----\n";
    const first = await errorOf(parsePublicKey(bad));
    const second = await errorOf(parsePublicKey(bad));
    expect(first.code).toBe("invalid_public_key");
    expect(second.code).toBe("invalid_public_key");
    // Not one shared rejected promise handed out twice.
    expect(second).not.toBe(first);
  });
});

describe("ParsedKeyCache", () => {
  function counting() {
    const calls: string[] = [];
    const parse = async (text: string) => {
      calls.push(text);
      return { parsed: text };
    };
    return { calls, parse };
  }

  it("concurrent requests for one text share one parse", async () => {
    const cache = new ParsedKeyCache<{ parsed: string }>(4);
    const { calls, parse } = counting();
    const results = await Promise.all([
      cache.get("k", parse),
      cache.get("k", parse),
      cache.get("k", parse),
    ]);
    expect(calls).toEqual(["k"]);
    expect(results[1]).toBe(results[0]);
    expect(results[2]).toBe(results[0]);
    expect(cache.size).toBe(1);
  });

  it("evicts the least recently used entry past its bound", async () => {
    const cache = new ParsedKeyCache<{ parsed: string }>(2);
    const { calls, parse } = counting();
    const a = await cache.get("a", parse);
    await cache.get("b", parse);
    // Touch "a": "b" is now the least recently used.
    expect(await cache.get("a", parse)).toBe(a);
    await cache.get("c", parse);
    expect(cache.size).toBe(2);
    expect(calls).toEqual(["a", "b", "c"]);
    // "a" and "c" are still cached; "b" was evicted and is parsed again.
    expect(await cache.get("a", parse)).toBe(a);
    await cache.get("c", parse);
    expect(calls).toEqual(["a", "b", "c"]);
    await cache.get("b", parse);
    expect(calls).toEqual(["a", "b", "c", "b"]);
    expect(cache.size).toBe(2);
  });

  it("never holds more than its bound", async () => {
    const cache = new ParsedKeyCache<{ parsed: string }>(3);
    const { parse } = counting();
    for (let i = 0; i < 20; i++) await cache.get(`key-${i}`, parse);
    expect(cache.size).toBe(3);
  });

  it("does not cache failures", async () => {
    const cache = new ParsedKeyCache<string>(4);
    let attempts = 0;
    const flaky = async (text: string) => {
      attempts++;
      if (attempts === 1) throw new Error("first parse fails");
      return `ok:${text}`;
    };
    await expect(cache.get("k", flaky)).rejects.toThrow("first parse fails");
    expect(cache.size).toBe(0);
    expect(await cache.get("k", flaky)).toBe("ok:k");
    expect(attempts).toBe(2);
    expect(await cache.get("k", flaky)).toBe("ok:k");
    expect(attempts).toBe(2);
    expect(cache.size).toBe(1);
  });

  it("keys entries by the SHA-256 of the text", async () => {
    expect(await sha256Hex("abc")).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    expect(await sha256Hex(new Uint8Array([0x61, 0x62, 0x63]))).toBe(await sha256Hex("abc"));
  });
});

describe("weak keys → peer_key_weak", () => {
  it("gpg's view: every weak key has an encryption-capable subkey", async () => {
    for (const { fpr } of Object.values(weak)) {
      const { stdout } = await gpg.run(["--with-colons", "--list-keys", fpr]);
      expect(stdout.toString("utf8")).toMatch(
        /^sub:[^:]*:[^:]*:[^:]*:[^:]*:[^:]*:[^:]*:[^:]*:[^:]*:[^:]*:[^:]*:e:/m,
      );
    }
  });

  it.each([
    ["RSA-1024 (gpg rsa1024)", "rsa1024", /RSA-1024/],
    ["DSA + ElGamal (gpg dsa2048 + elg2048)", "dsaElgamal", /uses dsa.*uses elgamal/],
    ["SHA-1 self-signatures (gpg --cert-digest-algo SHA1)", "sha1", /SHA-1/],
  ] as const)("%s", async (_label, which, reason) => {
    const { fpr, pub } = weak[which];
    const error = await errorOf(assertRecipientKey(pub));
    expect(error.code).toBe("peer_key_weak");
    expect(error.message).toContain(fpr.toLowerCase());
    expect(error.message).toMatch(reason);
    expect((await errorOf(encryptUtf8(pub, "x"))).code).toBe("peer_key_weak");
    expect((await errorOf(encryptUtf8([goodGpg.pub, pub], "x"))).code).toBe("peer_key_weak");
    const report = await inspectPublicKey(pub);
    expect(report.fingerprint).toBe(fpr.toLowerCase());
    expect(report.weak).toBe(true);
    expect(report.weakReasons.join("; ")).toMatch(reason);
    expect(report.canEncrypt).toBe(false);
    expect(report.revoked).toBe(false);
  });

  it("RSA-1024 made by openpgp.js → peer_key_weak", async () => {
    const { publicKey } = await generateKey({
      type: "rsa",
      rsaBits: 1024,
      userIDs: [{ name: "Small", email: "small@agents.test" }],
      config: { minRSABits: 1024 },
    });
    const error = await errorOf(assertRecipientKey(publicKey));
    expect(error.code).toBe("peer_key_weak");
    expect(error.message).toMatch(/RSA-1024/);
    const report = await inspectPublicKey(publicKey);
    expect(report.algorithm).toBe("rsaEncryptSign/1024");
    expect(report.weakReasons.length).toBeGreaterThanOrEqual(1);
  });

  it("the control: a sound gpg key passes the same checks", async () => {
    expect((await assertRecipientKey(goodGpg.pub)).getFingerprint()).toBe(
      goodGpg.fpr.toLowerCase(),
    );
    const report = await inspectPublicKey(goodGpg.pub);
    expect(report).toMatchObject({
      weak: false,
      weakReasons: [],
      canEncrypt: true,
      revoked: false,
    });
  });
});
