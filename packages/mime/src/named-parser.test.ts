// Attachment names in each form a sender can write them, read by parseMime and openMessage and by
// Python's `email` (the Python SDK's reader: iter_attachments + get_filename, policy.default) from
// the same bytes. The RFC 2231 forms carry encoded-word look-alikes: Python reads them literally,
// and so must we (postal-mime alone decodes them a second time, to a CR LF or a path).

import { pythonSdk } from "@assmbl/testing/python";
import { describe, expect, it } from "vitest";
import { hasExtendedParameter } from "./named-parser.js";
import { openMessage } from "./open-message.js";
import { parseMime } from "./parse-mime.js";

const enc = (text: string) =>
  Array.from(new TextEncoder().encode(text), (byte) =>
    /[A-Za-z0-9._-]/.test(String.fromCharCode(byte))
      ? String.fromCharCode(byte)
      : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`,
  ).join("");

const CRLF_WORD = "=?utf-8?b?SW52b2ljZQ0KQmNjOiBldmlsQGV2aWwuZXhhbXBsZQ==?=";
const PATH_WORD = "=?utf-8?q?..=2F..=2F.ssh=2Fauthorized=5Fkeys?=";
const TWO_WORDS = "=?utf-8?q?a?= =?iso-8859-1?q?b=0D?=";

/** [label, the part's name headers, the name Python reads]. */
const FORMS: [string, string, string][] = [
  [
    "filename*= with a b-word decoding to CR LF",
    `Content-Disposition: attachment; filename*=utf-8''${enc(CRLF_WORD)}`,
    CRLF_WORD,
  ],
  [
    "filename*0*= / filename*1*= sections with a q-word decoding to a path",
    `Content-Disposition: attachment;\r\n filename*0*=utf-8''${enc(PATH_WORD.slice(0, 12))};\r\n filename*1*=${enc(PATH_WORD.slice(12))}`,
    PATH_WORD,
  ],
  [
    "filename*= with two adjacent words",
    `Content-Disposition: attachment; filename*=utf-8''${enc(TWO_WORDS)}`,
    TWO_WORDS,
  ],
  [
    "Content-Type name*= (no filename)",
    `Content-Type: application/octet-stream; name*=utf-8''${enc(PATH_WORD)}\r\nContent-Disposition: attachment`,
    PATH_WORD,
  ],
  [
    "filename*= in iso-8859-1",
    "Content-Disposition: attachment; filename*=iso-8859-1''caf%E9.txt",
    "café.txt",
  ],
  [
    "plain quoted filename holding an encoded word (decoded, as Python does)",
    `Content-Disposition: attachment; filename="${PATH_WORD}"`,
    "../../.ssh/authorized_keys",
  ],
  [
    "plain quoted filename with a word between text",
    'Content-Disposition: attachment; filename="x =?utf-8?q?a=2Fb?= y"',
    "x a/b y",
  ],
  [
    "plain Content-Type name holding an encoded word",
    'Content-Type: application/octet-stream; name="=?utf-8?q?n=2Fm.txt?="\r\nContent-Disposition: attachment',
    "n/m.txt",
  ],
  ["plain filename", 'Content-Disposition: attachment; filename="report.pdf"', "report.pdf"],
];

function message(): Uint8Array {
  const parts = FORMS.map(([, headers]) => {
    const type = headers.startsWith("Content-Type")
      ? ""
      : "Content-Type: application/octet-stream\r\n";
    return `--B\r\n${type}${headers}\r\nContent-Transfer-Encoding: base64\r\n\r\nZGF0YQ==\r\n`;
  });
  return new TextEncoder().encode(
    `From: a@agents.example.com\r\nTo: b@agents.example.com\r\nSubject: names\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="B"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nhello\r\n${parts.join("")}--B--\r\n`,
  );
}

describe("attachment names as Python's email reads them", () => {
  it("parseMime (whole and stripped) reads each form as Python does", async () => {
    const raw = message();
    const python = await pythonSdk.readMessage(raw);
    const expected = FORMS.map(([, , name]) => name);
    // The expectations are Python's reading of these bytes, not our guess.
    expect(python.attachments.map((a) => a.filename)).toEqual(expected);
    const whole = await parseMime(raw);
    expect(whole.attachments.map((a) => a.filename)).toEqual(expected);
    const stripped = await parseMime(raw, { stripAttachments: true });
    expect(stripped.attachments.every((a) => a.body !== undefined)).toBe(true);
    expect(stripped.attachments.map((a) => a.filename)).toEqual(expected);
  });

  it("openMessage returns a look-alike given by RFC 2231 as its literal text", async () => {
    const opened = await openMessage(message());
    const names = opened.attachments.map((a) => a.filename);
    expect(names.slice(0, 4)).toEqual([CRLF_WORD, PATH_WORD, TWO_WORDS, PATH_WORD]);
    // A plain parameter is decoded (as Python does); the reader cuts the path to its last segment.
    expect(names[5]).toBe("authorized_keys");
  });

  it("hasExtendedParameter finds RFC 2231 names only outside quoted strings", () => {
    expect(hasExtendedParameter("attachment; filename*=utf-8''a", "filename")).toBe(true);
    expect(hasExtendedParameter("attachment; FILENAME*0*=utf-8''a; filename*1=b", "filename")).toBe(
      true,
    );
    expect(hasExtendedParameter("attachment; filename*0=a", "filename")).toBe(true);
    expect(hasExtendedParameter('attachment; x="; filename*=a"; filename=b', "filename")).toBe(
      false,
    );
    expect(hasExtendedParameter('attachment; x="\\"; filename*=a"', "filename")).toBe(false);
    expect(hasExtendedParameter("attachment; filenames*=a", "filename")).toBe(false);
    expect(hasExtendedParameter("attachment; filename=a*", "filename")).toBe(false);
    expect(hasExtendedParameter(undefined, "filename")).toBe(false);
  });
});
