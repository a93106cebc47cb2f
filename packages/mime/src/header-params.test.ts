// Headers the composer writes, read back by Python's email with BOTH policies: compat32 (the
// default of `email.message_from_bytes`, which does not unfold `get_filename()` or `get()`) and
// policy.default (what the Python SDK reads with). Before these fixes a long name came back to
// compat32 with a CRLF inside (the quoted `filename="..."` and `name="..."` were folded), display
// names lost their spaces, and a Q-encoded name gave compat32's getaddresses a second address.
import { withManifestRows } from "@assmbl/core";
import { errorOf, MAIL_DOMAIN, prepare as preparePlain } from "@assmbl/testing/mailer";
import { pythonSdk, runPython } from "@assmbl/testing/python";
import { describe, expect, it } from "vitest";
import { composeMime } from "./compose.js";
import { foldParameters } from "./mime-params.js";

const READ = `
import json, sys, base64
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.utils import getaddresses
out = []
for raw in json.load(sys.stdin):
    b = base64.b64decode(raw)
    c = message_from_bytes(b)
    d = message_from_bytes(b, policy=policy.default)
    out.append({
        "compatFilenames": [p.get_filename() for p in c.walk() if p.get_filename() is not None],
        "compatNames": [p.get_param("name") for p in c.walk() if p.get_param("name") is not None],
        "defaultFilenames": [p.get_filename() for p in d.iter_attachments()],
        "defaultTo": [a.display_name for a in d["To"].addresses],
        # Parsed, then decoded (RFC 2047 §6.1's order; decoding first makes any encoded name's
        # specials into syntax, whatever the encoding).
        "compatTo": [[str(make_header(decode_header(n))), a] for n, a in getaddresses([c["To"]])],
        "defaultSubject": str(d["Subject"]),
        "defaultHeader": str(d["X-Workflow-Name"]) if d["X-Workflow-Name"] else None,
    })
json.dump(out, sys.stdout)
`;

interface Read {
  compatFilenames: string[];
  compatNames: string[];
  defaultFilenames: string[];
  defaultTo: string[];
  compatTo: [string, string][];
  defaultSubject: string;
  defaultHeader: string | null;
}

async function readBoth(raws: Uint8Array[]): Promise<Read[]> {
  const input = JSON.stringify(raws.map((raw) => Buffer.from(raw).toString("base64")));
  return JSON.parse((await runPython(READ, new TextEncoder().encode(input))).toString());
}

const LONG_NAMES = [
  `quarterly report  ${"A".repeat(60)}.pdf`,
  `${"x".repeat(120)}.txt`,
  `r\u00e9sum\u00e9 ${"\u00e9".repeat(50)}.pdf`,
  `a "quoted" name with spaces and ${"b".repeat(40)}.txt`,
  `=?utf-8?q?looks=20encoded?= ${"c".repeat(70)}.txt`,
  `\u{1F600} ${"\u4e2d".repeat(60)}.txt`,
];

async function withAttachment(
  filename: string,
  extra: Partial<Parameters<typeof preparePlain>[0]> = {},
) {
  return preparePlain({
    to: `other-agent@${MAIL_DOMAIN}`,
    subject: "files",
    text: "t",
    attachments: [{ filename, content: "x" }],
    ...extra,
  });
}

