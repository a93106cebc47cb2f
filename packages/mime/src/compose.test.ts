import {
  AgentMailHeaders,
  decodeManifest,
  encodeManifest,
  type ManifestRow,
  type PreparedMessage,
  withManifestRows,
} from "@assmbl/core";
import { errorOf, prepare as preparePlain, sampleBytes, streamOf } from "@assmbl/testing/mailer";
import { header, parseWithPython } from "@assmbl/testing/python";
import { describe, expect, it } from "vitest";
import { composeMime } from "./compose.js";

const decoder = new TextDecoder();
const DATE = new Date("2025-01-02T03:04:05Z");

// MIME text travels with CRLF line ends (RFC 2046 §4.1.1); Python hands them back as written.
function lf(text: string | null | undefined): string | null | undefined {
  return text?.replace(/\r\n/g, "\n");
}

function rawText(raw: Uint8Array): string {
  return decoder.decode(raw);
}

function rootHeaderBlock(raw: Uint8Array): string {
  const text = rawText(raw);
  return text.slice(0, text.indexOf("\r\n\r\n"));
}

describe("composeMime, read back by Python's email parser", () => {
  it("writes a text message with every header in order, Unicode subject and names, and no Bcc", async () => {
    const prepared = await preparePlain({
      to: ["Ödön Ágent <other-agent@agents.example.com>", "second@agents.example.com"],
      cc: '"Cc, Person" <cc-agent@agents.example.com>',
      bcc: "hidden-agent@agents.example.com",
      replyTo: "replies@agents.example.com",
      subject: 'Résumé 中文 — quarterly "numbers"',
      text: "Hello,\nthe numbers are in.\n",
      headers: { "X-Workflow-Name": "nightly-report", "X-Unicode-Note": "naïve café" },
      correlationId: "corr-123",
      idempotencyKey: "idem-456",
      marketplaceRequestId: "mkt-789",
    });
    const { raw, messageId } = await composeMime(prepared, { date: DATE });
    const parsed = await parseWithPython(raw);

    expect(parsed.defects).toEqual([]);
    expect(parsed.headers.map(([name]) => name)).toEqual([
      "From",
      "To",
      "Cc",
      "Reply-To",
      "Subject",
      "Date",
      "Message-ID",
      "X-AgentMail-Correlation-Id",
      "X-AgentMail-Idempotency-Key",
      "X-AgentMail-Marketplace-Request-Id",
      "X-Workflow-Name",
      "X-Unicode-Note",
      "MIME-Version",
      "Content-Transfer-Encoding",
      "Content-Type",
    ]);
    expect(header(parsed, "From")).toBe("Report Bot <report-bot@agents.example.com>");
    expect(header(parsed, "To")).toBe(
      "Ödön Ágent <other-agent@agents.example.com>, second@agents.example.com",
    );
    expect(header(parsed, "Cc")).toBe('"Cc, Person" <cc-agent@agents.example.com>');
    expect(header(parsed, "Reply-To")).toBe("replies@agents.example.com");
    expect(header(parsed, "Subject")).toBe('Résumé 中文 — quarterly "numbers"');
    expect(header(parsed, "Date")).toBe("Thu, 02 Jan 2025 03:04:05 +0000");
    expect(header(parsed, "Message-ID")).toBe(messageId);
    expect(messageId).toMatch(/^<[0-9a-f-]{36}@agents\.example\.com>$/);
    expect(header(parsed, "MIME-Version")).toBe("1.0");
    expect(header(parsed, "X-AgentMail-Correlation-Id")).toBe("corr-123");
    expect(header(parsed, "X-AgentMail-Idempotency-Key")).toBe("idem-456");
    expect(header(parsed, "X-AgentMail-Marketplace-Request-Id")).toBe("mkt-789");
    expect(header(parsed, "X-Workflow-Name")).toBe("nightly-report");
    expect(header(parsed, "X-Unicode-Note")).toBe("naïve café");

    // The Bcc recipient is named nowhere: no header, no address in the bytes.
    expect(parsed.allHeaderNames).not.toContain("bcc");
    expect(rawText(raw)).not.toContain("hidden-agent");
    // Header names are spelled as the contract spells them, and the bytes are 7-bit CRLF.
    expect(rootHeaderBlock(raw)).toContain("\r\nX-AgentMail-Correlation-Id: corr-123\r\n");
    expect(raw.every((byte) => byte < 0x80)).toBe(true);
    expect(rawText(raw).replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);

    expect(parsed.parts).toHaveLength(1);
    expect(parsed.parts[0]).toMatchObject({
      contentType: "text/plain",
      params: { charset: "utf-8" },
      transferEncoding: "7bit",
    });
    expect(parsed.parts[0]?.text).toBe("Hello,\r\nthe numbers are in.\r\n");
  });

  it("writes text and HTML as multipart/alternative", async () => {
    const prepared = await preparePlain({
      to: "other-agent@agents.example.com",
      subject: "Both",
      text: "plain ✓",
      html: "<p>rich ✓</p>",
    });
    const parsed = await parseWithPython((await composeMime(prepared)).raw);
    expect(parsed.defects).toEqual([]);
    expect(parsed.parts.map((part) => part.contentType)).toEqual([
      "multipart/alternative",
      "text/plain",
      "text/html",
    ]);
    expect(lf(parsed.parts[1]?.text)).toBe("plain ✓");
    expect(lf(parsed.parts[2]?.text)).toBe("<p>rich ✓</p>");
    expect(parsed.parts[1]?.params.charset).toBe("utf-8");
  });

  it("writes attachments as base64 after the body, with RFC 2231 filenames and the manifest in sizes", async () => {
    const pdf = sampleBytes(5000, 3);
    const streamed = sampleBytes(70_001, 9);
    const prepared = await preparePlain({
      to: "other-agent@agents.example.com",
      subject: "Files",
      text: "two files",
      attachments: [
        { filename: "résumé 中文.pdf", content: pdf, contentType: "application/pdf" },
        { filename: "data.bin", content: streamOf(streamed, 4096) },
      ],
    });
    // The mailer cannot know a stream's size; the composer reads it and fills the row in.
    expect(prepared.attachments[1]?.manifest.size).toBeUndefined();
    const { raw } = await composeMime(prepared);
    const parsed = await parseWithPython(raw);
    expect(parsed.defects).toEqual([]);

    expect(parsed.parts.map((part) => part.contentType)).toEqual([
      "multipart/mixed",
      "text/plain",
      "application/pdf",
      "application/octet-stream",
    ]);
    const [, body, first, second] = parsed.parts;
    expect(body?.text).toBe("two files");
    expect(first).toMatchObject({
      disposition: "attachment",
      // RFC 2231 in Content-Disposition; an ASCII `name` on Content-Type for older readers.
      filename: "résumé 中文.pdf",
      nameParam: "resume __.pdf",
      transferEncoding: "base64",
      payloadBase64: Buffer.from(pdf).toString("base64"),
    });
    expect(second).toMatchObject({
      filename: "data.bin",
      payloadBase64: Buffer.from(streamed).toString("base64"),
    });
    // RFC 2231 on the wire, never raw UTF-8 in a header; Content-Disposition as the Python SDK
    // (policy.default) writes it for the same name.
    expect(rawText(raw)).toContain(
      'Content-Type: application/pdf; name="resume __.pdf"\r\n' +
        "Content-Transfer-Encoding: base64\r\n" +
        "Content-Disposition: attachment;\r\n filename*=utf-8''r%C3%A9sum%C3%A9%20%E4%B8%AD%E6%96%87.pdf\r\n",
    );

    const [pdfRow, binRow] = prepared.attachments.map((attachment) => attachment.manifest);
    const expected = encodeManifest([
      { ...(pdfRow as ManifestRow), size: 5000 },
      { ...(binRow as ManifestRow), size: 70_001 },
    ]);
    expect(header(parsed, AgentMailHeaders.attachments)).toBe(expected);
  });

  it("keeps an unfolded manifest exact and folds a long one only between JSON tokens, within 998", async () => {
    const attachments = Array.from({ length: 12 }, (_, i) => ({
      filename: `quarterly-report-${i}-${"x".repeat(40)}.pdf`,
      content: sampleBytes(10 + i),
      contentType: "application/pdf",
    }));
    const prepared = await preparePlain({
      to: "other-agent@agents.example.com",
      subject: "Many files",
      text: "see attached",
      attachments,
    });
    const { raw } = await composeMime(prepared);
    const lines = rawText(raw).split("\r\n");
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(998);
    const parsed = await parseWithPython(raw);
    const unfolded = header(parsed, AgentMailHeaders.attachments) as string;
    // No white space in the compact JSON: a fold point was added between tokens (spec §4),
    // and the value reads back as the same rows.
    const rows = prepared.attachments.map((a, i) => ({ ...a.manifest, size: 10 + i }));
    expect(unfolded).not.toBe(encodeManifest(rows));
    expect(unfolded.replaceAll(" ", "")).toBe(encodeManifest(rows));
    expect(decodeManifest(unfolded)).toEqual(decodeManifest(encodeManifest(rows)));
    expect(JSON.parse(unfolded)).toEqual(JSON.parse(encodeManifest(rows)));
  });

  it("uses the Message-ID and domain it is given", async () => {
    const prepared = await preparePlain({
      to: "other-agent@agents.example.com",
      subject: "ids",
      text: "x",
    });
    expect(
      (await composeMime(prepared, { messageIdDomain: "mail.example.net" })).messageId,
    ).toMatch(/^<[0-9a-f-]{36}@mail\.example\.net>$/);
    const given = await composeMime(prepared, { messageId: "<fixed-1@example.org>" });
    expect(given.messageId).toBe("<fixed-1@example.org>");
    expect(rootHeaderBlock(given.raw)).toContain("\r\nMessage-ID: <fixed-1@example.org>\r\n");
  });

  it("writes no Subject header for an empty subject", async () => {
    const prepared = await preparePlain({ to: "a@agents.example.com", subject: "", text: "x" });
    const parsed = await parseWithPython((await composeMime(prepared)).raw);
    expect(header(parsed, "Subject")).toBeUndefined();
  });
});

