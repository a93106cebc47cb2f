import {
  fakeCrypto,
  fakeDirectory,
  fakeRecord,
  readText,
  recordingTransport,
} from "@assmbl/testing/fakes";
import {
  fakeEncryptedMessage,
  fakeEncryptingStream,
  fakePayloadOf,
} from "@assmbl/testing/message-fixtures";
import { describe, expect, it } from "vitest";
import { armoredMessageProblem } from "../ciphertext-guard.js";
import { AgentMailError } from "../errors.js";
import { AgentMailHeaders } from "../headers.js";
import { decodeManifest } from "../manifest.js";
import { mimeHeaders } from "../transport.js";
import { createMailer } from "./create-mailer.js";
import type { MailerOptions, MailMessage } from "./types.js";

const mailDomain = "agents.example.com";
const from = "my-agent@agents.example.com";
const peer = "other-agent@agents.example.com";

function setup(
  options: {
    records?: Parameters<typeof fakeDirectory>[0];
    crypto?: Parameters<typeof fakeCrypto>[0];
    mailer?: Partial<MailerOptions>;
  } = {},
) {
  const dir = fakeDirectory(
    options.records ?? { "other-agent": fakeRecord("other-agent"), third: fakeRecord("third") },
  );
  const cry = fakeCrypto(options.crypto);
  const out = recordingTransport();
  const mailer = createMailer(out.transport, {
    from,
    mailDomain,
    directory: dir.directory,
    crypto: cry.crypto,
    ...options.mailer,
  });
  return { mailer, dir, cry, out };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(AgentMailError.is(error)).toBe(true);
    return (error as AgentMailError).code;
  }
  return "no error";
}

function syncCodeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as AgentMailError).code;
  }
  return "no error";
}

describe("createMailer options", () => {
  const { transport } = recordingTransport();

  it("rejects an unknown option by name", () => {
    expect(() => createMailer(transport, { from, mailDomain, fromm: "x" } as never)).toThrow(
      /unknown option "fromm"/,
    );
    expect(
      syncCodeOf(() => createMailer(transport, { from, mailDomain, fromm: "x" } as never)),
    ).toBe("invalid_options");
  });

  it("rejects bad values with codes that say what to fix", () => {
    expect(syncCodeOf(() => createMailer(transport, { from: "not an address", mailDomain }))).toBe(
      "invalid_address",
    );
    expect(syncCodeOf(() => createMailer(transport, { from, mailDomain: "bad domain" }))).toBe(
      "invalid_options",
    );
    expect(syncCodeOf(() => createMailer(transport, { from } as never))).toBe("invalid_options");
    expect(
      syncCodeOf(() => createMailer(transport, { from, mailDomain, directory: {} as never })),
    ).toBe("invalid_options");
    expect(
      syncCodeOf(() =>
        createMailer(transport, { from, mailDomain, crypto: { encryptText() {} } as never }),
      ),
    ).toBe("invalid_options");
    expect(
      syncCodeOf(() =>
        createMailer(transport, { from, mailDomain, defaultHeaders: { Subject: "x" } }),
      ),
    ).toBe("reserved_header");
    expect(
      syncCodeOf(() =>
        createMailer(transport, {
          from,
          mailDomain,
          defaultHeaders: { "X-A": "a\r\nBcc: b@c.example" },
        }),
      ),
    ).toBe("header_injection");
  });

  it("rejects transports that are not v1 MailTransports", () => {
    expect(
      syncCodeOf(() =>
        createMailer({ name: "x", send: async () => ({ messageId: "m" }) } as never, {
          from,
          mailDomain,
        }),
      ),
    ).toBe("invalid_options");
    expect(
      syncCodeOf(() =>
        createMailer({ specificationVersion: "v1", name: "x" } as never, { from, mailDomain }),
      ),
    ).toBe("invalid_options");
    expect(syncCodeOf(() => createMailer(null as never, { from, mailDomain }))).toBe(
      "invalid_options",
    );
  });
});

