// Whole messages both ways between a Python agent and a TypeScript agent, over the dev server.
// The Python agent is the platform's Python SDK as packages/testing/src/python/agentmail_sdk_model.py models
// it: PGPy encryption, signing and decryption, Python's email (policy.default) for MIME, the
// custom-email guide's writer and the SDK's reader. The TypeScript agent uses this package's
// reader and core's mailer over transport-ses and apiTransport.
//
// Both agents' keys come from @assmbl/crypto's generateKeyPair (Curve25519, which PGPy loads), not
// from the Python SDK's generate_keypair: PGPy checks an RSA-4096 private key's primes every time
// it loads one (0.6 s, twice per decrypt), which made each read here 4 s for nothing this file is
// about (whole messages, MIME, the manifest). PGPy's own RSA-4096 keys against openpgp.js are
// @assmbl/crypto's pgpy-messages.test.ts.
// Raw bytes travel through the dev server's SES endpoint, which keeps them verbatim.
import { createMailer, type MailTransport } from "@assmbl/core";
import {
  type AgentPrivateKey,
  generateKeyPair,
  type KeyPairBundle,
  loadPrivateKey,
  openpgpCrypto,
} from "@assmbl/crypto";
import { type DevServer, startDevServer } from "@assmbl/dev-server";
import { createDirectory, type Directory } from "@assmbl/directory";
import { openMessage } from "@assmbl/mime";
import { pythonSdk } from "@assmbl/testing/python";
import { sesTransport } from "@assmbl/transport-ses";
import { type SESClient, SendRawEmailCommand } from "@aws-sdk/client-ses";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentMailClient, createAgentMailClient } from "./client.js";
import { sampleBytes } from "./testing/fixtures.js";
import { devSesClient, findBySubject } from "./testing/platform.js";
import { apiTransport } from "./transport.js";

const MAIL_DOMAIN = "agents.example.com";
const PY_ID = "py-agent";
const TS_ID = "ts-agent";
const PY = `${PY_ID}@${MAIL_DOMAIN}`;
const TS = `${TS_ID}@${MAIL_DOMAIN}`;

// Umlauts, CJK, emoji (astral, ZWJ), and CRLF line ends: all must come out exactly.
const TEXT =
  "Gr\u00fc\u00dfe aus M\u00fcnchen!\r\n\u4e2d\u6587\u62a5\u544a\uff1a\u5b8c\u6210 \u2713\r\nEmoji \u{1f600} \u{1f468}\u200d\u{1f469}\u200d\u{1f467}\r\n";
const PDF = sampleBytes(20_000, 23);
const NOTES = new TextEncoder().encode("plain notes, not secret\n");
const PDF_NAME = "Bericht Gr\u00f6\u00dfe \u4e2d\u6587 2026.pdf";

let server: DevServer;
// One SES client per sending agent: the dev server's SES credentials send only as their agent.
let ses: SESClient;
let sesTs: SESClient;
let py: KeyPairBundle;
let ts: KeyPairBundle;
let tsKey: AgentPrivateKey;
let directory: Directory;
let tsInbox: AgentMailClient;
let pyInbox: AgentMailClient;
let tsToken: string;

beforeAll(async () => {
  server = await startDevServer({
    mailDomain: MAIL_DOMAIN,
    agents: [{ agentId: PY_ID }, { agentId: TS_ID }],
    attachmentProcessingMs: 0,
  });
  [py, ts] = await Promise.all([
    generateKeyPair({ name: "Py Agent", email: PY }),
    generateKeyPair({ name: "TS Agent", email: TS }),
  ]);
  const pyToken = server.agents[PY_ID]?.token ?? "";
  tsToken = server.agents[TS_ID]?.token ?? "";
  // Both agents publish their keys in the directory, where fetchMessage finds the sender's.
  await createDirectory({ baseUrl: server.url, token: pyToken }).register({
    publicKey: py.directoryPublicKeyPem,
    algorithm: py.algorithm,
    keyVersion: 1,
    ifMatchVersion: null,
    openpgpPublicKey: py.publicKeyArmored,
  });
  await createDirectory({ baseUrl: server.url, token: tsToken }).register({
    publicKey: ts.directoryPublicKeyPem,
    algorithm: ts.algorithm,
    keyVersion: 1,
    ifMatchVersion: null,
    openpgpPublicKey: ts.publicKeyArmored,
  });
  tsKey = await loadPrivateKey(ts.privateKeyArmored);
  directory = createDirectory({ baseUrl: server.url });
  const client = (token: string) =>
    createAgentMailClient({ baseUrl: server.url, token, mailDomain: MAIL_DOMAIN });
  tsInbox = client(tsToken);
  pyInbox = client(pyToken);
  ses = devSesClient(server, PY_ID);
  sesTs = devSesClient(server, TS_ID);
}, 60_000);

