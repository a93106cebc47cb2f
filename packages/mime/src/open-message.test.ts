// openMessage on MIME written by transport-ses's composer (what the SDK sends through SES) and on
// hand-built MIME (other senders), cross-checked with Python's email parser; encrypted parts are
// made by @assmbl/crypto and by GnuPG 2.2.
import {
  type EncryptionRecipient,
  encodeManifest,
  type MailMessage,
  type PreparedMessage,
} from "@assmbl/core";
import { generateKeyPair, type KeyPairBundle, loadPrivateKey, openpgpCrypto } from "@assmbl/crypto";
// Test harnesses of sibling packages, by source path (they are not published).
import { createGpgHome, type GpgHome } from "@assmbl/testing/gpg";
import { handMime } from "@assmbl/testing/hand-mime";
import {
  errorOf,
  MAIL_DOMAIN,
  mapDirectory,
  prepare,
  sampleBytes,
  utf8,
} from "@assmbl/testing/mailer";
import { tamperArmored } from "@assmbl/testing/openpgp-packets";
import { parseWithPython } from "@assmbl/testing/python";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeMime } from "./compose.js";
import { openMessage } from "./open-message.js";

const PEER = `other-agent@${MAIL_DOMAIN}`;
const SENDER = `report-bot@${MAIL_DOMAIN}`;
let receiver: KeyPairBundle;
let sender: KeyPairBundle;
let stranger: KeyPairBundle;
let gpg: GpgHome;

beforeAll(async () => {
  [receiver, sender, stranger] = await Promise.all([
    generateKeyPair({ name: "Other Agent", email: PEER }),
    generateKeyPair({ name: "Report Bot", email: SENDER }),
    generateKeyPair({ name: "Stranger", email: "stranger@elsewhere.example" }),
  ]);
  gpg = await createGpgHome();
});
afterAll(async () => {
  await gpg?.cleanup();
});

const recipientsOf = (bundle: KeyPairBundle): EncryptionRecipient[] => [
  {
    agentId: "other-agent",
    address: PEER,
    publicKeyArmored: bundle.publicKeyArmored,
  },
];

async function raw(prepared: PreparedMessage): Promise<Uint8Array> {
  return (await composeMime(prepared)).raw;
}

/** The message of the end-to-end tests: encrypted body, one encrypted and one plain attachment. */
async function mixedMessage(
  options: { sign?: boolean } = {},
): Promise<{ raw: Uint8Array; pdf: Uint8Array }> {
  const signingKey = options.sign ? await loadPrivateKey(sender.privateKeyArmored) : undefined;
  const crypto = openpgpCrypto(signingKey ? { signingKey } : {});
  const pdf = sampleBytes(30_000, 3);
  const cipher = (await crypto.encryptAttachment(pdf, recipientsOf(receiver))) as Uint8Array;
  const message: MailMessage = {
    to: PEER,
    subject: "Encrypted task \u2713",
    text: "Task 42: the numbers are in. \u00e9\u00e8",
    attachments: [
      {
        filename: "r\u00e9sum\u00e9 2026.pdf.asc",
        content: cipher,
        encrypted: true,
        originalFilename: "r\u00e9sum\u00e9 2026.pdf",
        originalContentType: "application/pdf",
      },
      { filename: "notes.txt", content: "plain notes\n" },
    ],
    encrypt: { body: true, attachments: false },
    correlationId: "corr-42",
    headers: { "X-Workflow-Name": "nightly \u00fcber" },
  };
  const prepared = await prepare(message, {
    crypto,
    keys: { "other-agent": receiver.publicKeyArmored },
  });
  return { raw: await raw(prepared), pdf };
}

