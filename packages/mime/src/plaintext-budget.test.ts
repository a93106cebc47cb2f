// One plaintext budget per received message, parts decrypted one after another: compression
// bombs made by GnuPG (zlib, bzip2) fill the budget once, and every later encrypted part fails
// with plaintext_too_large without being decrypted.
import {
  type DecryptOptions,
  encodeManifest,
  Limits,
  type MailDecryptor,
  OPENPGP_ARMORED,
} from "@assmbl/core";
import { generateKeyPair, type KeyPairBundle, loadPrivateKey, openpgpCrypto } from "@assmbl/crypto";
import { createGpgHome, type GpgHome } from "@assmbl/testing/gpg";
import { handMime } from "@assmbl/testing/hand-mime";
import { rssGrowthDuring } from "@assmbl/testing/hostile-server";
import { errorOf, MAIL_DOMAIN, sampleBytes } from "@assmbl/testing/mailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openMessage } from "./open-message.js";

const RECEIVER = `other-agent@${MAIL_DOMAIN}`;
const MiB = 1024 * 1024;
let receiver: KeyPairBundle;
let gpg: GpgHome;

beforeAll(async () => {
  receiver = await generateKeyPair({ name: "Other Agent", email: RECEIVER });
  gpg = await createGpgHome();
  await gpg.importKey(receiver.publicKeyArmored);
});
afterAll(async () => {
  await gpg?.cleanup();
});

/** `size` zero bytes, encrypted by gpg with `algo` compression: a few KB that inflate to `size`. */
async function bomb(size: number, algo: "zlib" | "bzip2"): Promise<string> {
  const armored = await gpg.encrypt(RECEIVER, new Uint8Array(size), { compress: algo });
  return armored.toString("utf8");
}

/** The receiver's key, recording each decryption and how many ran at once. */
async function recordingKey() {
  const key = await loadPrivateKey(receiver.privateKeyArmored);
  const calls: { kind: string; maxPlaintextBytes: number | undefined }[] = [];
  let running = 0;
  let mostAtOnce = 0;
  const track = async <T>(
    kind: string,
    options: DecryptOptions | undefined,
    run: () => Promise<T>,
  ) => {
    calls.push({ kind, maxPlaintextBytes: options?.maxPlaintextBytes });
    running += 1;
    mostAtOnce = Math.max(mostAtOnce, running);
    try {
      return await run();
    } finally {
      running -= 1;
    }
  };
  const decryptor: MailDecryptor = {
    specificationVersion: "v1",
    fingerprint: key.fingerprint,
    decryptText: (armored, options) =>
      track("text", options, () => key.decryptText(armored, options)),
    decryptBytes: (cipher, options) =>
      track("bytes", options, () => key.decryptBytes(cipher, options)),
  };
  return { decryptor, calls, mostAtOnce: () => mostAtOnce };
}

function message(body: string, encryptedBody: boolean, parts: string[]): string {
  const manifest = encodeManifest(
    parts.map((_, index) => ({
      index,
      filename: `part-${index}.bin.asc`,
      content_type: "application/pgp-encrypted",
      encrypted: true,
      encryption: OPENPGP_ARMORED,
    })),
  );
  return handMime({
    headers: [
      `From: report-bot@${MAIL_DOMAIN}`,
      `To: ${RECEIVER}`,
      "Subject: bombs",
      ...(encryptedBody ? ["X-AgentMail-Encrypted: body"] : []),
      `X-AgentMail-Attachments: ${manifest}`,
    ],
    text: body,
    attachments: parts.map((cipher, index) => ({
      filename: `part-${index}.bin.asc`,
      contentType: "application/pgp-encrypted",
      bytes: cipher,
    })),
  });
}