afterAll(async () => {
  ses?.destroy();
  sesTs?.destroy();
  await server?.stop();
});

describe("a message the Python SDK writes, read by the TypeScript agent", () => {
  it("openMessage (exact bytes) and fetchMessage read the body, both attachments and the encoded-word manifest, and verify the Python agent's signature", async () => {
    const subject = "Quartalsbericht \u2014 Gr\u00f6\u00dfe \u4e2d\u6587 \u{1f600}";
    const [body, cipher] = await Promise.all([
      pythonSdk.encryptUtf8(TEXT, ts.publicKeyArmored, { signWith: py.privateKeyArmored }),
      pythonSdk.encryptBytes(PDF, ts.publicKeyArmored, { signWith: py.privateKeyArmored }),
    ]);
    const cipherBytes = new TextEncoder().encode(cipher);
    const raw = await pythonSdk.writeMessage({
      from: `Py Agent <${PY}>`,
      to: TS,
      subject,
      body,
      encryptedBody: true,
      correlationId: "corr-py-42",
      attachments: [
        {
          filename: `${PDF_NAME}.asc`,
          contentType: "application/pgp-encrypted",
          data: cipherBytes,
          manifestRow: {
            size: cipherBytes.length,
            encrypted: true,
            encryption: { algorithm: "openpgp", format: "armored" },
            original_filename: PDF_NAME,
            original_content_type: "application/pdf",
          },
        },
        {
          filename: "notes.txt",
          contentType: "text/plain",
          data: NOTES,
          manifestRow: { size: NOTES.length, encrypted: false },
        },
      ],
    });
    // Python's writer folded the manifest into RFC 2047 encoded words: what this test is about.
    const field = /^X-AgentMail-Attachments:(.*(?:\r?\n[ \t].*)*)/m.exec(
      new TextDecoder().decode(raw),
    );
    expect(field?.[1]).toMatch(/=\?utf-8\?[bq]\?/);
    await ses.send(new SendRawEmailCommand({ RawMessage: { Data: raw } }));
    const [stored] = server.ses.messages().slice(-1);
    expect(stored?.raw).toEqual(raw);

    const opened = await openMessage(raw, { decryptWith: tsKey, verifyWith: py.publicKeyArmored });
    const fetched = await tsInbox.fetchMessage(await findBySubject(tsInbox, subject), {
      decryptWith: tsKey,
      verifyWith: directory,
    });
    const expected = {
      sender: PY,
      subject,
      encrypted: true,
      bodyTextDecrypted: TEXT,
      verification: "valid",
      attachments: [
        {
          index: 0,
          filename: PDF_NAME,
          contentType: "application/pdf",
          size: PDF.length,
          status: "ready",
          encrypted: true,
          decrypted: true,
          bytes: PDF,
          verification: "valid",
        },
        {
          index: 1,
          filename: "notes.txt",
          contentType: "text/plain",
          size: NOTES.length,
          status: "ready",
          encrypted: false,
          decrypted: false,
          bytes: NOTES,
        },
      ],
    };
    for (const received of [opened, fetched]) {
      expect(received).toMatchObject(expected);
      expect(received.attachments).toEqual(expected.attachments);
      expect(received.manifestError).toBeUndefined();
      expect(received.bodyError).toBeUndefined();
      expect(received.headers["x-agentmail-correlation-id"]).toBe("corr-py-42");
      expect(JSON.parse(received.headers["x-agentmail-attachments"] ?? "")).toHaveLength(2);
    }
    expect([opened.senderVerified, fetched.senderVerified]).toEqual([false, true]);
  });
});

