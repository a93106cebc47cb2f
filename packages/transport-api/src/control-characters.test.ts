import type { ReceivedMessage } from "@assmbl/mime";
import { cleanText, openMessage } from "@assmbl/mime";
import { type SESClient, SendRawEmailCommand } from "@aws-sdk/client-ses";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleBytes } from "./testing/fixtures.js";
import {
  devSesClient,
  encryptForReceiver,
  type Platform,
  RECEIVER,
  RECEIVER_ID,
  SENDER,
  startPlatform,
} from "./testing/platform.js";

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const FFFD = "\ufffd";

let platform: Platform;
let ses: SESClient;
let cipher: string;
const pdf = sampleBytes(2_000, 9);

beforeAll(async () => {
  platform = await startPlatform({ attachmentProcessingMs: 0 });
  ses = devSesClient(platform.server);
  cipher = await encryptForReceiver(platform, pdf);
});
afterAll(async () => {
  ses?.destroy();
  await platform?.stop();
});

// The manifest's strings carry controls as JSON escapes, and one through an encoded word (a C1
// CSI, U+009B, which JSON allows raw once decoded).
const MANIFEST = JSON.stringify([
  {
    index: 0,
    filename: "r\r\neport.pdf.asc",
    content_type: "application/pgp-encrypted",
    encrypted: true,
    encryption: { algorithm: "openpgp", format: "armored" },
    original_filename: "evil\u0000.pdf",
    original_content_type: "application/pdf\u001b[31m",
  },
  { index: 1, filename: "notes.txt", content_type: "text/plain; x=\u0085", encrypted: false },
  {
    index: 2,
    filename: "row\u0007nameCSI.bin",
    content_type: "application/octet-stream\u0000",
    encrypted: false,
  },
]).replace("CSI", "=?utf-8?q?=C2=9B?=");

/** A message whose every header and name hides control characters. */
function hostile(subject: string): string {
  const boundary = "hostile-boundary";
  const part = (headers: string[], body: string) =>
    `--${boundary}\r\n${headers.join("\r\n")}\r\n\r\n${body}\r\n`;
  return [
    `From: =?utf-8?q?Report=0D=0ABcc:_x@evil.example?= <${SENDER}>`,
    `To: ${RECEIVER}`,
    `Subject: ${subject} =?utf-8?q?Invoice=0D=0ABcc:_victim@example.com=00=1B[31m=7F=C2=85?=`,
    `Message-ID: <hostile-${subject.length}@agents.example.com>`,
    "X-Workflow-Name: =?iso-8859-1?q?a=00b=1Bc=7Fd=85e=9Bf?=",
    "X-Folded: one\r\n\ttwo =?utf-8?b?dGFiCXRhYg==?=",
    `X-AgentMail-Attachments: ${MANIFEST}`,
    "MIME-Version: 1.0",
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    "",
    part(["Content-Type: text/plain; charset=utf-8"], "line one\r\nline two\u0007 bell"),
    part(
      [
        'Content-Type: application/pgp-encrypted; name="=?utf-8?q?r=0D=0Aeport.pdf.asc?="',
        'Content-Disposition: attachment; filename="=?utf-8?q?r=0D=0Aeport.pdf.asc?="',
      ],
      cipher.replace(/\r?\n/g, "\r\n"),
    ),
    part(
      [
        "Content-Type: text/plain",
        "Content-Disposition: attachment; filename*=utf-8''notes%00%1B%C2%85.txt",
      ],
      "notes",
    ),
    part(["Content-Type: application/octet-stream", "Content-Disposition: attachment"], "raw"),
    `--${boundary}--\r\n`,
  ].join("\r\n");
}

/** Every string of a received message, by path, but the body (which keeps its text). */
function strings(
  value: unknown,
  path = "message",
  out: [string, string][] = [],
): [string, string][] {
  if (typeof value === "string") out.push([path, value]);
  else if (value instanceof Error) out.push([`${path}.message`, value.message]);
  else if (value && typeof value === "object" && !(value instanceof Uint8Array)) {
    for (const [key, inner] of Object.entries(value)) {
      if (!["bodyText", "bodyTextDecrypted", "bodyHtml"].includes(key)) {
        strings(inner, `${path}.${key}`, out);
      }
    }
  }
  return out;
}

function expectNoControls(message: ReceivedMessage): void {
  expect(strings(message).filter(([, text]) => CONTROL.test(text))).toEqual([]);
}