describe("plain messages", () => {
  it("hands the transport addresses, subject, text and headers in order", async () => {
    const { mailer, out, dir } = setup({
      mailer: { defaultHeaders: { "X-Team": "ops", "X-Workflow-Name": "default" } },
    });
    const result = await mailer.send({
      to: ['"Other Agent" <other-agent@agents.example.com>'],
      cc: "cc@partner.example",
      bcc: ["hidden@agents.example.com"],
      replyTo: "replies@agents.example.com",
      subject: "Grüße",
      text: "hello",
      html: "<p>hello</p>",
      headers: { "x-workflow-name": "nightly" },
      correlationId: "corr-1",
      idempotencyKey: "idem-1",
      marketplaceRequestId: "mkt-1",
    });
    expect(dir.calls).toHaveLength(0);
    const [{ message }] = out.sent as [(typeof out.sent)[number]];
    expect(message.to).toEqual([
      { address: peer, localPart: "other-agent", domain: mailDomain, name: "Other Agent" },
    ]);
    expect(message.cc.map((m) => m.address)).toEqual(["cc@partner.example"]);
    expect(message.bcc.map((m) => m.address)).toEqual(["hidden@agents.example.com"]);
    expect(message.text).toBe("hello");
    expect(message.html).toBe("<p>hello</p>");
    expect(message.headers).toEqual({ "X-Team": "ops", "x-workflow-name": "nightly" });
    expect(Object.keys(mimeHeaders(message))).toEqual([
      AgentMailHeaders.correlationId,
      AgentMailHeaders.idempotencyKey,
      AgentMailHeaders.marketplaceRequestId,
      "X-Team",
      "x-workflow-name",
    ]);
    expect(JSON.stringify(message.headers)).not.toContain("hidden@");
    expect(result).toEqual({
      messageId: "<m1@test>",
      correlationId: "corr-1",
      idempotencyKey: "idem-1",
      transport: "recording",
      encrypted: { body: false, attachments: false },
      recipients: [
        { address: peer, kind: "to" },
        { address: "cc@partner.example", kind: "cc" },
        { address: "hidden@agents.example.com", kind: "bcc" },
      ],
      attachments: [],
      // Not encrypted: one message, Bcc in its envelope only.
      copies: [
        {
          kind: "primary",
          recipients: [peer, "cc@partner.example", "hidden@agents.example.com"],
          messageId: "<m1@test>",
          idempotencyKey: "idem-1",
        },
      ],
    });
  });

  it("sends attachments with a manifest and no encryption", async () => {
    const { mailer, out } = setup();
    await mailer.send({
      to: peer,
      subject: "files",
      attachments: [
        { filename: "notes.txt", content: "héllo" },
        {
          filename: "data.bin",
          content: new Uint8Array([1, 2, 3]),
          contentType: "application/x-data",
        },
        {
          objectKey: "uploads/my-agent/1-r.pdf",
          filename: "r.pdf",
          contentType: "application/pdf",
          size: 10,
        },
      ],
    });
    const message = out.sent[0]?.message;
    expect(message?.text).toBe("");
    expect(decodeManifest(message?.headers[AgentMailHeaders.attachments] ?? "")).toEqual([
      {
        index: 0,
        filename: "notes.txt",
        content_type: "text/plain; charset=utf-8",
        size: 6,
        encrypted: false,
      },
      {
        index: 1,
        filename: "data.bin",
        content_type: "application/x-data",
        size: 3,
        encrypted: false,
      },
      {
        index: 2,
        filename: "r.pdf",
        content_type: "application/pdf",
        size: 10,
        encrypted: false,
        object_key: "uploads/my-agent/1-r.pdf",
      },
    ]);
    expect(message?.attachments[2]?.content).toBeUndefined();
    expect(await readText(message?.attachments[0]?.content)).toBe("héllo");
  });
});