describe("openMessage on the SDK's own MIME", () => {
  it("a plain message: addressing, headers, body and attachments as Python reads them", async () => {
    const bytes = sampleBytes(5_000);
    const mime = await raw(
      await prepare({
        to: PEER,
        subject: "Caf\u00e9 report",
        text: "Line one\nLine two",
        headers: { "X-Workflow-Name": "nightly" },
        correlationId: "corr-1",
        attachments: [
          {
            filename: "data \u4e2d\u6587.bin",
            content: bytes,
            contentType: "application/octet-stream",
          },
          { filename: "readme.txt", content: "hello" },
        ],
      }),
    );
    const message = await openMessage(mime);
    const python = await parseWithPython(mime);
    expect(python.defects).toEqual([]);
    expect(message).toMatchObject({
      sender: SENDER,
      senderVerified: false,
      subject: "Caf\u00e9 report",
      encrypted: false,
      bodyText: "Line one\nLine two\n",
    });
    expect(message.id).toMatch(/^[0-9a-f-]{36}@agents\.example\.com$/);
    expect(message.headers["x-workflow-name"]).toBe("nightly");
    expect(message.headers["x-agentmail-correlation-id"]).toBe("corr-1");
    expect(message.bodyTextDecrypted).toBeUndefined();
    expect(message.verification).toBeUndefined();
    const pyAttachments = python.parts.filter((part) => part.disposition === "attachment");
    expect(message.attachments.map((a) => a.filename)).toEqual(
      pyAttachments.map((p) => p.filename),
    );
    expect(message.attachments.map((a) => Buffer.from(a.bytes ?? []).toString("base64"))).toEqual(
      pyAttachments.map((p) => p.payloadBase64),
    );
    expect(message.attachments).toEqual([
      {
        index: 0,
        filename: "data \u4e2d\u6587.bin",
        contentType: "application/octet-stream",
        size: 5_000,
        status: "ready",
        encrypted: false,
        decrypted: false,
        bytes,
      },
      expect.objectContaining({
        index: 1,
        filename: "readme.txt",
        contentType: "text/plain; charset=utf-8",
        size: 5,
      }),
    ]);
  });

  it("encrypted body and attachment: flagged, and left as ciphertext without a key", async () => {
    const { raw: mime } = await mixedMessage();
    const message = await openMessage(mime);
    expect(message.encrypted).toBe(true);
    expect(message.bodyText).toMatch(/^-----BEGIN PGP MESSAGE-----/);
    expect(message.bodyTextDecrypted).toBeUndefined();
    expect(message.bodyError).toBeUndefined();
    expect(
      message.attachments.map((a) => [a.filename, a.contentType, a.encrypted, a.decrypted]),
    ).toEqual([
      ["r\u00e9sum\u00e9 2026.pdf.asc", "application/pgp-encrypted", true, false],
      ["notes.txt", "text/plain; charset=utf-8", false, false],
    ]);
    expect(utf8(message.attachments[0]?.bytes)).toMatch(/^-----BEGIN PGP MESSAGE-----/);
    expect(message.headers["x-workflow-name"]).toBe("nightly \u00fcber");
  });

  it("with the receiver's key: body and attachment decrypted, name and type restored", async () => {
    const { raw: mime, pdf } = await mixedMessage();
    const message = await openMessage(mime, {
      decryptWith: await loadPrivateKey(receiver.privateKeyArmored),
    });
    expect(message.bodyTextDecrypted).toBe("Task 42: the numbers are in. \u00e9\u00e8");
    expect(message.verification).toBe("unsigned");
    const [report, notes] = message.attachments;
    expect(report).toEqual({
      index: 0,
      filename: "r\u00e9sum\u00e9 2026.pdf",
      contentType: "application/pdf",
      size: pdf.length,
      status: "ready",
      encrypted: true,
      decrypted: true,
      bytes: pdf,
      verification: "unsigned",
    });
    expect(notes).toMatchObject({ filename: "notes.txt", encrypted: false, decrypted: false });
    expect(utf8(notes?.bytes)).toBe("plain notes\n");
  });

  it("with another key: no plaintext, the body and the attachment carry decryption_failed", async () => {
    const { raw: mime } = await mixedMessage();
    const message = await openMessage(mime, {
      decryptWith: await loadPrivateKey(stranger.privateKeyArmored),
    });
    expect(message.bodyTextDecrypted).toBeUndefined();
    expect(message.bodyError?.code).toBe("decryption_failed");
    const [report] = message.attachments;
    expect(report).toMatchObject({
      filename: "r\u00e9sum\u00e9 2026.pdf.asc",
      encrypted: true,
      decrypted: false,
    });
    expect(report?.error?.code).toBe("decryption_failed");
    expect(utf8(report?.bytes)).toMatch(/^-----BEGIN PGP MESSAGE-----/);
  });

  it("signed: valid with the sender's key (given, or from a directory), invalid with another", async () => {
    const { raw: mime } = await mixedMessage({ sign: true });
    const decryptWith = await loadPrivateKey(receiver.privateKeyArmored);
    const valid = await openMessage(mime, { decryptWith, verifyWith: sender.publicKeyArmored });
    expect(valid.verification).toBe("valid");
    expect(valid.attachments[0]?.verification).toBe("valid");
    const invalid = await openMessage(mime, {
      decryptWith,
      verifyWith: [stranger.publicKeyArmored],
    });
    expect(invalid.verification).toBe("invalid");
    expect(invalid.bodyTextDecrypted).toBe("Task 42: the numbers are in. \u00e9\u00e8");
    expect((await openMessage(mime, { decryptWith })).verification).toBe("unverified");

    const directory = mapDirectory({ "report-bot": sender.publicKeyArmored });
    const looked = await openMessage(mime, {
      decryptWith,
      verifyWith: directory,
      mailDomain: MAIL_DOMAIN,
    });
    expect(looked.verification).toBe("valid");
    expect(directory.lookups).toEqual(["report-bot"]);
    // A sender the directory does not know cannot be vouched for: unverified, not a failure.
    const unknown = await openMessage(mime, {
      decryptWith,
      verifyWith: mapDirectory({}),
      mailDomain: MAIL_DOMAIN,
    });
    expect(unknown.verification).toBe("unverified");
    const noDomain = await errorOf(openMessage(mime, { decryptWith, verifyWith: directory }));
    expect(noDomain.code).toBe("invalid_options");
  });

  it("a body that fails its integrity check yields no plaintext and an error", async () => {
    const { raw: mime } = await mixedMessage();
    const text = new TextDecoder().decode(mime);
    const armored =
      /-----BEGIN PGP MESSAGE-----[\s\S]*?-----END PGP MESSAGE-----\r?\n/.exec(text)?.[0] ?? "";
    const tampered = text.replace(armored, tamperArmored(armored).replace(/\n/g, "\r\n"));
    expect(tampered).not.toBe(text);
    const message = await openMessage(tampered, {
      decryptWith: await loadPrivateKey(receiver.privateKeyArmored),
    });
    expect(message.encrypted).toBe(true);
    expect(message.bodyTextDecrypted).toBeUndefined();
    expect(message.verification).toBeUndefined();
    expect(message.bodyError?.code).toBe("decryption_failed");
    // The attachment, untouched, still decrypts.
    expect(message.attachments[0]?.decrypted).toBe(true);
  });
});

