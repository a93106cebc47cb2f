import {
  AgentMailError,
  AgentMailHeaders,
  type AgentRecord,
  createMailer,
  decodeManifest,
  type KeyDirectory,
  type MailTransport,
  type PreparedMessage,
} from "@assmbl/core";
import { readMessage } from "openpgp";
import { beforeAll, describe, expect, it } from "vitest";
import { generateKeyPair, type KeyPairBundle } from "./keys.js";
import { openpgpCrypto } from "./mail-crypto.js";
import { type AgentPrivateKey, loadPrivateKey } from "./private-key.js";

const mailDomain = "agents.example.com";
let sender: KeyPairBundle;
let peer: KeyPairBundle;
let bcc: KeyPairBundle;
let senderKey: AgentPrivateKey;
let peerKey: AgentPrivateKey;
let bccKey: AgentPrivateKey;

beforeAll(async () => {
  [sender, peer, bcc] = await Promise.all([
    generateKeyPair({ name: "Sender", email: `my-agent@${mailDomain}`, passphrase: "sender pass" }),
    generateKeyPair({ name: "Peer", email: `other-agent@${mailDomain}` }),
    generateKeyPair({ name: "Auditor", email: `auditor@${mailDomain}` }),
  ]);
  [senderKey, peerKey, bccKey] = await Promise.all([
    loadPrivateKey(sender.privateKeyArmored, "sender pass"),
    loadPrivateKey(peer.privateKeyArmored),
    loadPrivateKey(bcc.privateKeyArmored),
  ]);
});

function directoryOf(keys: Record<string, string | null>): KeyDirectory {
  return {
    specificationVersion: "v1",
    async lookup(agentId) {
      if (!(agentId in keys))
        throw new AgentMailError({ code: "agent_not_found", message: agentId });
      const record: AgentRecord = {
        agentId,
        publicKey: "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----",
        algorithm: "Ed25519",
        keyFingerprintSha256: "0".repeat(64),
        keyVersion: 1,
        keyStatus: "active",
        openpgpPublicKey: keys[agentId] ?? null,
      };
      return record;
    },
  };
}

function capture() {
  const sent: PreparedMessage[] = [];
  const transport: MailTransport = {
    specificationVersion: "v1",
    name: "capture",
    async send(message) {
      sent.push(message);
      return { messageId: `<${sent.length}@capture>` };
    },
  };
  return { transport, sent };
}

async function bytesOf(
  content: Uint8Array | ReadableStream<Uint8Array> | undefined,
): Promise<Uint8Array> {
  if (!content) throw new Error("no content");
  return content instanceof Uint8Array
    ? content
    : new Uint8Array(await new Response(content).arrayBuffer());
}