describe("encryption", () => {
  it("encrypts body and attachments to the recipient's checked key", async () => {
    const { mailer, out, dir, cry } = setup();
    const result = await mailer.send({
      to: peer,
      subject: "Encrypted task",
      text: "secret plan",
      attachments: [
        {
          filename: "report.pdf",
          content: new Uint8Array([37, 80, 68, 70]),
          contentType: "application/pdf",
        },
      ],
      encrypt: { body: true, attachments: true },
    });
    const message = out.sent[0]?.message;
    expect(message?.headers[AgentMailHeaders.encrypted]).toBe("body");
    expect(message?.text).toMatch(/^-----BEGIN PGP MESSAGE-----/);
    expect(message?.text).not.toContain("secret plan");
    expect(message?.encrypted).toEqual({ body: true });
    const rows = decodeManifest(message?.headers[AgentMailHeaders.attachments] ?? "");
    expect(rows).toEqual([
      {
        index: 0,
        filename: "report.pdf.asc",
        content_type: "application/pgp-encrypted",
        size: message?.attachments[0]?.manifest.size,
        encrypted: true,
        encryption: { algorithm: "openpgp", format: "armored" },
        original_filename: "report.pdf",
        original_content_type: "application/pdf",
      },
    ]);
    expect(await readText(message?.attachments[0]?.content)).toMatch(
      /^-----BEGIN PGP MESSAGE-----/,
    );
    expect(dir.calls).toEqual([{ agentId: "other-agent", options: { refresh: false } }]);
    expect(cry.calls.check).toBe(1);
    expect(result.encrypted).toEqual({ body: true, attachments: true });
    expect(result.recipients).toEqual([
      {
        address: peer,
        kind: "to",
        agentId: "other-agent",
        keyFingerprint: expect.stringMatching(/^fp-/),
      },
    ]);
  });

  it("encrypts a streamed attachment without reading it up front", async () => {
    const { out } = setup();
    // 2.5 MiB in 64 KiB chunks, pulled only on demand: prepare() may read ahead to check the
    // ciphertext's head (1 MiB of armor, about 14 chunks), never the whole stream. The size only
    // has to be well past twice that read-ahead for "less than half" to mean "not up front";
    // reading the armor back costs time per byte, so it is no larger.
    const chunk = new Uint8Array(64 * 1024).fill(0x61);
    const total = 40;
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          pulled++;
          controller.enqueue(chunk);
          if (pulled === total) controller.close();
        },
      },
      { highWaterMark: 0 },
    );
    const { crypto } = fakeCrypto();
    const mailer = createMailer(out.transport, {
      from,
      mailDomain,
      directory: fakeDirectory({ "other-agent": fakeRecord("other-agent") }).directory,
      crypto: {
        ...crypto,
        encryptAttachment: async (content) =>
          content instanceof Uint8Array ? content : content.pipeThrough(armorStream()),
      },
    });
    const prepared = await mailer.prepare({
      to: peer,
      subject: "big",
      attachments: [{ filename: "big.bin", content: stream }],
      encrypt: true,
    });
    expect(prepared.attachments[0]?.manifest.size).toBeUndefined();
    expect(pulled).toBeGreaterThan(0);
    expect(pulled).toBeLessThan(total / 2);
    const armored = await readText(prepared.attachments[0]?.content);
    expect(pulled).toBe(total);
    expect(armoredMessageProblem(armored)).toBeUndefined();
    expect(fakePayloadOf(armored)).toBe("a".repeat(total * chunk.length));
    expect(out.sent).toHaveLength(0);
  });

  it("passes already-encrypted attachments through without encrypting them again", async () => {
    const { mailer, out, cry } = setup();
    const armored = fakeEncryptedMessage("abc");
    await mailer.send({
      to: peer,
      subject: "pre-encrypted",
      text: "see attachment",
      attachments: [
        {
          filename: "r.pdf.asc",
          content: armored,
          encrypted: true,
          originalFilename: "r.pdf",
          originalContentType: "application/pdf",
        },
      ],
      encrypt: { attachments: true },
    });
    expect(cry.calls.attachment).toBe(0);
    expect(cry.calls.check).toBe(0);
    const row = out.sent[0]?.message.attachments[0]?.manifest;
    expect(row).toMatchObject({
      filename: "r.pdf.asc",
      content_type: "application/pgp-encrypted",
      encrypted: true,
      original_filename: "r.pdf",
    });
    expect(await readText(out.sent[0]?.message.attachments[0]?.content)).toBe(armored);
  });

  it("looks each agent up once across copies, and honours freshKeys", async () => {
    const { mailer, dir, cry } = setup();
    await mailer.send({
      to: [peer, "Other <OTHER-AGENT@agents.example.com>"],
      bcc: ["third@agents.example.com"],
      subject: "s",
      text: "t",
      encrypt: { body: true, freshKeys: true },
    });
    expect(dir.calls).toEqual([
      { agentId: "other-agent", options: { refresh: true } },
      { agentId: "third", options: { refresh: true } },
    ]);
    // The primary to the To recipient (named twice) and the Bcc recipient's own copy.
    expect(cry.calls.recipients.map((list) => list.map((r) => r.agentId))).toEqual([
      ["other-agent"],
      ["third"],
    ]);
  });

  it("uses peerAgentId for recipients outside the mail domain", async () => {
    const { mailer, dir } = setup({
      records: {
        "partner-bot": fakeRecord("partner-bot"),
        "other-agent": fakeRecord("other-agent"),
      },
    });
    await mailer.send({
      to: "bot@partner.example",
      subject: "s",
      text: "t",
      encrypt: true,
      peerAgentId: "Partner-Bot",
    });
    await mailer.send({
      to: ["bot@partner.example", peer],
      subject: "s",
      text: "t",
      encrypt: true,
      peerAgentId: { "BOT@partner.example": "partner-bot" },
    });
    expect(dir.calls.map((c) => c.agentId)).toEqual(["partner-bot", "partner-bot", "other-agent"]);
  });
});

