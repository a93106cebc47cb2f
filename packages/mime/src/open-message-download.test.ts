// openMessage with downloadDir: attachments land as files (exact bytes, restored names), signed
// parts are verified, a tampered part leaves no file (nor temporary file), an existing file is
// never replaced, and a sender's name can never point outside the directory.
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { encodeManifest, type MailDecryptor, OPENPGP_ARMORED } from "@assmbl/core";
import {
  type AgentPrivateKey,
  generateKeyPair,
  type KeyPairBundle,
  loadPrivateKey,
  openpgpCrypto,
} from "@assmbl/crypto";
import { handMime } from "@assmbl/testing/hand-mime";
import { errorOf, MAIL_DOMAIN, sampleBytes } from "@assmbl/testing/mailer";
import { tamperArmored } from "@assmbl/testing/openpgp-packets";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openMessage } from "./open-message.js";

const RECEIVER = `other-agent@${MAIL_DOMAIN}`;
const SENDER = `report-bot@${MAIL_DOMAIN}`;
let receiver: KeyPairBundle;
let sender: KeyPairBundle;
let key: AgentPrivateKey;
let signer: AgentPrivateKey;
let root: string;
let dir: string;

beforeAll(async () => {
  [receiver, sender] = await Promise.all([
    generateKeyPair({ name: "Other Agent", email: RECEIVER }),
    generateKeyPair({ name: "Report Bot", email: SENDER }),
  ]);
  [key, signer] = await Promise.all([
    loadPrivateKey(receiver.privateKeyArmored),
    loadPrivateKey(sender.privateKeyArmored),
  ]);
});
beforeEach(async () => {
  // The download directory sits inside its own parent, so that anything written beside it shows.
  root = await mkdtemp(join(tmpdir(), "agentmail-open-"));
  dir = join(root, "files");
  await mkdir(dir);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

async function encrypt(bytes: Uint8Array, sign = true): Promise<string> {
  const crypto = openpgpCrypto(sign ? { signingKey: signer } : {});
  const armored = await crypto.encryptAttachment(bytes, [
    { agentId: "other-agent", address: RECEIVER, publicKeyArmored: receiver.publicKeyArmored },
  ]);
  return new TextDecoder().decode(armored as Uint8Array);
}

interface Part {
  sent: string;
  original?: string;
  bytes: Uint8Array | string;
  encrypted: boolean;
}

/** A message whose manifest names each encrypted part's original name. */
function message(parts: Part[]): string {
  const manifest = encodeManifest(
    parts.map((part, index) => ({
      index,
      filename: part.sent,
      content_type: part.encrypted ? "application/pgp-encrypted" : "application/octet-stream",
      encrypted: part.encrypted,
      ...(part.encrypted ? { encryption: OPENPGP_ARMORED } : {}),
      ...(part.original === undefined ? {} : { original_filename: part.original }),
    })),
  );
  return handMime({
    headers: [
      `From: ${SENDER}`,
      `To: ${RECEIVER}`,
      "Subject: files",
      `X-AgentMail-Attachments: ${manifest}`,
    ],
    text: "see attached",
    attachments: parts.map((part) => ({
      filename: part.sent,
      contentType: part.encrypted ? "application/pgp-encrypted" : "application/octet-stream",
      bytes: part.bytes,
    })),
  });
}

describe("openMessage with downloadDir", () => {
  it("writes each attachment to a file: exact bytes, restored names, signatures checked", async () => {
    const pdf = sampleBytes(150_000, 3);
    const notes = sampleBytes(20_000, 4);
    const raw = message([
      {
        sent: "r\u00e9sum\u00e9.pdf.asc",
        original: "r\u00e9sum\u00e9 2026.pdf",
        bytes: await encrypt(pdf),
        encrypted: true,
      },
      { sent: "notes.bin", bytes: notes, encrypted: false },
    ]);
    const { attachments } = await openMessage(raw, {
      decryptWith: key,
      verifyWith: sender.publicKeyArmored,
      downloadDir: dir,
    });
    expect(attachments).toMatchObject([
      {
        filename: "r\u00e9sum\u00e9 2026.pdf",
        decrypted: true,
        bytes: null,
        size: pdf.length,
        path: join(dir, "r\u00e9sum\u00e9 2026.pdf"),
        verification: "valid",
      },
      {
        filename: "notes.bin",
        decrypted: false,
        bytes: null,
        size: notes.length,
        path: join(dir, "notes.bin"),
      },
    ]);
    expect(sha256(await readFile(join(dir, "r\u00e9sum\u00e9 2026.pdf")))).toBe(sha256(pdf));
    expect(sha256(await readFile(join(dir, "notes.bin")))).toBe(sha256(notes));
    expect((await readdir(dir)).sort()).toEqual(["notes.bin", "r\u00e9sum\u00e9 2026.pdf"]);
  });

  it("a part signed by someone else is reported invalid; unsigned parts say so", async () => {
    const raw = message([
      { sent: "a.txt.asc", bytes: await encrypt(sampleBytes(1_000, 1)), encrypted: true },
      { sent: "b.txt.asc", bytes: await encrypt(sampleBytes(1_000, 2), false), encrypted: true },
    ]);
    const { attachments } = await openMessage(raw, {
      decryptWith: key,
      verifyWith: receiver.publicKeyArmored,
      downloadDir: dir,
    });
    expect(attachments.map((a) => [a.path, a.verification])).toEqual([
      [join(dir, "a.txt"), "invalid"],
      [join(dir, "b.txt"), "unsigned"],
    ]);
  });

  it("a tampered part leaves no file and no temporary file behind, and carries its error", async () => {
    const good = sampleBytes(40_000, 5);
    const raw = message([
      {
        sent: "bad.bin.asc",
        bytes: tamperArmored(await encrypt(sampleBytes(80_000, 6))),
        encrypted: true,
      },
      { sent: "good.bin.asc", bytes: await encrypt(good), encrypted: true },
    ]);
    const { attachments } = await openMessage(raw, { decryptWith: key, downloadDir: dir });
    expect(attachments[0]).toMatchObject({
      decrypted: false,
      bytes: null,
      error: { code: "decryption_failed" },
    });
    expect(attachments[0]?.path).toBeUndefined();
    expect(attachments[1]).toMatchObject({ decrypted: true, path: join(dir, "good.bin") });
    expect(await readdir(dir)).toEqual(["good.bin"]);
  });

  it("past the plaintext budget a part leaves no file, and later encrypted parts are not tried", async () => {
    const raw = message([
      { sent: "one.bin.asc", bytes: await encrypt(sampleBytes(30_000, 1)), encrypted: true },
      { sent: "two.bin.asc", bytes: await encrypt(sampleBytes(30_000, 2)), encrypted: true },
      { sent: "plain.txt", bytes: "not encrypted", encrypted: false },
      { sent: "three.bin.asc", bytes: await encrypt(sampleBytes(10, 3)), encrypted: true },
    ]);
    const { attachments } = await openMessage(raw, {
      decryptWith: key,
      downloadDir: dir,
      maxPlaintextBytes: 50_000,
    });
    expect(attachments.map((a) => [a.path, a.error?.code])).toEqual([
      [join(dir, "one.bin"), undefined],
      [undefined, "plaintext_too_large"],
      [join(dir, "plain.txt"), undefined],
      [undefined, "plaintext_too_large"],
    ]);
    expect((await readdir(dir)).sort()).toEqual(["one.bin", "plain.txt"]);
  });

  it("never replaces an existing file: the same name is numbered, the old bytes stay", async () => {
    await writeFile(join(dir, "report.pdf"), "my own report");
    const first = sampleBytes(5_000, 7);
    const second = sampleBytes(6_000, 8);
    const raw = message([
      { sent: "report.pdf.asc", bytes: await encrypt(first), encrypted: true },
      { sent: "report.pdf.asc", bytes: await encrypt(second), encrypted: true },
    ]);
    const { attachments } = await openMessage(raw, { decryptWith: key, downloadDir: dir });
    expect(attachments.map((a) => a.path)).toEqual([
      join(dir, "report (1).pdf"),
      join(dir, "report (2).pdf"),
    ]);
    expect(await readFile(join(dir, "report.pdf"), "utf8")).toBe("my own report");
    expect(sha256(await readFile(join(dir, "report (2).pdf")))).toBe(sha256(second));
  });

  it("names that climb out of the directory or name a device are never used as paths", async () => {
    const raw = message([
      {
        sent: "../../escape.txt.asc",
        original: "../up.txt",
        bytes: await encrypt(sampleBytes(100, 1)),
        encrypted: true,
      },
      { sent: "..", bytes: "dots", encrypted: false },
      { sent: "nul.txt", bytes: "device", encrypted: false },
      { sent: "/etc/passwd", bytes: "absolute", encrypted: false },
    ]);
    const { attachments } = await openMessage(raw, { decryptWith: key, downloadDir: dir });
    const paths = attachments.map((a) => a.path ?? "");
    expect(paths.every((path) => dirname(path) === dir)).toBe(true);
    expect(await readdir(root)).toEqual(["files"]);
    expect((await readdir(dir)).length).toBe(4);
    expect(paths[0]).toBe(join(dir, "attachment-0"));
  });

  it("refuses, before reading anything, a decryptor without decryptInto and includeAttachments: false", async () => {
    const raw = message([
      { sent: "a.asc", bytes: await encrypt(sampleBytes(10, 1)), encrypted: true },
    ]);
    const bare: MailDecryptor = {
      specificationVersion: "v1",
      fingerprint: key.fingerprint,
      decryptText: (armored, options) => key.decryptText(armored, options),
      decryptBytes: (cipher, options) => key.decryptBytes(cipher, options),
    };
    expect(await errorOf(openMessage(raw, { decryptWith: bare, downloadDir: dir }))).toMatchObject({
      code: "invalid_options",
      message: expect.stringContaining("decryptInto"),
    });
    expect(
      await errorOf(
        openMessage(raw, { decryptWith: key, downloadDir: dir, includeAttachments: false }),
      ),
    ).toMatchObject({ code: "invalid_options" });
    expect(await errorOf(openMessage(raw, { downloadDir: join(dir, "missing") }))).toMatchObject({
      code: "invalid_options",
    });
    expect(await readdir(dir)).toEqual([]);
  });
});
