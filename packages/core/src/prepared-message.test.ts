import { fakeCrypto, fakeDirectory, fakeRecord, recordingTransport } from "@assmbl/testing/fakes";
import { fakeEncryptedMessage } from "@assmbl/testing/message-fixtures";
import { describe, expect, it, vi } from "vitest";
import { AgentMailError } from "./errors.js";
import { AgentMailHeaders, ENCRYPTED_BODY } from "./headers.js";
import { createMailer } from "./mailer/create-mailer.js";
import { encodeManifest } from "./manifest.js";
import {
  assertPrepared,
  isValidatedPrepared,
  validatePreparedMessage,
} from "./prepared-message.js";
import type { PreparedMessage } from "./transport.js";

const mailDomain = "agents.example.com";
const encoder = new TextEncoder();
const FAKE_ARMOR = "-----BEGIN PGP MESSAGE-----\n\nin clear\n-----END PGP MESSAGE-----\n";
const ROW = {
  index: 0,
  filename: "q3.csv.asc",
  content_type: "application/pgp-encrypted",
  encrypted: true,
  encryption: { algorithm: "openpgp", format: "armored" },
};

function mailer(encrypting = false) {
  const out = recordingTransport();
  return {
    out,
    mailer: createMailer(out.transport, {
      from: "Bot <bot@agents.example.com>",
      mailDomain,
      ...(encrypting
        ? {
            directory: fakeDirectory({ peer: fakeRecord("peer"), audit: fakeRecord("audit") })
              .directory,
            crypto: fakeCrypto().crypto,
          }
        : {}),
    }),
  };
}

const plain = () =>
  mailer().mailer.prepare({
    to: "peer@agents.example.com",
    subject: "s",
    text: "t",
    headers: { "X-Run": "1" },
    attachments: [{ filename: "a.txt", content: "x" }],
  });

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (AgentMailError.is(error)) return error.code;
    throw error;
  }
  return undefined;
}

describe("the mailer's prepared messages", () => {
  it("are frozen (arrays, mailboxes, rows, headers) and marked as validated", async () => {
    const prepared = await plain();
    expect(isValidatedPrepared(prepared)).toBe(true);
    for (const part of [
      prepared,
      prepared.to,
      prepared.from,
      prepared.headers,
      prepared.attachments,
      prepared.attachments[0],
      prepared.attachments[0]?.manifest,
      prepared.encrypted,
    ]) {
      expect(Object.isFrozen(part)).toBe(true);
    }
    expect(assertPrepared(prepared)).toBe(prepared);
  });

  it("every copy of an encrypted send with Bcc is marked, and the transport gets the marked ones", async () => {
    const { mailer: m, out } = mailer(true);
    const message = {
      to: "peer@agents.example.com",
      bcc: "audit@agents.example.com",
      subject: "s",
      text: "t",
      encrypt: true,
    };
    const copies = await m.prepareCopies(message);
    expect(copies.map((copy) => isValidatedPrepared(copy.message))).toEqual([true, true]);
    await m.send(message);
    expect(out.sent.map(({ message: sent }) => isValidatedPrepared(sent))).toEqual([true, true]);
  });
});

describe("assertPrepared", () => {
  it("validates a copy once and returns a frozen, marked copy of it", async () => {
    const prepared = await plain();
    const copy = { ...prepared };
    expect(isValidatedPrepared(copy)).toBe(false);
    const checked = assertPrepared(copy);
    expect(checked).not.toBe(copy);
    expect(checked).toEqual(prepared);
    expect(isValidatedPrepared(checked) && Object.isFrozen(checked.headers)).toBe(true);
    expect(assertPrepared(checked)).toBe(checked);
  });

  it("checks a snapshot: a getter cannot answer safely to the check and unsafely to the transport", async () => {
    const prepared = await plain();
    let reads = 0;
    const tricky = {
      ...prepared,
      get subject() {
        reads += 1;
        return reads === 1 ? "safe" : "x\r\nBcc: victim@agents.example.com";
      },
    };
    const checked = assertPrepared(tricky);
    expect(checked.subject).toBe("safe");
  });

  it("a second copy of core (a second module instance) validates what the first marked, once more", async () => {
    const prepared = await plain();
    vi.resetModules();
    const other = await import("./prepared-message.js");
    expect(other.isValidatedPrepared(prepared)).toBe(false);
    const checked = other.assertPrepared(prepared);
    expect(checked).not.toBe(prepared);
    expect(other.isValidatedPrepared(checked)).toBe(true);
  });
});