describe("openpgpCrypto in createMailer", () => {
  it("signs and encrypts body and attachments; the recipient decrypts and verifies them", async () => {
    const { transport, sent } = capture();
    const mailer = createMailer(transport, {
      from: `my-agent@${mailDomain}`,
      mailDomain,
      directory: directoryOf({ "other-agent": peer.publicKeyArmored }),
      crypto: openpgpCrypto({ signingKey: senderKey }),
    });
    const pdf = Uint8Array.from({ length: 5000 }, (_, i) => (i * 31) % 256);
    const streamed = new Response("streamed attachment ✓").body as ReadableStream<Uint8Array>;
    const result = await mailer.send({
      to: `other-agent@${mailDomain}`,
      subject: "Encrypted task",
      text: "Grüße — the plan is attached.\r\nLine two\n",
      attachments: [
        { filename: "report.pdf", content: pdf, contentType: "application/pdf" },
        { filename: "notes.txt", content: streamed, contentType: "text/plain" },
      ],
      encrypt: true,
    });
    expect(result.encrypted).toEqual({ body: true, attachments: true });
    expect(result.recipients[0]?.keyFingerprint).toBe(peer.fingerprint);

    const message = sent[0] as PreparedMessage;
    expect(message.headers[AgentMailHeaders.encrypted]).toBe("body");
    const body = await peerKey.decryptText(message.text, {
      verificationKeys: [sender.publicKeyArmored],
    });
    expect(body).toEqual({
      text: "Grüße — the plan is attached.\r\nLine two\n",
      verification: "valid",
      signerFingerprint: sender.fingerprint,
      signerUserIds: expect.any(Array),
    });

    const rows = decodeManifest(message.headers[AgentMailHeaders.attachments] ?? "");
    expect(rows.map((row) => [row.filename, row.original_filename, row.encrypted])).toEqual([
      ["report.pdf.asc", "report.pdf", true],
      ["notes.txt.asc", "notes.txt", true],
    ]);
    const pdfCipher = await bytesOf(message.attachments[0]?.content);
    expect(rows[0]?.size).toBe(pdfCipher.length);
    const pdfPlain = await peerKey.decryptBytes(pdfCipher, {
      verificationKeys: [sender.publicKeyArmored],
      expectSigned: true,
    });
    expect(pdfPlain.data).toEqual(pdf);
    const notes = await peerKey.decryptBytes(await bytesOf(message.attachments[1]?.content));
    expect(new TextDecoder().decode(notes.data)).toBe("streamed attachment ✓");
  });

  it("encrypts to every recipient it is given, naming each one's real key id (never a wildcard)", async () => {
    // The mailer gives each Bcc recipient a copy of its own; here two recipients of one copy.
    const armored = await openpgpCrypto().encryptText("for both", [
      {
        agentId: "other-agent",
        address: `other-agent@${mailDomain}`,
        publicKeyArmored: peer.publicKeyArmored,
      },
      {
        agentId: "auditor",
        address: `auditor@${mailDomain}`,
        publicKeyArmored: bcc.publicKeyArmored,
      },
    ]);
    expect((await peerKey.decryptText(armored)).text).toBe("for both");
    expect((await bccKey.decryptText(armored)).text).toBe("for both");
    const named = (await readMessage({ armoredMessage: armored }))
      .getEncryptionKeyIDs()
      .map((id) => id.toHex())
      .sort();
    const expected = [...peerKey.keyIds.slice(1), ...bccKey.keyIds.slice(1)].sort();
    expect(named).toEqual(expected);
    const wrongKey = await senderKey.decryptText(armored).catch((error: unknown) => error);
    expect(AgentMailError.is(wrongKey, "decryption_failed")).toBe(true);
    expect((wrongKey as Error).message).not.toContain("hidden recipient");
  });

  it("has no hideBccRecipients option any more: the Python SDK cannot decrypt wildcard key ids", () => {
    expect(() => openpgpCrypto({ hideBccRecipients: true } as never)).toThrow(
      /unknown option "hideBccRecipients"/,
    );
  });

  it("fails closed on a directory key it cannot use: nothing is sent", async () => {
    const { transport, sent } = capture();
    const mailer = createMailer(transport, {
      from: `my-agent@${mailDomain}`,
      mailDomain,
      directory: directoryOf({
        "other-agent":
          "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\ngarbage\n-----END PGP PUBLIC KEY BLOCK-----\n",
      }),
      crypto: openpgpCrypto(),
    });
    const error = await mailer
      .send({ to: `other-agent@${mailDomain}`, subject: "s", text: "t", encrypt: true })
      .catch((e: unknown) => e);
    expect(AgentMailError.is(error, "invalid_public_key")).toBe(true);
    expect(sent).toHaveLength(0);
  });

  it("rejects unknown options and a signing key that was not loaded", () => {
    expect(() => openpgpCrypto({ signingKeys: [] } as never)).toThrow(
      /unknown option "signingKeys"/,
    );
    expect(() => openpgpCrypto({ signingKey: sender.privateKeyArmored as never })).toThrow(
      expect.objectContaining({ code: "invalid_options" }),
    );
  });
});