describe("control characters never reach a returned field", () => {
  it("openMessage: subject, headers, names, types and manifest values are clean; the body is not touched", async () => {
    const subject = "Hostile A";
    const raw = hostile(subject);
    const locked = await openMessage(raw);
    const opened = await openMessage(raw, { decryptWith: platform.receiverKey });
    for (const message of [locked, opened]) expectNoControls(message);

    expect(opened.subject).toBe(
      `${subject} Invoice${FFFD}${FFFD}Bcc: victim@example.com${FFFD}${FFFD}[31m${FFFD}${FFFD}`,
    );
    expect(opened.headers["x-workflow-name"]).toBe(`a${FFFD}b${FFFD}c${FFFD}d${FFFD}e${FFFD}f`);
    // Folding leaves a TAB, an encoded word carries one: both become spaces.
    expect(opened.headers["x-folded"]).toBe("one two tab tab");
    expect(opened.headers.from).toBe(`Report${FFFD}${FFFD}Bcc: x@evil.example <${SENDER}>`);
    expect(opened.sender).toBe(SENDER);
    // The manifest is readable: its hostile values are simply not used.
    expect(opened.manifestError).toBeUndefined();
    expect(JSON.parse(opened.headers["x-agentmail-attachments"] ?? "")[2].filename).toBe(
      `row\u0007name${FFFD}.bin`,
    );
    expect(opened.bodyText.startsWith("line one\nline two\u0007 bell")).toBe(true);

    expect(locked.attachments.map((a) => [a.filename, a.contentType])).toEqual([
      [`r${FFFD}${FFFD}eport.pdf.asc`, "application/pgp-encrypted"],
      [`notes${FFFD}${FFFD}${FFFD}.txt`, "text/plain"],
      [`row${FFFD}name${FFFD}.bin`, "application/octet-stream"],
    ]);
    // Decrypted, a name or type with a control character is never restored.
    expect(opened.attachments[0]).toMatchObject({
      filename: "attachment-0",
      contentType: "application/octet-stream",
      decrypted: true,
      bytes: pdf,
    });
  });

  it("fetchMessage, listInbox and getMessage: the same message over the platform is as clean", async () => {
    const subject = "Hostile B";
    // Mail from outside: the SES endpoint refuses this From (an encoded word holding ":" and "@"
    // in a display name), so it arrives the way the platform receives foreign mail.
    platform.server.store.deliver(RECEIVER_ID, hostile(subject));
    // The dev server lists the subject its own way: find the message by its first word.
    const page = await platform.inbox.listInbox({ q: subject, includeArchived: true });
    expect(page.items).toHaveLength(1);
    const id = page.items[0]?.id ?? "";
    const fetched = await platform.inbox.fetchMessage(id, { decryptWith: platform.receiverKey });
    expectNoControls(fetched);
    // The platform's own fields (inbox item, getMessage) are cleaned the same way.
    const stored = await platform.inbox.getMessage(id);
    for (const item of [page.items[0], stored]) {
      expect(item?.subject.startsWith(`${subject} Invoice${FFFD}${FFFD}Bcc:`)).toBe(true);
      expect(
        strings({ ...item, rawMime: undefined }).filter(([, text]) => CONTROL.test(text)),
      ).toEqual([]);
    }
    expect(fetched.subject.startsWith(`${subject} Invoice${FFFD}${FFFD}Bcc:`)).toBe(true);
    expect(fetched.attachments.map((a) => a.filename)).toEqual([
      "attachment-0",
      `notes${FFFD}${FFFD}${FFFD}.txt`,
      `row${FFFD}name${FFFD}.bin`,
    ]);
  });

  it.each([
    ["SOH", "\u0001"],
    ["ESC", "\u001b"],
    ["NEL", "\u0085"],
    ["CSI", "\u009b"],
  ])("a sender address with %s comes back without it", async (_label, char) => {
    const raw = `From: <report${char}bot@agents.example.com>\r\nTo: ${RECEIVER}\r\nSubject: hi\r\n\r\nbody\r\n`;
    const opened = await openMessage(raw);
    expect(opened.sender).toMatch(/^report.?bot@agents\.example\.com$/u);
    expectNoControls(opened);
  });

  it("cleanText: TAB becomes a space, every other C0, DEL and C1 becomes U+FFFD", () => {
    const all = Array.from({ length: 0xa0 }, (_, code) => String.fromCharCode(code)).join("");
    const cleaned = cleanText(all);
    expect(cleaned).not.toMatch(CONTROL);
    expect(cleaned.length).toBe(all.length);
    expect(cleaned[9]).toBe(" ");
    expect(cleaned.slice(0x20, 0x7f)).toBe(all.slice(0x20, 0x7f));
    expect([...cleaned].filter((char) => char === FFFD)).toHaveLength(0x20 - 1 + 1 + 0x20);
  });
});