describe("fail-closed rules: nothing reaches the transport", () => {
  const base: MailMessage = { to: peer, subject: "s", text: "t", encrypt: { body: true } };

  const cases: [string, () => ReturnType<typeof setup>, MailMessage, string][] = [
    [
      "no crypto configured",
      () => setup({ mailer: { crypto: undefined } }),
      base,
      "crypto_not_configured",
    ],
    [
      "no directory configured",
      () => setup({ mailer: { directory: undefined } }),
      base,
      "crypto_not_configured",
    ],
    [
      "peer without an OpenPGP key",
      () =>
        setup({
          records: { "other-agent": fakeRecord("other-agent", { openpgpPublicKey: null }) },
        }),
      base,
      "peer_missing_openpgp_public_key",
    ],
    [
      "revoked peer",
      () =>
        setup({ records: { "other-agent": fakeRecord("other-agent", { keyStatus: "revoked" }) } }),
      base,
      "peer_key_revoked",
    ],
    [
      "oversized key",
      () =>
        setup({
          records: {
            "other-agent": fakeRecord("other-agent", { openpgpPublicKey: "x".repeat(65 * 1024) }),
          },
        }),
      base,
      "key_too_large",
    ],
    [
      "directory answering for another agent",
      () => setup({ records: { "other-agent": fakeRecord("someone-else") } }),
      base,
      "invalid_directory_response",
    ],
    [
      "directory throwing a foreign error",
      () => setup({ records: { "other-agent": new Error("ECONNRESET") } }),
      base,
      "directory_unavailable",
    ],
    [
      "directory throwing an AgentMailError",
      () =>
        setup({
          records: {
            "other-agent": new AgentMailError({ code: "agent_not_found", message: "no" }),
          },
        }),
      base,
      "agent_not_found",
    ],
    [
      "recipient off the mail domain without peerAgentId",
      () => setup(),
      { ...base, to: "bot@partner.example" },
      "peer_agent_id_required",
    ],
    [
      "HTML next to an encrypted body",
      () => setup(),
      { ...base, html: "<p>t</p>" },
      "html_not_encryptable",
    ],
    [
      "stored plaintext attachment with attachment encryption",
      () => setup(),
      {
        ...base,
        attachments: [{ objectKey: "uploads/a/1", filename: "a.txt", contentType: "text/plain" }],
        encrypt: { attachments: true },
      },
      "attachment_not_encryptable",
    ],
    [
      "crypto rejecting the peer key",
      () =>
        setup({
          crypto: {
            checkRecipientKey: async () => {
              throw new AgentMailError({ code: "peer_key_weak", message: "RSA 1024" });
            },
          },
        }),
      base,
      "peer_key_weak",
    ],
    [
      "a custom crypto's own Error while encrypting the body (wrapped, cause kept)",
      () =>
        setup({
          crypto: {
            encryptText: async () => {
              throw new TypeError("secret key material 1234");
            },
          },
        }),
      base,
      "encryption_failed",
    ],
    [
      "a custom crypto's own Error while encrypting an attachment",
      () =>
        setup({
          crypto: {
            encryptAttachment: async () => {
              throw new Error("boom");
            },
          },
        }),
      { ...base, attachments: [{ filename: "a.txt", content: "plain" }], encrypt: true },
      "encryption_failed",
    ],
    [
      "a custom crypto's own Error while checking a key",
      () =>
        setup({
          crypto: {
            checkRecipientKey: async () => {
              throw new RangeError("bad key");
            },
          },
        }),
      base,
      "encryption_failed",
    ],
    [
      "crypto returning plaintext for the body",
      () => setup({ crypto: { encryptText: async (text) => text } }),
      base,
      "encryption_failed",
    ],
    [
      "crypto returning plaintext for an attachment",
      () => setup({ crypto: { encryptAttachment: async (content) => content } }),
      { ...base, attachments: [{ filename: "a.txt", content: "plain" }], encrypt: true },
      "encryption_failed",
    ],
    [
      "attachment flagged encrypted that is plaintext",
      () => setup(),
      { ...base, attachments: [{ filename: "a.asc", content: "plain", encrypted: true }] },
      "encryption_failed",
    ],
  ];

  it.each(cases)("%s", async (_name, make, message, code) => {
    const { mailer, out } = make();
    const error = await mailer.send(message).catch((e: unknown) => e);
    expect(AgentMailError.is(error, code)).toBe(true);
    expect(out.sent).toHaveLength(0);
  });

  it("a custom crypto's own Error: the cause is kept, its text is not repeated in the message", async () => {
    const thrown = new TypeError("secret key material 1234");
    const { mailer } = setup({
      crypto: {
        encryptText: async () => {
          throw thrown;
        },
      },
    });
    const error = (await mailer.send(base).catch((e: unknown) => e)) as AgentMailError;
    expect(error.cause).toMatchObject({ name: "TypeError" });
    expect(error.message).toContain("TypeError");
    expect(error.message).not.toContain("secret key material");
  });

  it("reports a missing key with status 409", async () => {
    const { mailer } = setup({
      records: { "other-agent": fakeRecord("other-agent", { openpgpPublicKey: null }) },
    });
    const error = await mailer.send(base).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "peer_missing_openpgp_public_key",
      status: 409,
      retryable: false,
    });
  });

  it("fails closed when a streamed ciphertext turns out to be plaintext", async () => {
    const { mailer } = setup({
      crypto: {
        encryptAttachment: async () =>
          new Response("plaintext that is long enough to check").body as ReadableStream<Uint8Array>,
      },
    });
    // The head of the stream is checked before the transport is called: prepare itself fails.
    const prepared = mailer.prepare({
      ...base,
      encrypt: true,
      attachments: [{ filename: "a.bin", content: new Uint8Array([1]) }],
    });
    expect(await codeOf(prepared)).toBe("encryption_failed");
  });
});