describe("openMessage on hand-built MIME", () => {
  it("a tampered encrypted attachment keeps its ciphertext and carries the error", async () => {
    const crypto = openpgpCrypto();
    const armored =
      utf8(
        (await crypto.encryptAttachment(sampleBytes(2_000), recipientsOf(receiver))) as Uint8Array,
      ) ?? "";
    const bad = tamperArmored(armored);
    const mime = handMime({
      headers: [
        `From: Someone <${SENDER}>`,
        `To: ${PEER}`,
        "Subject: files",
        "Message-ID: <hand-1@x.example>",
      ],
      text: "two files",
      attachments: [
        { filename: "good.bin.asc", contentType: "application/pgp-encrypted", bytes: armored },
        { filename: "bad.bin.asc", contentType: "application/pgp-encrypted", bytes: bad },
      ],
    });
    expect((await parseWithPython(Buffer.from(mime))).defects).toEqual([]);
    const message = await openMessage(mime, {
      decryptWith: await loadPrivateKey(receiver.privateKeyArmored),
    });
    expect(message.id).toBe("hand-1@x.example");
    expect(message.encrypted).toBe(false);
    const [good, tampered] = message.attachments;
    // No manifest: the type says encrypted, ".asc" is stripped, the plaintext type is unknown.
    expect(good).toMatchObject({
      filename: "good.bin",
      contentType: "application/octet-stream",
      decrypted: true,
      size: 2_000,
    });
    expect(tampered).toMatchObject({
      filename: "bad.bin.asc",
      contentType: "application/pgp-encrypted",
      encrypted: true,
      decrypted: false,
    });
    expect(tampered?.error?.code).toBe("decryption_failed");
    expect(utf8(tampered?.bytes)).toBe(bad);
  });

  it("a gpg-encrypted and gpg-signed body with X-AgentMail-Encrypted: body opens, decrypts and verifies", async () => {
    await gpg.importKey(receiver.publicKeyArmored);
    const signer = await gpg.generateKey(
      "GPG Sender <gpg-sender@partner.example>",
      "ed25519",
      "sign",
    );
    const signerKey = await gpg.exportPublic(signer);
    const body = "Hello from GnuPG 2.2 \u2713\nSecond line.";
    const armored = (await gpg.encrypt(PEER, body, { sign: signer })).toString("utf8");
    const mime = handMime({
      headers: [
        "From: GPG Sender <gpg-sender@partner.example>",
        `To: ${PEER}`,
        "Subject: =?utf-8?q?gpg_=E2=9C=93?=",
        "X-AgentMail-Encrypted: body",
      ],
      text: armored,
    });
    const python = await parseWithPython(Buffer.from(mime));
    expect(python.defects).toEqual([]);
    const decryptWith = await loadPrivateKey(receiver.privateKeyArmored);
    const message = await openMessage(mime, { decryptWith, verifyWith: signerKey });
    expect(message).toMatchObject({
      sender: "gpg-sender@partner.example",
      subject: "gpg \u2713",
      encrypted: true,
      bodyTextDecrypted: body,
      verification: "valid",
    });
    expect(message.bodyText.trim()).toBe(python.parts[0]?.text?.replace(/\r\n/g, "\n").trim());
    expect(
      (await openMessage(mime, { decryptWith, verifyWith: sender.publicKeyArmored })).verification,
    ).toBe("invalid");
  });

  it("an armored body without the header is detected as encrypted (spec §7)", async () => {
    await gpg.importKey(receiver.publicKeyArmored);
    const armored = (await gpg.encrypt(PEER, "forgot the header")).toString("utf8");
    const mime = handMime({
      headers: [`From: ${SENDER}`, `To: ${PEER}`, "Subject: x"],
      text: armored,
    });
    const message = await openMessage(Buffer.from(mime), {
      decryptWith: await loadPrivateKey(receiver.privateKeyArmored),
    });
    expect([message.encrypted, message.bodyTextDecrypted]).toEqual([true, "forgot the header"]);
    // Clear text around an armored block is not "one armored message": not encrypted.
    const mixed = await openMessage(
      handMime({ headers: [`From: ${SENDER}`, "Subject: x"], text: `see below\n${armored}` }),
    );
    expect(mixed.encrypted).toBe(false);
  });

  it("an original_filename that is a path is not restored: the wire name without .asc is", async () => {
    const crypto = openpgpCrypto();
    const armored =
      utf8(
        (await crypto.encryptAttachment(sampleBytes(100), recipientsOf(receiver))) as Uint8Array,
      ) ?? "";
    const manifest = encodeManifest([
      {
        index: 0,
        filename: "report.pdf.asc",
        content_type: "application/pgp-encrypted",
        encrypted: true,
        encryption: { algorithm: "openpgp", format: "armored" },
        original_filename: "../../.bashrc",
        original_content_type: "application/pdf",
      },
    ]);
    const mime = handMime({
      headers: [`From: ${SENDER}`, "Subject: x", `X-AgentMail-Attachments: ${manifest}`],
      text: "hi",
      attachments: [
        { filename: "report.pdf.asc", contentType: "application/pgp-encrypted", bytes: armored },
      ],
    });
    const message = await openMessage(mime, {
      decryptWith: await loadPrivateKey(receiver.privateKeyArmored),
    });
    expect(message.attachments[0]).toMatchObject({
      filename: "report.pdf",
      contentType: "application/pdf",
      decrypted: true,
    });
  });

  it("restored names are base names and restored types media types, whatever the sender wrote", async () => {
    const crypto = openpgpCrypto();
    const armored = async (seed: number) =>
      utf8(
        (await crypto.encryptAttachment(
          sampleBytes(50, seed),
          recipientsOf(receiver),
        )) as Uint8Array,
      ) ?? "";
    const row = (index: number, filename: string, extra: Record<string, string>) => ({
      index,
      filename,
      content_type: "application/pgp-encrypted",
      encrypted: true,
      encryption: { algorithm: "openpgp", format: "armored" },
      ...extra,
    });
    // Parts 0-2 have manifest rows; parts 3-4 have none (their MIME type says encrypted).
    const manifest = encodeManifest([
      row(0, "a.pdf.asc", {
        original_filename: "..",
        original_content_type: "text/html\r\nBcc: e@x.example",
      }),
      row(1, "b.asc", { original_filename: "b\u0007.txt", original_content_type: "not a type" }),
      row(2, "c.asc", { original_content_type: "text/plain; charset=utf-8" }),
      {
        index: 5,
        filename: "plain.txt",
        content_type: "text/plain\r\nX-Evil: 1",
        encrypted: false,
      },
    ] as never);
    const mime = handMime({
      headers: [`From: ${SENDER}`, "Subject: names", `X-AgentMail-Attachments: ${manifest}`],
      text: "hi",
      attachments: [
        {
          filename: "a.pdf.asc",
          contentType: "application/pgp-encrypted",
          bytes: await armored(1),
        },
        { filename: "b.asc", contentType: "application/pgp-encrypted", bytes: await armored(2) },
        { filename: "..asc", contentType: "application/pgp-encrypted", bytes: await armored(3) },
        {
          filename: "../../x.asc",
          contentType: "application/pgp-encrypted",
          bytes: await armored(4),
        },
        {
          // A quoted-string escapes "\\": the part's name is ..\\evil.asc, with one backslash.
          filename: "..\\\\evil.asc",
          contentType: "application/pgp-encrypted",
          bytes: await armored(5),
        },
        { filename: "plain.txt", contentType: "text/plain", bytes: "plain" },
      ],
    });
    expect((await parseWithPython(Buffer.from(mime))).defects).toEqual([]);
    const decryptWith = await loadPrivateKey(receiver.privateKeyArmored);
    const message = await openMessage(mime, { decryptWith });
    expect(message.attachments.map((a) => [a.filename, a.contentType, a.decrypted])).toEqual([
      // original_filename ".." is refused: the wire name without .asc.
      ["a.pdf", "application/octet-stream", true],
      // A control character is refused, so is a type that is not a media type.
      ["b", "application/octet-stream", true],
      // Without .asc the wire name is "." : no base name, so attachment-<index>.
      ["attachment-2", "text/plain; charset=utf-8", true],
      // The sender's MIME names are paths: not restored.
      ["attachment-3", "application/octet-stream", true],
      ["attachment-4", "application/octet-stream", true],
      // Not decrypted: the name as sent; a manifest type with CR LF gives way to the part's type.
      ["plain.txt", "text/plain", false],
    ]);
    expect(message.attachments[3]?.bytes).toEqual(sampleBytes(50, 4));
    // Without a key nothing is restored: names are as sent, cut to their last path segment.
    const locked = await openMessage(mime);
    expect(locked.attachments.map((a) => a.filename)).toEqual([
      "a.pdf.asc",
      "b.asc",
      "..asc",
      "x.asc",
      "evil.asc",
      "plain.txt",
    ]);
  });

  it("a manifest that does not parse is ignored: content types decide", async () => {
    const mime = handMime({
      headers: [`From: ${SENDER}`, "Subject: x", "X-AgentMail-Attachments: [not json"],
      text: "hi",
      attachments: [{ filename: "a.txt", contentType: "text/plain", bytes: "a" }],
    });
    const message = await openMessage(mime);
    expect(message.attachments).toMatchObject([
      { filename: "a.txt", contentType: "text/plain", encrypted: false },
    ]);
  });

  it("includeAttachments: false lists attachments without bytes", async () => {
    const { raw: mime } = await mixedMessage();
    const message = await openMessage(mime, {
      decryptWith: await loadPrivateKey(receiver.privateKeyArmored),
      includeAttachments: false,
    });
    expect(message.bodyTextDecrypted).toBeDefined();
    expect(message.attachments.map((a) => [a.filename, a.bytes, a.decrypted])).toEqual([
      ["r\u00e9sum\u00e9 2026.pdf.asc", null, false],
      ["notes.txt", null, false],
    ]);
  });
});

describe("openMessage input", () => {
  it("rejects unknown options by name, and what is not a decryptor or a message", async () => {
    const unknown = await errorOf(
      openMessage("From: a@x.example\r\n\r\nhi", { decryptWth: {} } as never),
    );
    expect(unknown.code).toBe("invalid_options");
    expect(unknown.message).toMatch(/unknown option "decryptWth"/);
    const notKey = await errorOf(
      openMessage("From: a@x.example\r\n\r\nhi", { decryptWith: "armored key" as never }),
    );
    expect(notKey.message).toMatch(/decryptWith is invalid \(expected a MailDecryptor/);
    const notArmored = await errorOf(
      openMessage("From: a@x.example\r\n\r\nhi", { verifyWith: "key" }),
    );
    expect(notArmored.message).toMatch(/verifyWith/);
    expect((await errorOf(openMessage("" as never))).code).toBe("invalid_message");
    expect((await errorOf(openMessage({} as never))).code).toBe("invalid_message");
  });
});