// Line and paragraph separators (line ends to Python's str.splitlines and to JavaScript's `m`
// regexes) and the bidi controls that reorder text ("Trojan Source"): U+FFFD too.
const SEPARATORS_AND_BIDI = [
  "\u2028",
  "\u2029",
  "\u202a",
  "\u202b",
  "\u202c",
  "\u202d",
  "\u202e",
  "\u2066",
  "\u2067",
  "\u2068",
  "\u2069",
];
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** A message whose subject, headers, names, id and sender hide separators and bidi controls. */
function reordering(subject: string): string {
  const q = (text: string) =>
    Array.from(new TextEncoder().encode(text), (byte) => `=${byte.toString(16).padStart(2, "0")}`)
      .join("")
      .toUpperCase();
  const pct = (text: string) =>
    Array.from(new TextEncoder().encode(text), (byte) => `%${byte.toString(16)}`).join("");
  return [
    `From: =?utf-8?q?${q("Pay\u202e")}?= <${SENDER}>`,
    `To: ${RECEIVER}`,
    `Subject: ${subject} =?utf-8?q?${q("Pay \u2028Bcc: x \u202efdp.exe \u2066a\u2069 \u200e\u200f\u061c")}?=`,
    `Message-ID: <sep\u2028${subject.length}\u202e@agents.example.com>`,
    `X-Note: a\u2029b =?utf-8?b?${Buffer.from("\u202a\u202b\u202c\u202d\u2067\u2068").toString("base64")}?=`,
    "MIME-Version: 1.0",
    'Content-Type: multipart/mixed; boundary="sep"',
    "",
    "--sep",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "body keeps \u2028 and \u202e",
    "--sep",
    "Content-Type: application/octet-stream",
    `Content-Disposition: attachment; filename*=utf-8''${pct("invoice\u202efdp.exe")}`,
    "",
    "raw",
    "--sep",
    "Content-Type: application/octet-stream",
    `Content-Disposition: attachment; filename="=?utf-8?q?${q("a\u2028b\u2067.txt")}?="`,
    "",
    "raw",
    "--sep--",
    "",
  ].join("\r\n");
}

describe("line separators and bidi controls never reach a returned field", () => {
  it("cleanText: U+2028, U+2029, U+202A-U+202E and U+2066-U+2069 become U+FFFD; LRM, RLM and ALM stay", () => {
    for (const char of SEPARATORS_AND_BIDI) expect(cleanText(`a${char}b`)).toBe(`a${FFFD}b`);
    // Implicit marks act as one invisible letter of their direction; RTL text needs them.
    expect(cleanText("a\u200eb\u200fc\u061cd")).toBe("a\u200eb\u200fc\u061cd");
    // Every other character of the general punctuation block and around it is kept.
    const others = Array.from({ length: 0x80 }, (_, i) => String.fromCharCode(0x2000 + i))
      .filter((char) => !SEPARATORS_AND_BIDI.includes(char))
      .join("");
    expect(cleanText(others)).toBe(others);
  });

  it("openMessage: subject, headers, id, sender and names are clean; the body is not touched", async () => {
    const subject = "Reorder A";
    const opened = await openMessage(reordering(subject));
    expect(strings(opened).filter(([, text]) => UNSAFE.test(text))).toEqual([]);
    expect(opened.subject).toBe(
      `${subject} Pay ${FFFD}Bcc: x ${FFFD}fdp.exe ${FFFD}a${FFFD} \u200e\u200f\u061c`,
    );
    expect(opened.headers["x-note"]).toBe(`a${FFFD}b ${FFFD.repeat(6)}`);
    expect(opened.headers.from).toBe(`Pay${FFFD} <${SENDER}>`);
    expect(opened.id).toBe(`sep${FFFD}${subject.length}${FFFD}@agents.example.com`);
    expect(opened.attachments.map((a) => a.filename)).toEqual([
      `invoice${FFFD}fdp.exe`,
      `a${FFFD}b${FFFD}.txt`,
    ]);
    expect(opened.bodyText).toContain("body keeps \u2028 and \u202e");
  });

  it("fetchMessage, listInbox and getMessage: the same message over the platform is as clean", async () => {
    const subject = "Reorder B";
    await ses.send(
      new SendRawEmailCommand({
        RawMessage: { Data: new TextEncoder().encode(reordering(subject)) },
      }),
    );
    const page = await platform.inbox.listInbox({ q: subject, includeArchived: true });
    expect(page.items).toHaveLength(1);
    const id = page.items[0]?.id ?? "";
    const fetched = await platform.inbox.fetchMessage(id);
    const stored = await platform.inbox.getMessage(id);
    expect(strings(fetched).filter(([, text]) => UNSAFE.test(text))).toEqual([]);
    for (const item of [page.items[0], stored]) {
      expect(item?.subject.startsWith(`${subject} Pay ${FFFD}Bcc:`)).toBe(true);
      expect(
        strings({ ...item, rawMime: undefined }).filter(([, text]) => UNSAFE.test(text)),
      ).toEqual([]);
    }
    expect(fetched.attachments.map((a) => a.filename)).toEqual([
      `invoice${FFFD}fdp.exe`,
      `a${FFFD}b${FFFD}.txt`,
    ]);
  });
});
