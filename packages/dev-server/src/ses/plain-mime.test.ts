import { type Mailbox, type PreparedMessage, parseAddress } from "@assmbl/core";
import { describe, expect, it } from "vitest";
import { lf, parseWithPython } from "../testing/ses.js";
import { decodeBase64Strict } from "./base64.js";
import { renderPlainMime } from "./plain-mime.js";

const prepared = (overrides: Partial<PreparedMessage> = {}): PreparedMessage => ({
  specificationVersion: "v1",
  from: parseAddress("sender@agents.localhost"),
  to: [parseAddress("peer@agents.localhost")],
  cc: [],
  bcc: [],
  replyTo: [],
  subject: "hello",
  text: "body",
  headers: {},
  attachments: [],
  encrypted: { body: false },
  ...overrides,
});
const render = (overrides: Partial<PreparedMessage> = {}) =>
  renderPlainMime(prepared(overrides), {
    messageId: "id-1",
    date: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
  });

describe("renderPlainMime", () => {
  it("answers composeMime's shape and writes Date and Message-ID", () => {
    const { raw, messageId } = render();
    expect(messageId).toBe("<id-1@email.amazonses.com>");
    const text = new TextDecoder().decode(raw);
    expect(text).toContain("\r\nDate: Fri, 02 Jan 2026 03:04:05 +0000\r\n");
    expect(text).toContain("\r\nMessage-ID: <id-1@email.amazonses.com>\r\n");
    expect(text).not.toMatch(/[^\r]\n/);
  });

  it("folds a long ASCII subject at spaces and Python reads it back unchanged", () => {
    const subject = Array.from({ length: 40 }, (_, i) => `word${i}`).join(" ");
    const { raw } = render({ subject });
    const lines = new TextDecoder().decode(raw).split("\r\n");
    expect(lines.filter((line) => line.length > 78)).toEqual([]);
    expect(parseWithPython(raw).subject).toBe(subject);
  });

  it.each([
    ["looks like an encoded word", "=?UTF-8?B?aGk=?= is literal"],
    ["has a control character", "tab\there and a\r\nline break"],
    ["is one long token", "x".repeat(1200)],
    ["is empty", ""],
  ])("a subject that %s survives Python's parser", (_name, subject) => {
    const parsed = parseWithPython(render({ subject }).raw);
    expect(parsed.defects).toEqual([]);
    expect(parsed.subject?.replace(/\r\n/g, "\n")).toBe(subject.replace(/\r\n/g, "\n"));
  });

  it("encodes non-ASCII display names and folds long mailbox lists", () => {
    const many: Mailbox[] = Array.from({ length: 8 }, (_, i) =>
      parseAddress(`Empfänger Nummer ${i} mit einem langen Namen <r${i}@partner.example>`),
    );
    const { raw } = render({ to: many, cc: [parseAddress('"Doe, Jane" <jane@x.example>')] });
    const lines = new TextDecoder().decode(raw).split("\r\n");
    expect(lines.filter((line) => line.length > 78 && !line.startsWith("Message-ID"))).toEqual([]);
    const parsed = parseWithPython(raw);
    expect(parsed.to).toEqual(many.map((mailbox) => [mailbox.name, mailbox.address]));
    expect(parsed.cc).toEqual([["Doe, Jane", "jane@x.example"]]);
  });

  it("html only, text only with long lines, and the empty message", () => {
    const htmlOnly = parseWithPython(render({ text: "", html: "<p>hi</p>" }).raw);
    expect(htmlOnly).toMatchObject({ contentType: "text/html", html: "<p>hi</p>\r\n", text: null });
    const long = "y".repeat(1500);
    const longRaw = render({ text: long }).raw;
    expect(new TextDecoder().decode(longRaw)).toContain("Content-Transfer-Encoding: base64");
    expect(lf(parseWithPython(longRaw).text)).toBe(long);
    const empty = parseWithPython(render({ text: "" }).raw);
    expect(empty).toMatchObject({ contentType: "text/plain", text: "" });
  });
});

describe("decodeBase64Strict", () => {
  it.each([
    ["aGk=", [104, 105]],
    ["aGVsbG8=", [104, 101, 108, 108, 111]],
    ["aGVs\r\nbG8=", [104, 101, 108, 108, 111]],
    ["", []],
  ])("decodes %j", (text, expected) => {
    const bytes = decodeBase64Strict(text);
    expect(bytes && [...bytes]).toEqual(expected);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(bytes)).toBe(false);
  });

  it.each(["aGk", "aG k=", "aGk=a", "a===", "aGk*", "=aGk", "aGVsbG8-", "aGVsbG8_"])(
    "refuses %j",
    (text) => {
      expect(decodeBase64Strict(text)).toBeUndefined();
    },
  );
});
