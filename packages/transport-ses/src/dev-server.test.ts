// The transport against @assmbl/dev-server's SES endpoint, which keeps raw MIME byte for byte
// (unlike aws-ses-v2-local, it drops no header): what arrived is parsed with Python and the
// encrypted parts are decrypted with GnuPG.
import { AgentMailHeaders, createMailer, encodeManifest } from "@assmbl/core";
import { generateKeyPair, type KeyPairBundle, openpgpCrypto } from "@assmbl/crypto";
import type { DevServer } from "@assmbl/dev-server";
import { createGpgHome, type GpgHome } from "@assmbl/testing/gpg";
import { startTestPlatform, type TestPlatform } from "@assmbl/testing/platform";
import { header, parseWithPython } from "@assmbl/testing/python";
import { SESClient } from "@aws-sdk/client-ses";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sendPlainEmail } from "./plain.js";
import { FROM, fixedDirectory, MAIL_DOMAIN, sampleBytes } from "./testing/fixtures.js";
import { sesTransport } from "./transport.js";

let platform: TestPlatform;
let server: DevServer;
let recipient: KeyPairBundle;
let gpg: GpgHome;

beforeAll(async () => {
  platform = await startTestPlatform({
    mailDomain: MAIL_DOMAIN,
    // report-bot sends (FROM): the SES endpoint takes its issued credentials, for its address only.
    agents: ["other-agent", "report-bot"],
  });
  server = platform.server;
  recipient = await generateKeyPair({ name: "Other", email: "other-agent@agents.example.com" });
  gpg = await createGpgHome();
  await gpg.importKey(recipient.privateKeyArmored);
});
afterAll(async () => {
  await platform?.close();
  await gpg?.cleanup();
});
beforeEach(() => {
  server.ses.clear();
});

function clientOptions() {
  return {
    endpoint: server.url,
    region: "us-east-1",
    credentials: platform.agent("report-bot").ses,
    maxAttempts: 1,
  };
}

function encryptingMailer(client: SESClient | SESv2Client) {
  return createMailer(sesTransport({ client }), {
    from: FROM,
    mailDomain: MAIL_DOMAIN,
    crypto: openpgpCrypto(),
    directory: fixedDirectory(recipient.publicKeyArmored),
  });
}

