// Python's email parser ends a line at CR LF, LF or a bare CR, and ends a header block at the
// first line that is not a header; postal-mime alone ends lines at LF only and reads any line of
// a header block as a header. Messages that play on the difference must show both SDKs the same
// headers and parts: openMessage against the Python SDK's reader (its model, email.policy.default)
// on the same bytes.

import { callPythonSdkBatch, type PythonReadMessage } from "@assmbl/testing/python";
import { seededRandom as prng } from "@assmbl/testing/random";
import { beforeAll, describe, expect, it } from "vitest";
import { openMessage } from "./open-message.js";
import { cleanText } from "./parse-mime.js";
import { asPythonLines } from "./python-lines.js";
import type { ReceivedMessage } from "./received-message.js";

const FROM = "From: a@agents.example.com\r\n";
const b64 = (text: string) => Buffer.from(text).toString("base64");

/** A multipart/mixed message: `head` lines, then `parts` (each: raw header lines and body). */
function multipart(head: string, parts: string[], boundary = "B"): string {
  return `${FROM}${head}MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="${boundary}"\r\n\r\n${parts.map((part) => `--${boundary}\r\n${part}\r\n`).join("")}--${boundary}--\r\n`;
}
const TEXT_PART = "Content-Type: text/plain; charset=utf-8\r\n\r\nhello";
const attachment = (headers: string, body = b64("data")) =>
  `${headers}\r\nContent-Transfer-Encoding: base64\r\n\r\n${body}`;

const CASES: [label: string, raw: string][] = [
  [
    "a bare CR in the subject line starts another header",
    `${FROM}Subject: hi\rX-AgentMail-Encrypted: body\r\nX-Other: 1\r\n\r\nplain body\r\n`,
  ],
  [
    "a bare CR then a fold continues the header",
    `${FROM}Subject: a\r b\r\nX-Other: 1\r\n\r\nbody\r\n`,
  ],
  [
    "a bare CR then a line that is no header starts the body",
    `${FROM}Subject: hi\rthere\r\nX-AgentMail-Encrypted: body\r\n\r\nbody\r\n`,
  ],
  [
    "a line that is no header starts the body",
    `${FROM}Subject: hi\r\nnot a header\r\nX-AgentMail-Encrypted: body\r\n\r\nbody\r\n`,
  ],
  [
    "a name with a space is no header",
    `${FROM}Subject: hi\r\nX Bad: 1\r\nX-AgentMail-Encrypted: body\r\n\r\nbody\r\n`,
  ],
  [
    "a name with a non-ASCII character is no header",
    `${FROM}Subject: hi\r\nX-\u00e9: 1\r\nX-AgentMail-Encrypted: body\r\n\r\nbody\r\n`,
  ],
  [
    "a fold before any header is ignored",
    ` X-AgentMail-Encrypted: body\r\n${FROM}Subject: s\r\n\r\nbody\r\n`,
  ],
  [
    "a line starting with a colon is ignored, and its folds",
    `${FROM}:x\r\n X-AgentMail-Encrypted: body\r\nSubject: s\r\n\r\nbody\r\n`,
  ],
  [
    "a Unix From line first is ignored",
    `From sender@agents.example.com Mon Jan  1 00:00:00 2026\r\n${FROM}Subject: s\r\n\r\nbody\r\n`,
  ],
  [
    "a From line in the middle is ignored, a last one starts the body",
    `${FROM}From x\r\nSubject: s\r\nFrom y: z\r\n\r\nbody\r\n`,
  ],
  ["bare LF and LF CR line ends", `${FROM}Subject: lf\nX-A: 1\n\rX-B: 2\r\n\r\nbody\r\n`],
  [
    "a bare CR in a manifest header adds a header",
    `${FROM}Subject: m\r\nX-AgentMail-Attachments: [{"index":0,"filename":"a.txt","content_type":"text/plain","encrypted":false}]\rX-AgentMail-Encrypted: body\r\n\r\nbody\r\n`,
  ],
  [
    "a bare CR in a part's header starts another header",
    multipart("Subject: part cr\r\n", [
      TEXT_PART,
      attachment(
        "Content-Type: application/octet-stream\rContent-Disposition: attachment; filename=evil.exe",
      ),
    ]),
  ],
  [
    "a line that is no header starts a part's body",
    multipart("Subject: part garbage\r\n", [
      TEXT_PART,
      attachment(
        "Content-Type: application/octet-stream\r\ngarbage line\r\nContent-Disposition: attachment; filename=evil.exe",
      ),
      attachment("Content-Type: text/csv\r\nContent-Disposition: attachment; filename=b.csv"),
    ]),
  ],
  [
    "boundary lines ending in a bare CR",
    `${FROM}Subject: cr boundaries\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r${TEXT_PART}\r\n--B\rContent-Type: application/pdf\rContent-Disposition: attachment; filename=r.pdf\rContent-Transfer-Encoding: base64\r\r${b64("pdf")}\r--B--\r`,
  ],
  [
    "two boundary lines in a row make one part",
    multipart("Subject: double boundary\r\n", [
      TEXT_PART,
      `--B\r\n${attachment("Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=one.pdf")}`,
      attachment("Content-Type: text/csv\r\nContent-Disposition: attachment; filename=two.csv"),
    ]),
  ],
  [
    "a part's header block cut short by a boundary",
    multipart("Subject: cut\r\n", [
      TEXT_PART,
      "Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=cut.pdf",
      attachment("Content-Type: text/csv\r\nContent-Disposition: attachment; filename=c.csv"),
    ]),
  ],
  [
    "a nested multipart with bare CRs in its parts",
    multipart("Subject: nested\r\n", [
      `Content-Type: multipart/alternative; boundary="inner"\r\n\r\n--inner\r${TEXT_PART}\r\n--inner--\r\n`,
      attachment(
        'Content-Type: application/zip\rContent-Disposition: attachment; filename="z.zip"',
      ),
    ]),
  ],
  [
    "a quoted boundary with spaces and a semicolon",
    multipart(
      "Subject: quoted\r\n",
      [
        TEXT_PART,
        attachment("Content-Type: text/csv\rContent-Disposition: attachment; filename=q.csv"),
      ],
      "a b;c",
    ),
  ],
];