describe("the plaintext budget of a message", () => {
  it("zlib bombs: the body, then the first bomb fit; the next fails, the rest are never decrypted; memory stays bounded", async () => {
    const cipher = await bomb(24 * MiB, "zlib");
    expect(cipher.length).toBeLessThan(200_000);
    const body = new TextDecoder().decode(
      (await openpgpCrypto().encryptAttachment(new TextEncoder().encode("the task"), [
        { agentId: "other-agent", address: RECEIVER, publicKeyArmored: receiver.publicKeyArmored },
      ])) as Uint8Array,
    );
    const raw = message(body, true, [cipher, cipher, cipher, cipher, cipher, cipher]);
    const { decryptor, calls, mostAtOnce } = await recordingKey();
    const { value: read, growthBytes } = await rssGrowthDuring(() =>
      openMessage(raw, { decryptWith: decryptor, maxPlaintextBytes: 32 * MiB }),
    );
    if (!read) throw new Error("openMessage failed");

    expect(read.bodyTextDecrypted).toBe("the task");
    expect(read.attachments[0]).toMatchObject({ decrypted: true, size: 24 * MiB });
    for (const attachment of read.attachments.slice(1)) {
      expect(attachment).toMatchObject({
        decrypted: false,
        bytes: new TextEncoder().encode(cipher),
        error: { code: "plaintext_too_large" },
      });
    }
    expect(read.attachments[2]?.error?.message).toContain("used up by attachment 1");
    // The body and two parts were decrypted, one at a time, each told what was left.
    expect(calls.map((c) => c.kind)).toEqual(["text", "bytes", "bytes"]);
    expect(mostAtOnce()).toBe(1);
    expect(calls.map((c) => c.maxPlaintextBytes)).toEqual([32 * MiB, 32 * MiB - 8, 8 * MiB - 8]);
    // Measured with 48 MiB bombs: six at once peaked at ~620 MiB, one at a time ~160 MiB. Half
    // the size keeps the test quick on a loaded machine and the gap as wide: ~310 vs ~80 MiB.
    expect(growthBytes).toBeLessThan(200 * MiB);
  });

  it("bzip2 bombs: the budget stops them too", async () => {
    const cipher = await bomb(8 * MiB, "bzip2");
    const raw = message("plain body", false, [cipher, cipher, cipher]);
    const { decryptor, calls } = await recordingKey();
    const read = await openMessage(raw, { decryptWith: decryptor, maxPlaintextBytes: 10 * MiB });
    expect(read.attachments.map((a) => a.error?.code ?? "ok")).toEqual([
      "ok",
      "plaintext_too_large",
      "plaintext_too_large",
    ]);
    expect(calls.length).toBe(2);
  });

  it("defaults to the message's ciphertext bytes plus Limits.plaintextExpansionBytes", async () => {
    const encrypt = async (bytes: Uint8Array) =>
      new TextDecoder().decode(
        (await openpgpCrypto().encryptAttachment(bytes, [
          {
            agentId: "other-agent",
            address: RECEIVER,
            publicKeyArmored: receiver.publicKeyArmored,
          },
        ])) as Uint8Array,
      );
    const parts = [await encrypt(sampleBytes(3_000, 1)), await encrypt(sampleBytes(5_000, 2))];
    const { decryptor, calls } = await recordingKey();
    const read = await openMessage(message("plain", false, parts), { decryptWith: decryptor });
    expect(read.attachments.map((a) => a.decrypted)).toEqual([true, true]);
    const total = parts.join("").length + Limits.plaintextExpansionBytes;
    expect(calls.map((c) => c.maxPlaintextBytes)).toEqual([total, total - 3_000]);
  });

  it("maxPlaintextBytes must be a positive integer", async () => {
    for (const bad of [0, -1, 1.5, "1000"]) {
      expect(
        await errorOf(openMessage(message("x", false, []), { maxPlaintextBytes: bad as number })),
      ).toMatchObject({
        code: "invalid_options",
        message: expect.stringContaining("maxPlaintextBytes"),
      });
    }
  });
});
