// The Python SDK's own keys, both ways: generate_keypair makes an RSA-4096 OpenPGP key and an
// RSA4096 directory PEM. python-interop.test.ts runs whole messages with Curve25519 keys (PGPy
// checks an RSA private key's primes on every load: 0.6 s); this file keeps one message each way
// with the keys real Python agents have: openpgp.js encrypting to PGPy's RSA-4096 key (PGPy
// decrypts), and PGPy signing with it, verified through the directory's RSA4096 record.
import { createMailer } from "@assmbl/core";
import { generateKeyPair, type KeyPairBundle, loadPrivateKey, openpgpCrypto } from "@assmbl/crypto";
import { type DevServer, startDevServer } from "@assmbl/dev-server";
import { createDirectory } from "@assmbl/directory";
import { type PythonKeypair, pythonSdk } from "@assmbl/testing/python";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiTransport, createAgentMailClient } from "./index.js";

const MAIL_DOMAIN = "agents.example.com";
const PY = `py-rsa@${MAIL_DOMAIN}`;
const TS = `ts-agent@${MAIL_DOMAIN}`;
const TEXT = "Grüße from the TypeScript agent \u2014 \u4e2d\u6587 \u{1f600}\n";

let server: DevServer;
let py: PythonKeypair;
let ts: KeyPairBundle;

beforeAll(async () => {
  server = await startDevServer({
    mailDomain: MAIL_DOMAIN,
    agents: [{ agentId: "py-rsa" }, { agentId: "ts-agent" }],
  });
  [py, ts] = await Promise.all([
    pythonSdk.generateKeypair({ name: "Py RSA Agent", email: PY }),
    generateKeyPair({ name: "TS Agent", email: TS }),
  ]);
  const register = (agentId: string, keys: { pem: string; algorithm: string; armored: string }) =>
    createDirectory({ baseUrl: server.url, token: server.agents[agentId]?.token ?? "" }).register({
      publicKey: keys.pem,
      algorithm: keys.algorithm as "RSA4096",
      keyVersion: 1,
      ifMatchVersion: null,
      openpgpPublicKey: keys.armored,
    });
  await register("py-rsa", {
    pem: py.directoryPublicKeyPem,
    algorithm: "RSA4096",
    armored: py.publicKeyArmored,
  });
  await register("ts-agent", {
    pem: ts.directoryPublicKeyPem,
    algorithm: ts.algorithm,
    armored: ts.publicKeyArmored,
  });
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

const inbox = (agentId: string) =>
  createAgentMailClient({
    baseUrl: server.url,
    token: server.agents[agentId]?.token ?? "",
    mailDomain: MAIL_DOMAIN,
  });

describe("the Python SDK's own RSA-4096 keys", () => {
  it("the TypeScript mailer encrypts to PGPy's RSA-4096 key (from the directory); PGPy decrypts and verifies", async () => {
    const directory = createDirectory({ baseUrl: server.url });
    const mailer = createMailer(
      apiTransport({ baseUrl: server.url, token: server.agents["ts-agent"]?.token ?? "" }),
      {
        from: TS,
        mailDomain: MAIL_DOMAIN,
        directory,
        crypto: openpgpCrypto({ signingKey: await loadPrivateKey(ts.privateKeyArmored) }),
      },
    );
    const sent = await mailer.send({
      to: PY,
      subject: "to RSA",
      text: TEXT,
      encrypt: { body: true },
    });
    const stored = await inbox("py-rsa").getMessage(sent.messageId);
    const python = await pythonSdk.readMessage(new TextEncoder().encode(stored.rawMime), {
      privateKey: py.privateKeyArmored,
      verifyWith: ts.publicKeyArmored,
    });
    expect(python.bodyDecrypted).toMatchObject({ pythonType: "str", text: TEXT, verified: true });
  });

  it("PGPy signs with its RSA-4096 key; fetchMessage verifies it through the directory's RSA4096 record", async () => {
    const body = await pythonSdk.encryptUtf8(TEXT, ts.publicKeyArmored, {
      signWith: py.privateKeyArmored,
    });
    const sent = await createMailer(
      apiTransport({ baseUrl: server.url, token: server.agents["py-rsa"]?.token ?? "" }),
      { from: PY, mailDomain: MAIL_DOMAIN },
    ).send({
      to: TS,
      subject: "from RSA",
      // PGPy's armored message as the whole body: the reader takes it as encrypted (spec §7).
      text: body,
    });
    const fetched = await inbox("ts-agent").fetchMessage(sent.messageId, {
      decryptWith: await loadPrivateKey(ts.privateKeyArmored),
      verifyWith: createDirectory({ baseUrl: server.url }),
    });
    expect(fetched).toMatchObject({
      sender: PY,
      encrypted: true,
      bodyTextDecrypted: TEXT,
      verification: "valid",
      senderVerified: true,
    });
  });
});