describe("validatePreparedMessage refuses", () => {
  const base = async (): Promise<PreparedMessage> => plain();
  const cases: [string, string, (m: PreparedMessage) => unknown][] = [
    ["not a prepared message", "invalid_message", () => ({ specificationVersion: "v2" })],
    [
      "content that is not bytes",
      "invalid_message",
      (m) => ({
        ...m,
        attachments: [{ manifest: m.attachments[0]?.manifest, content: "x" }],
      }),
    ],
    [
      "an injected header",
      "header_injection",
      (m) => ({ ...m, headers: { ...m.headers, "X-Run": "1\r\nBcc: v@x.example" } }),
    ],
    [
      "usage without a marketplace request id (it would settle nothing)",
      "invalid_message",
      (m) => ({ ...m, usage: { tokens_input: 5 } }),
    ],
    [
      "an injected correlation id",
      "header_injection",
      (m) => ({ ...m, correlationId: "c\nBcc: v@x.example" }),
    ],
    [
      "a header name with a space",
      "invalid_header",
      (m) => ({ ...m, headers: { ...m.headers, "X Run": "1" } }),
    ],
    [
      "a header twice",
      "invalid_header",
      (m) => ({ ...m, headers: { ...m.headers, "x-run": "2" } }),
    ],
    [
      "a reserved header",
      "reserved_header",
      (m) => ({ ...m, headers: { ...m.headers, Bcc: "v@x.example" } }),
    ],
    // parseInput refuses a lone surrogate anywhere in the message.
    ["a subject with a lone surrogate", "invalid_message", (m) => ({ ...m, subject: "a\uD800" })],
    [
      "an address holding =?",
      "invalid_address",
      (m) => ({
        ...m,
        to: [
          { address: "=?utf-8?q?x?=@x.example", localPart: "=?utf-8?q?x?=", domain: "x.example" },
        ],
      }),
    ],
    [
      "an address smuggling a second one",
      "invalid_address",
      (m) => ({
        ...m,
        to: [{ address: "a@x.example, b@x.example", localPart: "a", domain: "x.example" }],
      }),
    ],
    [
      "a display name with a line break",
      "header_injection",
      (m) => ({
        ...m,
        from: { ...m.from, name: "Bot\r\nBcc: v@x.example" },
      }),
    ],
    ["no recipient", "no_recipients", (m) => ({ ...m, to: [] })],
    [
      "a filename with a control character",
      "header_injection",
      (m) => withRow(m, { filename: "a\u0085.txt" }),
    ],
    [
      "a media type holding =?",
      "invalid_attachment",
      (m) => withRow(m, { content_type: "text/plain; charset==?x?=" }),
    ],
    ["rows out of MIME order", "invalid_manifest", (m) => withRow(m, { index: 3 })],
    [
      "a manifest header that disagrees with the rows",
      "invalid_manifest",
      (m) => ({
        ...m,
        headers: { ...m.headers, [AgentMailHeaders.attachments]: encodeManifest([ROW]) },
      }),
    ],
    [
      "a manifest header without attachments",
      "invalid_manifest",
      (m) => ({ ...m, attachments: [] }),
    ],
    [
      "the encrypted header on a plain body",
      "invalid_message",
      (m) => ({
        ...m,
        headers: { ...m.headers, [AgentMailHeaders.encrypted]: ENCRYPTED_BODY },
      }),
    ],
    [
      "an encrypted body without its header",
      "invalid_message",
      (m) => ({
        ...m,
        text: fakeEncryptedMessage("x"),
        encrypted: { body: true },
      }),
    ],
    [
      "HTML beside an encrypted body",
      "html_not_encryptable",
      (m) => encryptedBody(m, fakeEncryptedMessage("x"), "<p>x</p>"),
    ],
    ["plaintext between armor lines", "encryption_failed", (m) => encryptedBody(m, FAKE_ARMOR)],
    [
      "encrypted attachment bytes that are not ciphertext",
      "encryption_failed",
      (m) => ({
        ...m,
        headers: { [AgentMailHeaders.attachments]: encodeManifest([ROW]) },
        attachments: [{ manifest: ROW, content: encoder.encode(FAKE_ARMOR) }],
      }),
    ],
  ];
  it.each(cases)("%s: %s", async (_, code, change) => {
    const message = change(await base());
    expect(codeOf(() => validatePreparedMessage(message))).toBe(code);
    expect(codeOf(() => assertPrepared(message))).toBe(code);
  });

  it("accepts what the mailer made, real-shaped ciphertext, and rows without a manifest header", async () => {
    const m = await base();
    // The SDK's transports write the header from the rows (withManifestRows) in any case.
    const { [AgentMailHeaders.attachments]: _manifest, ...headers } = m.headers;
    expect(codeOf(() => validatePreparedMessage({ ...m, headers }))).toBe(undefined);
    expect(codeOf(() => validatePreparedMessage(encryptedBody(m, fakeEncryptedMessage("x"))))).toBe(
      undefined,
    );
  });

  it("wraps an encrypted stream in the streaming check: it errors when read, before a line of plaintext", async () => {
    const m = await base();
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(FAKE_ARMOR));
        controller.close();
      },
    });
    const checked = validatePreparedMessage({
      ...m,
      headers: { [AgentMailHeaders.attachments]: encodeManifest([ROW]) },
      attachments: [{ manifest: ROW, content: stream }],
    });
    const content = checked.attachments[0]?.content as ReadableStream<Uint8Array>;
    const reader = content.getReader();
    const error = await reader.read().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(AgentMailError.is(error) && error.code).toBe("encryption_failed");
  });
});

function withRow(m: PreparedMessage, change: Record<string, unknown>): PreparedMessage {
  const rows = m.attachments.map((a) => ({ ...a.manifest, ...change }));
  return {
    ...m,
    // The header written as the rows say, so the row's own check is what refuses it.
    headers: { ...m.headers, [AgentMailHeaders.attachments]: JSON.stringify(rows) },
    attachments: m.attachments.map((a, i) => ({ ...a, manifest: rows[i] as never })),
  };
}

function encryptedBody(m: PreparedMessage, text: string, html?: string): PreparedMessage {
  return {
    ...m,
    text,
    ...(html === undefined ? {} : { html }),
    encrypted: { body: true },
    headers: { ...m.headers, [AgentMailHeaders.encrypted]: ENCRYPTED_BODY },
  };
}
