// fetchMessage against the dev server: downloadDir (bytes through the download route, written
// as files), and messages the platform delivers by reference (empty MIME parts): read into
// memory up to the cap, else attachment_too_large naming downloadDir.
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMailer, type MailDecryptor } from "@assmbl/core";
import {
  type AgentPrivateKey,
  generateKeyPair,
  type KeyPairBundle,
  loadPrivateKey,
  openpgpCrypto,
} from "@assmbl/crypto";
import { type DevServer, startDevServer } from "@assmbl/dev-server";
import { createDirectory } from "@assmbl/directory";
import { parseMime } from "@assmbl/mime";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type AgentMailClient, createAgentMailClient } from "./client.js";
import { errorOf, sampleBytes } from "./testing/fixtures.js";
import { findBySubject, MAIL_DOMAIN, RECEIVER, SENDER } from "./testing/platform.js";
import { apiTransport } from "./transport.js";

const pdf = sampleBytes(120_000, 11);
const csv = sampleBytes(90_000, 12);
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

let server: DevServer;
let receiverKey: AgentPrivateKey;
let senderKeys: KeyPairBundle;
let inbox: AgentMailClient;
let send: (subject: string) => Promise<string>;
let dir: string;

beforeAll(async () => {
  // Any message with attachments is over 1 KiB: every one is delivered by reference.
  server = await startDevServer({
    mailDomain: MAIL_DOMAIN,
    agents: [{ agentId: "report-bot" }, { agentId: "other-agent" }],
    inlineMessageBytes: 1024,
  });
  const tokens = [
    server.agents["report-bot"]?.token ?? "",
    server.agents["other-agent"]?.token ?? "",
  ];
  const keys = await Promise.all([
    generateKeyPair({ name: "Report Bot", email: SENDER }),
    generateKeyPair({ name: "Other Agent", email: RECEIVER }),
  ]);
  for (const [i, token] of tokens.entries()) {
    const bundle = keys[i] as KeyPairBundle;
    await createDirectory({ baseUrl: server.url, token }).register({
      publicKey: bundle.directoryPublicKeyPem,
      algorithm: bundle.algorithm,
      keyVersion: 1,
      ifMatchVersion: null,
      openpgpPublicKey: bundle.publicKeyArmored,
    });
  }
  senderKeys = keys[0] as KeyPairBundle;
  receiverKey = await loadPrivateKey((keys[1] as KeyPairBundle).privateKeyArmored);
  const mailer = createMailer(apiTransport({ baseUrl: server.url, token: tokens[0] ?? "" }), {
    from: SENDER,
    mailDomain: MAIL_DOMAIN,
    directory: createDirectory({ baseUrl: server.url }),
    crypto: openpgpCrypto({ signingKey: await loadPrivateKey(senderKeys.privateKeyArmored) }),
  });
  inbox = createAgentMailClient({
    baseUrl: server.url,
    token: tokens[1] ?? "",
    mailDomain: MAIL_DOMAIN,
  });
  send = async (subject) => {
    await mailer.send({
      to: RECEIVER,
      subject,
      text: "files attached",
      attachments: [
        { filename: "q3 report.pdf", content: pdf, contentType: "application/pdf" },
        { filename: "data.csv", content: csv, contentType: "text/csv" },
      ],
      encrypt: { body: true, attachments: true },
    });
    return findBySubject(inbox, subject);
  };
});
afterAll(async () => {
  await server?.stop();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "agentmail-fetch-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("fetchMessage of a message delivered by reference", () => {
  it("the platform sends empty parts and lists the real sizes", async () => {
    const stored = await inbox.getMessage(await send("by reference"));
    const parts = (await parseMime(stored.rawMime)).attachments;
    expect(parts.map((part) => part.bytes.length)).toEqual([0, 0]);
    // Ciphertext sizes: armored, so larger than the plaintext.
    expect(stored.attachments.every((a) => (a.size ?? 0) > csv.length)).toBe(true);
  });

  it("reads each part into memory through the download route, and decrypts it", async () => {
    const id = await send("in memory");
    server.requests.clear();
    const message = await inbox.fetchMessage(id, {
      decryptWith: receiverKey,
      verifyWith: senderKeys.publicKeyArmored,
    });
    expect(message.bodyTextDecrypted).toBe("files attached");
    expect(message.attachments).toMatchObject([
      { filename: "q3 report.pdf", decrypted: true, bytes: pdf, verification: "valid" },
      { filename: "data.csv", decrypted: true, bytes: csv, verification: "valid" },
    ]);
    expect(server.requests.count({ method: "POST", path: /\/attachments\/\d\/download$/ })).toBe(2);
  });

  it("a part over maxInMemoryAttachmentBytes keeps bytes: null with attachment_too_large naming downloadDir", async () => {
    const id = await send("too large");
    server.requests.clear();
    const message = await inbox.fetchMessage(id, {
      decryptWith: receiverKey,
      maxInMemoryAttachmentBytes: 150_000,
    });
    expect(message.attachments[0]).toMatchObject({
      bytes: null,
      decrypted: false,
      error: { code: "attachment_too_large", message: expect.stringContaining("downloadDir") },
    });
    expect(message.attachments[1]).toMatchObject({ decrypted: true, bytes: csv });
    // Only the part that fits was downloaded.
    expect(server.requests.count({ method: "POST", path: /\/attachments\/0\/download$/ })).toBe(0);
  });

  it("with downloadDir, each part is streamed from the platform, decrypted and written as a file", async () => {
    const id = await send("to files");
    const message = await inbox.fetchMessage(id, {
      decryptWith: receiverKey,
      verifyWith: senderKeys.publicKeyArmored,
      downloadDir: dir,
      maxInMemoryAttachmentBytes: 1,
    });
    expect(message.attachments).toMatchObject([
      { path: join(dir, "q3 report.pdf"), bytes: null, size: pdf.length, verification: "valid" },
      { path: join(dir, "data.csv"), bytes: null, size: csv.length, verification: "valid" },
    ]);
    expect(sha256(await readFile(join(dir, "q3 report.pdf")))).toBe(sha256(pdf));
    expect(sha256(await readFile(join(dir, "data.csv")))).toBe(sha256(csv));
    expect((await readdir(dir)).sort()).toEqual(["data.csv", "q3 report.pdf"]);
  });

  it("refuses a decryptor without decryptInto for downloadDir before any request", async () => {
    const id = await send("no decryptInto");
    server.requests.clear();
    const bare: MailDecryptor = {
      specificationVersion: "v1",
      fingerprint: receiverKey.fingerprint,
      decryptText: (armored, options) => receiverKey.decryptText(armored, options),
      decryptBytes: (cipher, options) => receiverKey.decryptBytes(cipher, options),
    };
    expect(
      await errorOf(inbox.fetchMessage(id, { decryptWith: bare, downloadDir: dir })),
    ).toMatchObject({
      code: "invalid_options",
    });
    expect(await errorOf(inbox.fetchMessage(id, { maxInMemoryAttachmentBytes: 0 }))).toMatchObject({
      code: "invalid_options",
      message: expect.stringContaining("maxInMemoryAttachmentBytes"),
    });
    expect(server.requests.count()).toBe(0);
  });
});