describe("composeMime re-checks what it renders (defence in depth)", () => {
  async function base(): Promise<PreparedMessage> {
    return preparePlain({
      to: "Other <other-agent@agents.example.com>",
      subject: "ok",
      text: "body",
      attachments: [{ filename: "a.txt", content: "hello" }],
    });
  }

  it.each([
    ["subject", (m: PreparedMessage) => ({ ...m, subject: "hi\r\nBcc: victim@example.com" })],
    [
      "custom header value",
      (m: PreparedMessage) => ({
        ...m,
        headers: { ...m.headers, "X-Evil": "a\nBcc: v@x.example" },
      }),
    ],
    [
      "filename",
      (m: PreparedMessage) => ({
        ...m,
        attachments: m.attachments.map((a) => ({
          ...a,
          manifest: { ...a.manifest, filename: "a.txt\r\nX-Injected: 1" },
        })),
      }),
    ],
    [
      "display name",
      (m: PreparedMessage) => ({
        ...m,
        to: m.to.map((to) => ({ ...to, name: "Other\r\nBcc: v@x.example" })),
      }),
    ],
    ["correlation id", (m: PreparedMessage) => ({ ...m, correlationId: "c\r\nX: 1" })],
  ])("rejects CR/LF in the %s with header_injection", async (_, mutate) => {
    const error = await errorOf(composeMime(mutate(await base())));
    expect(error.code).toBe("header_injection");
    expect(error.message).not.toContain("Bcc: v");
  });

  it("refuses a header that would replace one the composer writes", async () => {
    const message = await base();
    for (const name of ["Bcc", "content-type", "Message-ID", "X-AgentMail-Correlation-Id"]) {
      const error = await errorOf(
        composeMime({ ...message, headers: { ...message.headers, [name]: "x" } }),
      );
      expect(error.code).toBe("reserved_header");
    }
  });

  it("refuses an encrypted body that is not armored, or that has HTML beside it", async () => {
    const message = await base();
    const encrypted = {
      ...message,
      headers: { [AgentMailHeaders.encrypted]: "body", ...message.headers },
      encrypted: { body: true },
    };
    expect((await errorOf(composeMime(encrypted))).code).toBe("encryption_failed");
    const armored = "-----BEGIN PGP MESSAGE-----\n\nabc\n-----END PGP MESSAGE-----\n";
    expect(
      (await errorOf(composeMime({ ...encrypted, text: armored, html: "<p>x</p>" }))).code,
    ).toBe("html_not_encryptable");
  });

  it("refuses stored-attachment references: SES needs the bytes", async () => {
    const message = await base();
    const error = await errorOf(
      composeMime({
        ...withManifestRows(
          message,
          message.attachments.map(({ manifest }) => ({ ...manifest, object_key: "uploads/x" })),
        ),
        attachments: message.attachments.map(({ manifest }) => ({
          manifest: { ...manifest, object_key: "uploads/x" },
        })),
      }),
    );
    expect(error.code).toBe("invalid_attachment");
  });

  it("rejects unknown and malformed options by name", async () => {
    const message = await base();
    const unknown = await errorOf(composeMime(message, { dat: new Date() } as never));
    expect(unknown.code).toBe("invalid_options");
    expect(unknown.message).toContain('"dat"');
    const bad = await errorOf(composeMime(message, { messageId: "no-brackets@x" }));
    expect(bad.message).toContain("messageId");
  });
});

describe("Message-ID", () => {
  it("stays on its header line however long, so parsers read it without a leading space", async () => {
    const messageId = `<0100018c${"-abcdef0123".repeat(6)}-000000@email.amazonses.com>`;
    const prepared = await preparePlain({
      to: "other-agent@agents.example.com",
      subject: "s",
      text: "t",
    });
    const { raw } = await composeMime(prepared, { messageId, date: DATE });
    expect(rootHeaderBlock(raw)).toContain(`\r\nMessage-ID: ${messageId}\r\n`);
    expect(header(await parseWithPython(raw), "Message-ID")).toBe(messageId);
  });
});
