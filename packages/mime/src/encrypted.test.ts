// The encrypted-body shape of spec §3–§4, end to end: createMailer (core) encrypts with
// openpgpCrypto (crypto) to a key from a small in-test directory, composeMime renders, Python
// parses, and the real GnuPG decrypts the body part and the .asc attachment.
import { AgentMailHeaders, encodeManifest, type PreparedMessage } from "@assmbl/core";
import { generateKeyPair, type KeyPairBundle, openpgpCrypto } from "@assmbl/crypto";
import { createGpgHome, type GpgHome } from "@assmbl/testing/gpg";
import { prepare, sampleBytes } from "@assmbl/testing/mailer";
import { header, type PythonMessage, parseWithPython } from "@assmbl/testing/python";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeMime } from "./compose.js";

const PLAINTEXT = "Task 42: the numbers are in.\nÜnïcödé ✓ 中文\r\nlast line without newline";
const PDF = sampleBytes(20_000, 5);

describe("an encrypted message, as Python and GnuPG read it", () => {
  let recipient: KeyPairBundle;
  let gpg: GpgHome;
  let prepared: PreparedMessage;
  let raw: Uint8Array;
  let parsed: PythonMessage;

  beforeAll(async () => {
    recipient = await generateKeyPair({
      name: "Other Agent",
      email: "other-agent@agents.example.com",
    });
    gpg = await createGpgHome();
    await gpg.importKey(recipient.privateKeyArmored);
    prepared = await prepare(
      {
        to: "other-agent@agents.example.com",
        subject: "Encrypted task — subject stays in clear",
        text: PLAINTEXT,
        attachments: [
          { filename: "résumé 中文.pdf", content: PDF, contentType: "application/pdf" },
        ],
        encrypt: { body: true, attachments: true },
        correlationId: "corr-123",
        headers: { "X-Workflow-Name": "nightly" },
      },
      { crypto: openpgpCrypto(), keys: { "other-agent": recipient.publicKeyArmored } },
    );
    raw = (await composeMime(prepared)).raw;
    parsed = await parseWithPython(raw);
  });

  afterAll(async () => {
    await gpg?.cleanup();
  });

  it("has the contract's headers, the manifest exactly as core encodes it", () => {
    expect(parsed.defects).toEqual([]);
    expect(header(parsed, AgentMailHeaders.encrypted)).toBe("body");
    expect(header(parsed, AgentMailHeaders.correlationId)).toBe("corr-123");
    expect(header(parsed, "X-Workflow-Name")).toBe("nightly");
    expect(header(parsed, "Subject")).toBe("Encrypted task — subject stays in clear");
    const asc = prepared.attachments[0]?.content as Uint8Array;
    expect(header(parsed, AgentMailHeaders.attachments)).toBe(
      encodeManifest([
        {
          index: 0,
          filename: "résumé 中文.pdf.asc",
          content_type: "application/pgp-encrypted",
          size: asc.length,
          encrypted: true,
          encryption: { algorithm: "openpgp", format: "armored" },
          original_filename: "résumé 中文.pdf",
          original_content_type: "application/pdf",
        },
      ]),
    );
    expect(parsed.headers.map(([name]) => name.toLowerCase())).not.toContain("bcc");
  });

  it("carries the armored text as the whole of one text/plain part, then the .asc attachment", () => {
    expect(parsed.parts.map((part) => part.contentType)).toEqual([
      "multipart/mixed",
      "text/plain",
      "application/pgp-encrypted",
    ]);
    const [, body, attachment] = parsed.parts;
    expect(body).toMatchObject({
      params: { charset: "utf-8" },
      transferEncoding: "7bit",
      disposition: null,
      filename: null,
    });
    // Armor lines are short ASCII, so the part is 7bit; on the wire its line ends are CRLF.
    expect(body?.text?.replace(/\r\n/g, "\n")).toBe(prepared.text);
    expect(prepared.text.startsWith("-----BEGIN PGP MESSAGE-----")).toBe(true);
    expect(attachment).toMatchObject({
      disposition: "attachment",
      filename: "résumé 中文.pdf.asc",
      transferEncoding: "base64",
      payloadBase64: Buffer.from(prepared.attachments[0]?.content as Uint8Array).toString("base64"),
    });
    // No PGP/MIME anywhere.
    expect(parsed.parts.some((part) => part.contentType === "multipart/encrypted")).toBe(false);
  });

  it("decrypts with gpg: the body's text (GnuPG drops CR from text literals), the attachment's exact bytes", async () => {
    const [, body, attachment] = parsed.parts;
    const text = (await gpg.decrypt(body?.text as string)).stdout;
    // The body is UTF-8 literal data (`u`), which GnuPG 2.2 writes out with every CR removed;
    // everything else arrives byte for byte (the crypto package's README says so).
    expect(text.toString("utf8")).toBe(PLAINTEXT.replace(/\r/g, ""));
    const bytes = (await gpg.decrypt(Buffer.from(attachment?.payloadBase64 as string, "base64")))
      .stdout;
    expect(new Uint8Array(bytes)).toEqual(PDF);
  });
});