describe("attachment names are never folded inside a quoted string", () => {
  it("long names read back exactly with compat32 and policy.default (filename and name=)", async () => {
    const raws = await Promise.all(
      LONG_NAMES.map(async (name) => (await composeMime(await withAttachment(name))).raw),
    );
    const read = await readBoth(raws);
    LONG_NAMES.forEach((name, i) => {
      expect(read[i]?.compatFilenames).toEqual([name]);
      expect(read[i]?.defaultFilenames).toEqual([name]);
      // The ASCII fallback: one unbroken quoted string, whatever its length.
      for (const fallback of read[i]?.compatNames ?? []) expect(fallback).not.toMatch(/[\r\n]/);
    });
    for (const raw of raws) {
      for (const line of Buffer.from(raw).toString("latin1").split("\r\n")) {
        expect(line.length).toBeLessThanOrEqual(998);
      }
    }
  });

  it("Content-Disposition is byte for byte what the Python SDK writes for the same name", async () => {
    const names = [
      "report.pdf",
      "a b.txt",
      'a"b.txt',
      "r\u00e9sum\u00e9 \u4e2d\u6587.pdf",
      ...LONG_NAMES.filter((name) => !name.includes("=?")),
      `${"y".repeat(40)}.csv`,
      `${"z".repeat(44)}.csv`,
    ];
    const fields = (raw: Uint8Array) =>
      [
        ...Buffer.from(raw)
          .toString("latin1")
          .replace(/\r?\n/g, "\r\n")
          .matchAll(/\r\nContent-Disposition: (.*(?:\r\n .*)*)/g),
      ].map((match) => match[1]);
    // Every name's message in one Python process: starting Python per name was most of the time.
    const written = await pythonSdk.writeMessages(
      names.map((name) => ({
        from: `report-bot@${MAIL_DOMAIN}`,
        to: `other-agent@${MAIL_DOMAIN}`,
        subject: "files",
        body: "t",
        attachments: [{ filename: name, contentType: "text/plain", data: new Uint8Array([120]) }],
      })),
    );
    expect(written).toHaveLength(names.length);
    for (const [i, name] of names.entries()) {
      const ours = fields((await composeMime(await withAttachment(name))).raw);
      const python = fields(written[i] as Uint8Array);
      expect(python, name).toHaveLength(1);
      expect(ours, name).toEqual(python);
    }
  });

  it("a value holding =? is always RFC 2231 (readers decode encoded words in quoted strings)", () => {
    expect(
      foldParameters("Content-Disposition", "attachment", [
        { name: "filename", value: "=?x?q?a?=" },
      ]),
    ).toBe("attachment; filename*=utf-8''%3D%3Fx%3Fq%3Fa%3F%3D");
  });
});

describe("caller media types cannot carry a name or an encoded-word look-alike", () => {
  const withType = async (contentType: string) => {
    const prepared = await withAttachment("a.txt");
    // Rows and the manifest header changed together, as a transport changes them.
    return withManifestRows(
      prepared,
      prepared.attachments.map((attachment) => ({
        ...attachment.manifest,
        content_type: contentType,
      })),
    );
  };
  it.each([
    'text/plain; charset="=?utf-8?q?EVIL=0D=0A?="',
    "text/plain; x-name==?utf-8?q?a?=",
    'text/plain; name="evil.exe"',
    "text/plain; NAME*=utf-8''evil.exe",
    "text/plain; filename*0=evil; filename*1=.exe",
  ])("%s is refused with invalid_attachment naming the field", async (contentType) => {
    const error = await errorOf(composeMime(await withType(contentType)));
    expect(error.code).toBe("invalid_attachment");
    expect(error.message).toContain("attachments[0].content_type");
  });
});

describe("display names and unstructured values read back with their spaces", () => {
  it("leading, trailing and repeated spaces survive in Subject, custom headers and printable names", async () => {
    const values = ["  leading", "trailing  ", "two  spaces", " all   of  them "];
    const raws = await Promise.all(
      values.map(async (value) => {
        const prepared = await preparePlain({
          to: `"${value}" <other-agent@${MAIL_DOMAIN}>`,
          subject: value,
          text: "t",
          headers: { "X-Workflow-Name": value },
        });
        return (await composeMime(prepared)).raw;
      }),
    );
    const read = await readBoth(raws);
    values.forEach((value, i) => {
      expect(read[i]?.defaultSubject).toBe(value);
      expect(read[i]?.defaultHeader).toBe(value);
      expect(read[i]?.defaultTo).toEqual([value]);
      expect(read[i]?.compatTo).toEqual([[value, `other-agent@${MAIL_DOMAIN}`]]);
    });
  });

  it("a name with =? and address specials is one B word: compat32's getaddresses finds one address", async () => {
    const name = '=?x?= ,"x" <evil@evil.example>';
    const prepared = await preparePlain({
      to: `"${name.replace(/"/g, '\\"')}" <other-agent@${MAIL_DOMAIN}>`,
      subject: "s",
      text: "t",
    });
    const { raw } = await composeMime(prepared);
    const [read] = await readBoth([raw]);
    expect(read?.compatTo).toEqual([[name, `other-agent@${MAIL_DOMAIN}`]]);
    expect(read?.defaultTo).toEqual([name]);
    expect(Buffer.from(raw).toString("latin1")).toMatch(
      /\r\nTo: =\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=\s+</,
    );
  });
});