describe("against the dev server's SES endpoint", () => {
  it("v1 SendRawEmail: the stored bytes are the contract's message, and gpg decrypts them", async () => {
    const pdf = sampleBytes(12_345, 21);
    const result = await encryptingMailer(new SESClient(clientOptions())).send({
      to: "other-agent@agents.example.com",
      bcc: "archive-agent@agents.example.com",
      subject: "Encrypted task ✓",
      text: "Task 42: the numbers are in.",
      attachments: [{ filename: "résumé 中文.pdf", content: pdf, contentType: "application/pdf" }],
      encrypt: true,
      correlationId: "corr-42",
      idempotencyKey: "idem-42",
      headers: { "X-Workflow-Name": "nightly" },
    });
    // The Bcc recipient of an encrypted message gets its own copy, sent after the primary.
    const [sent, bccCopy, ...others] = server.ses.messages();
    expect(others).toEqual([]);
    expect(sent).toMatchObject({
      api: "v1-raw",
      messageId: result.messageId,
      destinations: ["other-agent@agents.example.com"],
    });
    expect(bccCopy?.destinations).toEqual(["archive-agent@agents.example.com"]);
    const parsed = await parseWithPython(sent?.raw as Uint8Array);
    expect(parsed.defects).toEqual([]);
    expect(parsed.allHeaderNames).not.toContain("bcc");
    expect(header(parsed, AgentMailHeaders.encrypted)).toBe("body");
    expect(header(parsed, AgentMailHeaders.correlationId)).toBe("corr-42");
    expect(header(parsed, AgentMailHeaders.idempotencyKey)).toBe("idem-42");
    expect(header(parsed, "X-Workflow-Name")).toBe("nightly");
    expect(header(parsed, "Subject")).toBe("Encrypted task ✓");
    expect(header(parsed, "Message-ID")).toMatch(/^<[0-9a-f-]{36}@agents\.example\.com>$/);

    const [, body, attachment] = parsed.parts;
    expect(parsed.parts.map((part) => part.contentType)).toEqual([
      "multipart/mixed",
      "text/plain",
      "application/pgp-encrypted",
    ]);
    expect(attachment?.filename).toBe("résumé 中文.pdf.asc");
    const asc = Buffer.from(attachment?.payloadBase64 as string, "base64");
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
    expect((await gpg.decrypt(body?.text as string)).stdout.toString("utf8")).toBe(
      "Task 42: the numbers are in.",
    );
    expect(new Uint8Array((await gpg.decrypt(asc)).stdout)).toEqual(pdf);
  });

  it("v2 SendEmail with raw content: the server keeps the bytes the client sent", async () => {
    const client = new SESv2Client(clientOptions());
    const sentBodies: Uint8Array[] = [];
    client.middlewareStack.add(
      (next) => async (args) => {
        sentBodies.push((args.request as { body: Uint8Array }).body);
        return next(args);
      },
      { step: "finalizeRequest", name: "recordBody" },
    );
    const result = await encryptingMailer(client).send({
      to: "other-agent@agents.example.com",
      subject: "v2",
      text: "hello over v2",
      encrypt: { body: true },
    });
    const [sent] = server.ses.messages();
    expect(sent).toMatchObject({ api: "v2-raw", messageId: result.messageId });
    const request = JSON.parse(new TextDecoder().decode(sentBodies[0]));
    expect(Buffer.from(sent?.raw as Uint8Array).toString("base64")).toBe(request.Content.Raw.Data);
    const parsed = await parseWithPython(sent?.raw as Uint8Array);
    expect((await gpg.decrypt(parsed.parts[0]?.text as string)).stdout.toString("utf8")).toBe(
      "hello over v2",
    );
  });

  it("v1 SendEmail through sendPlainEmail", async () => {
    const { messageId } = await sendPlainEmail(new SESClient(clientOptions()), {
      from: FROM,
      to: "other-agent@agents.example.com",
      bcc: "archive-agent@agents.example.com",
      subject: "Plain ✓",
      text: "All green.",
    });
    const [sent] = server.ses.messages();
    expect(sent).toMatchObject({
      api: "v1-send",
      messageId,
      destinations: ["other-agent@agents.example.com", "archive-agent@agents.example.com"],
    });
    const parsed = await parseWithPython(sent?.raw as Uint8Array);
    expect(header(parsed, "Subject")).toBe("Plain ✓");
    expect(parsed.parts.at(-1)?.text?.trim()).toBe("All green.");
  });
});

describe("refusals reach no server", () => {
  it("an oversized message and a header injection make zero requests at the dev server", async () => {
    server.requests.clear();
    const mailer = createMailer(sesTransport({ client: new SESClient(clientOptions()) }), {
      from: FROM,
      mailDomain: MAIL_DOMAIN,
    });
    const big = { filename: "big.bin", content: sampleBytes(11 * 1024 * 1024) };
    await expect(
      mailer.send({ to: "other-agent@agents.example.com", subject: "big", attachments: [big] }),
    ).rejects.toMatchObject({ code: "message_too_large" });
    await expect(
      mailer.send({
        to: "other-agent@agents.example.com",
        subject: "x\r\nBcc: a@b.example",
        text: "t",
      }),
    ).rejects.toMatchObject({ code: "header_injection" });
    await expect(
      sendPlainEmail(new SESClient(clientOptions()), {
        from: '"Bot\r\nBcc: a@b.example" <report-bot@agents.example.com>',
        to: "other-agent@agents.example.com",
        subject: "s",
        text: "t",
      }),
    ).rejects.toMatchObject({ code: "header_injection" });
    expect(server.requests.count()).toBe(0);
    expect(server.ses.messages()).toHaveLength(0);
  });
});