describe("message validation", () => {
  const cases: [string, unknown, string][] = [
    ["unknown key", { to: peer, subject: "s", text: "t", bodyy: "x" }, "invalid_message"],
    ["missing subject", { to: peer, text: "t" }, "invalid_message"],
    ["no body at all", { to: peer, subject: "s" }, "invalid_message"],
    ["empty to", { to: [], subject: "s", text: "t" }, "no_recipients"],
    ["bad address", { to: "nope", subject: "s", text: "t" }, "invalid_address"],
    [
      "CRLF in subject",
      { to: peer, subject: "hi\r\nBcc: x@y.example", text: "t" },
      "header_injection",
    ],
    [
      "CRLF in display name",
      { to: '"A\r\nB" <a@b.example>', subject: "s", text: "t" },
      "header_injection",
    ],
    [
      "LF in custom header",
      { to: peer, subject: "s", text: "t", headers: { "X-A": "a\nb" } },
      "header_injection",
    ],
    [
      "bad header name",
      { to: peer, subject: "s", text: "t", headers: { "X A": "a" } },
      "invalid_header",
    ],
    [
      "reserved header",
      { to: peer, subject: "s", text: "t", headers: { "content-type": "text/html" } },
      "reserved_header",
    ],
    [
      "Resent-Bcc (every recipient would see it)",
      { to: peer, subject: "s", text: "t", headers: { "Resent-Bcc": "hidden@agents.example.com" } },
      "reserved_header",
    ],
    [
      "resent-from in any case",
      { to: peer, subject: "s", text: "t", headers: { "rEsEnT-fRoM": "boss@agents.example.com" } },
      "reserved_header",
    ],
    [
      "SDK-owned X-AgentMail header",
      { to: peer, subject: "s", text: "t", headers: { "X-AgentMail-Encrypted": "body" } },
      "reserved_header",
    ],
    [
      "same header twice",
      { to: peer, subject: "s", text: "t", headers: { "X-A": "1", "x-a": "2" } },
      "invalid_header",
    ],
    [
      "CR in correlation id",
      { to: peer, subject: "s", text: "t", correlationId: "a\rb" },
      "header_injection",
    ],
    [
      "overlong idempotency key",
      { to: peer, subject: "s", text: "t", idempotencyKey: "k".repeat(257) },
      "invalid_message",
    ],
    [
      "CRLF in filename",
      { to: peer, subject: "s", attachments: [{ filename: "a\r\n.txt", content: "x" }] },
      "header_injection",
    ],
    [
      "CRLF in content type",
      {
        to: peer,
        subject: "s",
        attachments: [
          { filename: "a.txt", content: "x", contentType: "text/plain;\r\nBcc: e@x.example" },
        ],
      },
      "header_injection",
    ],
    [
      "LF in a stored attachment's original content type",
      {
        to: peer,
        subject: "s",
        attachments: [
          {
            objectKey: "k",
            filename: "a.asc",
            contentType: "application/pgp-encrypted",
            encrypted: true,
            originalContentType: "a/b\nX: y",
          },
        ],
      },
      "header_injection",
    ],
    [
      "path as filename",
      { to: peer, subject: "s", attachments: [{ filename: "../etc/passwd", content: "x" }] },
      "invalid_attachment",
    ],
    [
      "unknown attachment key",
      { to: peer, subject: "s", attachments: [{ filename: "a", content: "x", mime: "y" }] },
      "invalid_attachment",
    ],
    [
      "attachment content a number",
      { to: peer, subject: "s", attachments: [{ filename: "a", content: 42 }] },
      "invalid_attachment",
    ],
    [
      "a multipart container as an attachment type",
      {
        to: peer,
        subject: "s",
        attachments: [{ filename: "a", content: "x", contentType: "multipart/mixed; boundary=x" }],
      },
      "invalid_attachment",
    ],
    [
      "message/rfc822 as an attachment type",
      {
        to: peer,
        subject: "s",
        attachments: [{ filename: "a.eml", content: "x", contentType: "Message/RFC822" }],
      },
      "invalid_attachment",
    ],
    [
      "bad content type",
      {
        to: peer,
        subject: "s",
        attachments: [{ filename: "a", content: "x", contentType: "pdf" }],
      },
      "invalid_attachment",
    ],
    [
      "peerAgentId string with two recipients",
      { to: [peer, "b@agents.example.com"], subject: "s", text: "t", peerAgentId: "x" },
      "invalid_message",
    ],
    [
      "invalid peerAgentId",
      { to: peer, subject: "s", text: "t", peerAgentId: "no spaces" },
      "invalid_agent_id",
    ],
    [
      "unknown encrypt option",
      { to: peer, subject: "s", text: "t", encrypt: { bodyy: true } },
      "invalid_message",
    ],
  ];

  it.each(cases)("%s", async (_name, message, code) => {
    const { mailer, out, dir } = setup();
    expect(await codeOf(mailer.send(message as MailMessage))).toBe(code);
    expect(out.sent).toHaveLength(0);
    expect(dir.calls).toHaveLength(0);
  });

  it("names the unknown key in the message", async () => {
    const { mailer } = setup();
    await expect(
      mailer.send({ to: peer, subject: "s", text: "t", bodyy: "x" } as never),
    ).rejects.toThrow(/unknown option "bodyy"/);
  });

  it("rejects unknown send options and honours an aborted signal", async () => {
    const { mailer, out } = setup();
    expect(
      await codeOf(mailer.send({ to: peer, subject: "s", text: "t" }, { timeout: 1 } as never)),
    ).toBe("invalid_options");
    expect(
      await codeOf(
        mailer.send({ to: peer, subject: "s", text: "t" }, { signal: AbortSignal.abort() }),
      ),
    ).toBe("aborted");
    expect(out.sent).toHaveLength(0);
  });
});