/** What both readers must agree on: the header names, the X- headers and subject, the parts. */
function view(message: ReceivedMessage) {
  return {
    names: Object.keys(message.headers).sort(),
    subject: message.subject,
    encrypted: message.encrypted,
    xHeaders: Object.entries(message.headers)
      .filter(([name]) => name.startsWith("x-"))
      .sort(),
    attachments: message.attachments.map((a) => [a.filename, a.contentType]),
  };
}

function pythonView(read: PythonReadMessage): ReturnType<typeof view> {
  const first = new Map<string, string>();
  for (const [name, value] of read.headerList) {
    if (!first.has(name.toLowerCase())) first.set(name.toLowerCase(), cleanText(value));
  }
  return {
    names: [...first.keys()].sort(),
    subject: first.get("subject") ?? "",
    encrypted: read.encrypted,
    xHeaders: [...first.entries()].filter(([name]) => name.startsWith("x-")).sort(),
    attachments: read.attachments.map((a) => [
      a.filename === null ? `attachment-${a.index}` : cleanText(a.filename),
      a.contentType,
    ]),
  };
}

describe("openMessage reads lines, header blocks and parts as Python's email does", () => {
  // Python's reading of every case, in one process: one per case spent most of the file's time
  // starting Python.
  let pythonReads: PythonReadMessage[] = [];
  beforeAll(async () => {
    pythonReads = await callPythonSdkBatch<PythonReadMessage>(
      CASES.map(([, raw]) => ({
        op: "read_message",
        args: { raw: Buffer.from(raw).toString("base64") },
      })),
    );
  });

  it.each(CASES.map((c, i) => [...c, i] as const))("%s", async (_label, raw, i) => {
    const bytes = new TextEncoder().encode(raw);
    const python = pythonReads[i] as PythonReadMessage;
    expect(python).toBeDefined();
    const ours = await openMessage(bytes);
    expect(view(ours)).toEqual(pythonView(python));
    // The body as Python reads it: CR LF as LF, a bare CR kept. (Python reads a text body
    // without a charset as ASCII, postal-mime as UTF-8: only ASCII is compared.)
    const ascii = (text: string) => text.replace(/[^ -~\r\n]+/g, "?");
    expect(ascii(ours.bodyText).replace(/\n+$/, "")).toBe(
      ascii(python.bodyText.replace(/\r\n/g, "\n")).replace(/\n+$/, ""),
    );
  });

  it("agrees with Python on 300 generated messages (seeded fuzz of line ends and header blocks)", async () => {
    const messages = fuzzMessages(300, 20261130);
    // One Python process for all 300, reading while openMessage reads the same messages here.
    const [python, ours] = await Promise.all([
      callPythonSdkBatch<PythonReadMessage>(
        messages.map((raw) => ({
          op: "read_message",
          args: { raw: Buffer.from(raw).toString("base64") },
        })),
      ),
      Promise.all(messages.map((raw) => openMessage(raw))),
    ]);
    expect(python).toHaveLength(messages.length);
    // The headers, and the parts that name a file: which other parts are attachments (a text
    // part without a name, a single-part message's body) is where the two parsers differ anyway.
    const named = (view: ReturnType<typeof pythonView>) => ({
      ...view,
      attachments: view.attachments.filter(([name]) => !name?.startsWith("attachment-")),
    });
    // The body too, of a single-part message (of a multipart, postal-mime joins every inline
    // text part into the body, Python's reader takes the first), bare CRs included; postal-mime
    // drops the CRs that end a line (`a\r\r\n` is `a\n`), which is all that differs.
    const body = (raw: string, text: string) =>
      raw.includes("multipart/") ? "" : text.replace(/\r+(\n|$)/g, "$1").replace(/\n+$/, "");
    const mismatches = messages
      .map((raw, i) => ({
        raw,
        ours: {
          ...named(view(ours[i] as ReceivedMessage)),
          body: body(raw, ours[i]?.bodyText ?? ""),
        },
        python: {
          ...named(pythonView(python[i] as PythonReadMessage)),
          body: body(raw, python[i]?.bodyText ?? ""),
        },
      }))
      .filter((row) => JSON.stringify(row.ours) !== JSON.stringify(row.python));
    expect(mismatches.slice(0, 3)).toEqual([]);
  });

  it("the reviewer's message: one subject and an encrypted body to both SDKs", async () => {
    const raw = CASES[0]?.[1] ?? "";
    const ours = await openMessage(raw);
    expect(ours.subject).toBe("hi");
    expect(ours.encrypted).toBe(true);
    expect(ours.headers["x-agentmail-encrypted"]).toBe("body");
  });

  it("a well-formed message is passed on as the same bytes", () => {
    const raw = new TextEncoder().encode(
      multipart("Subject: fine\r\n", [
        TEXT_PART,
        attachment("Content-Type: text/csv\r\nContent-Disposition: attachment; filename=a.csv"),
      ]),
    );
    expect(asPythonLines(raw)).toBe(raw);
  });
});