describe("a message the TypeScript mailer sends, read by the Python SDK's reader", () => {
  const mailerOver = (transport: MailTransport) =>
    createMailer(transport, {
      from: `TS Agent <${TS}>`,
      mailDomain: MAIL_DOMAIN,
      directory,
      crypto: openpgpCrypto({ signingKey: tsKey }),
    });
  const transports: Record<string, () => MailTransport> = {
    "sesTransport (the dev server's SES endpoint)": () => sesTransport({ client: sesTs }),
    "apiTransport (/send)": () => apiTransport({ baseUrl: server.url, token: tsToken }),
  };

  it.each(Object.keys(transports))(
    "via %s: PGPy decrypts the body to a str and the attachments to their bytes, reads the manifest we sent and verifies our signature",
    async (name) => {
      const subject = `Task 42 via ${name.split(" ")[0]} \u2014 Gr\u00fc\u00dfe \u4e2d\u6587`;
      const api = name.startsWith("api");
      const sent = await mailerOver((transports[name] as () => MailTransport)()).send({
        to: PY,
        subject,
        text: TEXT,
        attachments: [
          { filename: PDF_NAME, content: PDF, contentType: "application/pdf" },
          { filename: "notes.txt", content: NOTES, contentType: "text/plain" },
        ],
        encrypt: { body: true, attachments: true },
        correlationId: "corr-ts-42",
      });
      expect(sent.transport).toBe(api ? "agentmail-api" : "ses");
      // The raw MIME the Python agent fetches from its inbox.
      const stored = await pyInbox.getMessage(await findBySubject(pyInbox, subject));
      const python = await pythonSdk.readMessage(new TextEncoder().encode(stored.rawMime), {
        privateKey: py.privateKeyArmored,
        verifyWith: ts.publicKeyArmored,
      });

      expect(python.defects).toEqual([]);
      expect(python.subject).toBe(subject);
      expect(python.headers["X-AgentMail-Correlation-Id"]).toBe("corr-ts-42");
      expect(python.encrypted).toBe(true);
      expect(python.bodyDecrypted).toMatchObject({
        pythonType: "str",
        format: "u",
        text: TEXT,
        verified: true,
      });
      expect(python.bodyDecrypted?.error).toBeUndefined();
      const decrypted = python.attachments.map((a) => ({
        filename: a.filename,
        contentType: a.contentType,
        encrypted: a.encrypted,
        data: a.decrypted?.data,
        verified: a.decrypted?.verified,
        error: a.decrypted?.error,
      }));
      expect(decrypted).toEqual([
        {
          filename: `${PDF_NAME}.asc`,
          contentType: "application/pgp-encrypted",
          encrypted: true,
          data: Buffer.from(PDF).toString("base64"),
          verified: true,
          error: undefined,
        },
        {
          filename: "notes.txt.asc",
          contentType: "application/pgp-encrypted",
          encrypted: true,
          data: Buffer.from(NOTES).toString("base64"),
          verified: true,
          error: undefined,
        },
      ]);
      const sizes = python.attachments.map((a) => Buffer.from(a.data, "base64").length);
      const objectKey = api ? { object_key: expect.stringMatching(/^uploads\/ts-agent\//) } : {};
      expect(python.manifestError).toBeUndefined();
      expect(python.manifest).toEqual([
        {
          index: 0,
          filename: `${PDF_NAME}.asc`,
          content_type: "application/pgp-encrypted",
          size: sizes[0],
          encrypted: true,
          encryption: { algorithm: "openpgp", format: "armored" },
          original_filename: PDF_NAME,
          original_content_type: "application/pdf",
          ...objectKey,
        },
        {
          index: 1,
          filename: "notes.txt.asc",
          content_type: "application/pgp-encrypted",
          size: sizes[1],
          encrypted: true,
          encryption: { algorithm: "openpgp", format: "armored" },
          original_filename: "notes.txt",
          original_content_type: "text/plain",
          ...objectKey,
        },
      ]);
    },
  );
});