describe("transport outcomes", () => {
  it("wraps a foreign transport error and passes an AgentMailError through", async () => {
    const failing = (error: unknown) =>
      createMailer(
        { specificationVersion: "v1", name: "boom", send: async () => Promise.reject(error) },
        { from, mailDomain },
      );
    const message = { to: peer, subject: "s", text: "t" };
    expect(await codeOf(failing(new Error("socket hang up")).send(message))).toBe(
      "transport_failed",
    );
    expect(
      await codeOf(
        failing(new AgentMailError({ code: "rate_limited", message: "slow" })).send(message),
      ),
    ).toBe("rate_limited");
  });

  it("reports the correlation id the transport assigned and passes the signal on", async () => {
    const out = recordingTransport({ correlationId: "generated-corr" });
    const mailer = createMailer(out.transport, { from, mailDomain });
    const controller = new AbortController();
    const result = await mailer.send(
      { to: peer, subject: "s", text: "t" },
      { signal: controller.signal },
    );
    expect(result.correlationId).toBe("generated-corr");
    expect(out.sent[0]?.options.signal).toBe(controller.signal);
  });

  it("prepare never calls the transport", async () => {
    const { mailer, out } = setup();
    const prepared = await mailer.prepare({ to: peer, subject: "s", text: "t", encrypt: true });
    expect(prepared.specificationVersion).toBe("v1");
    expect(prepared.headers[AgentMailHeaders.encrypted]).toBe("body");
    expect(out.sent).toHaveLength(0);
  });
});

// A fake stream "encryption" that reads as it goes and writes a well-formed message shape.
function armorStream(): TransformStream<Uint8Array, Uint8Array> {
  return fakeEncryptingStream();
}