/** Messages whose header blocks and boundaries end their lines every way, with odd lines. */
function fuzzMessages(count: number, seed: number): string[] {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const eol = () => pick(["\r\n", "\r\n", "\r\n", "\r", "\n"]);
  const ODD = [
    "X-AgentMail-Encrypted: body",
    "X-Note: =?utf-8?q?a=0Db?=",
    "not a header",
    ":x",
    "From x",
    "X Bad: 1",
    "X-Empty:",
    "Subject: second",
  ];
  // In a part only: a message whose own header says attachment is one to postal-mime, not to
  // Python's iter_attachments.
  const PART_ODD = [...ODD, "Content-Disposition: attachment; filename=odd.bin"];
  // Folds (top-level only) only where they continue a header that is read as text: a fold of Content-Type or
  // Content-Disposition changes how each parser reads its parameters, which is another matter.
  const headerBlock = (lines: string[], folds: boolean) => {
    const odd = folds ? ODD : PART_ODD;
    const out: string[] = [];
    for (const line of lines) {
      if (random() < 0.25) out.push(pick(odd));
      out.push(line);
      if (folds && random() < 0.2 && /^(Subject|X-)/.test(line))
        out.push(pick([" folded", "\tfolded"]));
    }
    if (random() < 0.25) out.push(pick(odd));
    return out.map((line) => line + eol()).join("");
  };
  return Array.from({ length: count }, (_, n) => {
    const head = ["From: a@agents.example.com", `Subject: fuzz ${n}`, `X-Seq: ${n}`];
    if (random() < 0.5) {
      return `${headerBlock(head, true)}${eol()}body ${n}${eol()}line two${eol()}`;
    }
    const boundary = pick(["B", "b-1", "=_x"]);
    const parts = [
      `${headerBlock(["Content-Type: text/plain; charset=utf-8"], false)}${eol()}hello ${n}`,
      ...Array.from({ length: 1 + Math.floor(random() * 3) }, (_, i) => {
        const type = pick(["application/pdf", "text/csv", "application/octet-stream"]);
        return `${headerBlock(
          [
            `Content-Type: ${type}`,
            `Content-Disposition: attachment; filename=f${i}.bin`,
            "Content-Transfer-Encoding: base64",
          ],
          false,
        )}${eol()}${b64(`data ${i}`)}`;
      }),
    ];
    const delimiter = () => `--${boundary}${random() < 0.1 ? " " : ""}${eol()}`;
    const top = headerBlock(
      [...head, "MIME-Version: 1.0", `Content-Type: multipart/mixed; boundary="${boundary}"`],
      true,
    );
    return `${top}${eol()}${parts
      .map((part) => `${delimiter()}${random() < 0.1 ? delimiter() : ""}${part}${eol()}`)
      .join("")}--${boundary}--${eol()}`;
  });
}
