// The attachment scan against messages from this SDK's composer (transport-ses), from Python's
// `email` (the Python SDK's writer), and hand-written ones (nested multiparts, CRLF / LF / bare CR
// line ends, quoted-printable, base64, 7bit and binary parts, boundary-like lines in a body, a
// missing closing boundary). For each: parseMime of the stripped raw gives the same headers,
// body and attachment names and types as of the original, and every stripped attachment streams
// (and measures) to exactly postal-mime's decoded bytes.
import { createHash } from "node:crypto";
import { handMime } from "@assmbl/testing/hand-mime";
import { prepare, sampleBytes } from "@assmbl/testing/mailer";
import { pythonSdk } from "@assmbl/testing/python";
import { seededRandom } from "@assmbl/testing/random";
import { describe, expect, it } from "vitest";
import { scanAttachmentSpans, stripSpans } from "./attachment-spans.js";
import { composeMime } from "./compose.js";
import { parseMime } from "./parse-mime.js";
import { asPythonLines } from "./python-lines.js";

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const encode = (text: string) => new TextEncoder().encode(text);
const b64 = (bytes: Uint8Array | string, width = 76) =>
  (
    Buffer.from(bytes)
      .toString("base64")
      .match(new RegExp(`.{1,${width}}`, "g")) ?? []
  ).join("\r\n");

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

/**
 * Parses `raw` whole and stripped, checks that both agree, and returns how many attachments the
 * stripped parse left in the raw.
 */
async function stripsAlike(raw: string | Uint8Array): Promise<number> {
  const whole = await parseMime(raw);
  const lean = await parseMime(raw, { stripAttachments: true });
  const { attachments: wholeParts, ...wholeRest } = whole;
  const { attachments: leanParts, ...leanRest } = lean;
  expect(leanRest).toEqual(wholeRest);
  expect(leanParts.map((a) => [a.filename, a.mediaType])).toEqual(
    wholeParts.map((a) => [a.filename, a.mediaType]),
  );
  let stripped = 0;
  for (const [i, part] of leanParts.entries()) {
    const expected = wholeParts[i]?.bytes as Uint8Array;
    if (!part.body) {
      expect(sha256(part.bytes)).toBe(sha256(expected));
      continue;
    }
    stripped++;
    expect(part.bytes.length).toBe(0);
    const chunks = await collect(part.body.stream());
    expect(chunks.every((chunk) => chunk.length > 0 && chunk.length <= 64 * 1024)).toBe(true);
    expect(sha256(Buffer.concat(chunks))).toBe(sha256(expected));
    expect(part.body.size()).toBe(expected.length);
  }
  return stripped;
}

/** A multipart/mixed message: text part, then `parts` (raw header lines and body each). */
function mixed(parts: string[], options: { eol?: string; close?: boolean } = {}): string {
  const eol = options.eol ?? "\r\n";
  const lines = [
    "From: a@agents.example.com",
    "Subject: spans",
    "MIME-Version: 1.0",
    'Content-Type: multipart/mixed; boundary="outer"',
    "",
    "preamble",
    "--outer",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "hello",
    ...parts.flatMap((part) => ["--outer", part]),
    ...(options.close === false ? [] : ["--outer--", "epilogue"]),
  ];
  return lines.join("\r\n").replace(/\r\n/g, eol);
}
const attachment = (
  name: string,
  encoding: string,
  body: string,
  type = "application/octet-stream",
) =>
  `Content-Type: ${type}; name="${name}"\r\nContent-Disposition: attachment; filename="${name}"\r\nContent-Transfer-Encoding: ${encoding}\r\n\r\n${body}`;

describe("scanAttachmentSpans", () => {
  it("finds the base64 bodies of a hand-built message and strips only them", async () => {
    const big = sampleBytes(300_000, 1);
    const raw = handMime({
      headers: ["From: a@agents.example.com", "Subject: files"],
      text: "see attached",
      attachments: [
        { filename: "a.bin", contentType: "application/octet-stream", bytes: big },
        { filename: "b.txt", contentType: "text/plain", bytes: "plain notes\n" },
      ],
    });
    const bytes = asPythonLines(encode(raw));
    const spans = scanAttachmentSpans(bytes) ?? [];
    expect(spans.map((s) => s.transferEncoding)).toEqual(["base64", "base64"]);
    const stripped = stripSpans(bytes, spans, ["M0", "M1"]);
    expect(stripped.length).toBeLessThan(2_000);
    expect(new TextDecoder().decode(stripped)).toContain(
      'filename="a.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\nM0\r\n--',
    );
    expect(await stripsAlike(raw)).toBe(2);
  });

  it("reads messages written by this SDK's composer (encrypted and plain parts)", async () => {
    const prepared = await prepare({
      to: "other-agent@agents.example.com",
      subject: "Report \u2713",
      text: "numbers attached \u00e9",
      attachments: [
        { filename: "r\u00e9sum\u00e9 2026.pdf", content: sampleBytes(200_000, 2) },
        { filename: "notes.txt", content: "plain notes\nline two\n", contentType: "text/plain" },
        { filename: "data.csv", content: "a,b\r\n1,2\r\n", contentType: "text/csv" },
      ],
    });
    const { raw } = await composeMime(prepared);
    expect(await stripsAlike(raw)).toBe(3);
  });

  it("reads messages written by Python's email (the Python SDK's writer)", async () => {
    const raw = await pythonSdk.writeMessage({
      from: "Py Agent <py@agents.example.com>",
      to: "ts@agents.example.com",
      subject: "Gr\u00f6\u00dfe \u4e2d\u6587",
      body: "body text \u00e9",
      attachments: [
        {
          filename: "big.bin",
          contentType: "application/octet-stream",
          data: sampleBytes(150_000, 3),
        },
        {
          filename: "notes.txt",
          contentType: "text/plain",
          data: encode("caf\u00e9 notes\n= not an escape\n"),
        },
        {
          filename: "r\u00e9sum\u00e9.pdf",
          contentType: "application/pdf",
          data: sampleBytes(5_000, 4),
        },
      ],
    });
    expect(await stripsAlike(raw)).toBe(3);
  });

  it("follows nested multiparts, and only parts with an attachment disposition are stripped", async () => {
    const raw = [
      "From: a@agents.example.com",
      'Content-Type: multipart/mixed; boundary="o"',
      "",
      "--o",
      'Content-Type: multipart/alternative; boundary="alt"',
      "",
      "--alt",
      "Content-Type: text/plain",
      "",
      "plain",
      "--alt",
      "Content-Type: text/html",
      "",
      "<p>html</p>",
      "--alt--",
      "--o",
      'Content-Type: multipart/related; boundary="rel"',
      "",
      "--rel",
      "Content-Type: image/png",
      "Content-ID: <img1>",
      "Content-Transfer-Encoding: base64",
      "",
      b64(sampleBytes(3_000, 5)),
      "--rel",
      'Content-Type: application/pdf; name="deep.pdf"',
      'Content-Disposition: attachment; filename="deep.pdf"',
      "Content-Transfer-Encoding: base64",
      "",
      b64(sampleBytes(40_000, 6)),
      "--rel--",
      "--o",
      'Content-Type: application/zip; name="inline.zip"',
      "Content-Disposition: inline",
      "Content-Transfer-Encoding: base64",
      "",
      b64(sampleBytes(2_000, 7)),
      "--o",
      attachment("last.bin", "base64", b64(sampleBytes(9_999, 8))),
      "--o--",
      "",
    ].join("\r\n");
    const whole = await parseMime(raw);
    expect(whole.attachments.map((a) => a.filename)).toEqual([
      null,
      "deep.pdf",
      "inline.zip",
      "last.bin",
    ]);
    expect(await stripsAlike(raw)).toBe(2);
  });

  it.each([
    ["CRLF", "\r\n"],
    ["LF", "\n"],
    ["bare CR", "\r"],
  ])("reads %s line ends", async (_label, eol) => {
    const raw = mixed(
      [
        attachment("a.bin", "base64", b64(sampleBytes(50_000, 9))),
        attachment(
          "q.txt",
          "quoted-printable",
          "caf=C3=A9 =3D soft=\r\nbreak\r\nlast line=20\r\n",
          "text/plain",
        ),
        attachment("s.txt", "7bit", "line one\r\nline two\r\n\r\n", "text/plain"),
      ],
      { eol },
    );
    // Bare CRs: asPythonLines has put CR LF at the end of header and boundary lines, where
    // Python ends them; bodies keep their bare CRs (one postal-mime line each).
    expect(await stripsAlike(raw)).toBe(3);
  });

  it("reads quoted-printable edge cases as postal-mime does", async () => {
    const qp = [
      "=41=4a=4A trailing space  ",
      "soft break at the end=",
      "=",
      "an = alone, =G1 not hex, =4 short",
      "ends with escape =3D",
      "escape before soft =41=",
      "=\r\r",
      "cr inside\rthe line\r\r",
      "",
      "=0D=0A binary",
      "last",
    ].join("\r\n");
    const raw = mixed([attachment("q.bin", "quoted-printable", qp)]);
    expect(await stripsAlike(raw)).toBe(1);
  });

  it("streams a quoted-printable or 7bit line longer than a chunk", async () => {
    const long = "x".repeat(200_000);
    const raw = mixed([
      attachment("long.txt", "quoted-printable", `${long}=41${long}=\r\n${long}\r\n`),
      attachment("raw.txt", "8bit", `${long}\r\r\r\n${"y".repeat(70_000)}`),
    ]);
    expect(await stripsAlike(raw)).toBe(2);
  });

  it("reads base64 with padding inside, garbage and a dangling character as postal-mime does", async () => {
    const body = ["aGVsbG8=", "d29y", "bGQ=ISE=", "#$%\u00e9 YWJj", "ZA", "=Q", "eA"].join("\r\n");
    const raw = mixed([attachment("odd.bin", "base64", body)]);
    expect(await stripsAlike(raw)).toBe(1);
  });

  it("keeps lines that only look like boundaries inside a body", async () => {
    const raw = mixed([
      attachment(
        "looks.txt",
        "7bit",
        "--outerX not ours\r\n--outer- nor this\r\n--inner\r\n --outer\r\n--outer--trailing\r\nend",
      ),
      attachment("after.bin", "base64", b64(sampleBytes(1_000, 10))),
    ]);
    const whole = await parseMime(raw);
    expect(new TextDecoder().decode(whole.attachments[0]?.bytes)).toContain("--outer--trailing");
    expect(await stripsAlike(raw)).toBe(2);
    // The boundary of a multipart that has closed is an ordinary line after it.
    const closed = mixed([
      `Content-Type: multipart/mixed; boundary="inner"\r\n\r\n--inner\r\n${attachment("in.bin", "base64", b64("in"))}\r\n--inner--`,
      attachment("later.txt", "7bit", "before\r\n--inner\r\n--inner--\r\nafter"),
    ]);
    expect(new TextDecoder().decode((await parseMime(closed)).attachments[1]?.bytes)).toBe(
      "before\n--inner\n--inner--\nafter\n",
    );
    expect(await stripsAlike(closed)).toBe(2);
  });

  it("reads a message without its closing boundary, and an attachment that is the whole message", async () => {
    const open = mixed([attachment("cut.bin", "base64", b64(sampleBytes(20_000, 11)))], {
      close: false,
    });
    expect(await stripsAlike(open)).toBe(1);
    const single = `From: a@agents.example.com\r\n${attachment("whole.bin", "base64", b64(sampleBytes(5_000, 12)))}`;
    expect(await stripsAlike(single)).toBe(1);
    expect(await stripsAlike(`${single}\r\n`)).toBe(1);
  });

  it("leaves alone what postal-mime rewrites or the scan cannot be sure of", async () => {
    const calendar = mixed([
      attachment(
        "invite.ics",
        "7bit",
        "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n\r\n\r\n",
        "text/calendar",
      ),
      attachment("keep.bin", "base64", b64("x")),
    ]);
    expect(await stripsAlike(calendar)).toBe(1);
    const noBoundary = mixed([attachment("a.bin", "base64", b64("x"))]).replace(
      'multipart/mixed; boundary="outer"',
      "multipart/mixed",
    );
    expect(scanAttachmentSpans(encode(noBoundary))).toBeUndefined();
    expect(await stripsAlike(noBoundary)).toBe(0);
    const comment = mixed([attachment("a.bin", "base64", b64("x"))]).replace(
      'boundary="outer"',
      'boundary="outer" (a comment)',
    );
    expect(scanAttachmentSpans(encode(comment))).toBeUndefined();
    expect(await stripsAlike(comment)).toBe(0);
    const quotedDisposition = mixed([
      attachment("a.bin", "base64", b64("x")).replace(
        "Content-Disposition: attachment",
        'Content-Disposition: "attachment"',
      ),
    ]);
    expect(scanAttachmentSpans(encode(quotedDisposition))).toEqual([]);
  });

  it("agrees with postal-mime on generated messages (line ends, encodings, nesting)", async () => {
    const random = seededRandom(2026);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const junk = (n: number) =>
      Array.from({ length: n }, () =>
        pick(["a", "=", "=4", "=41", "\r", "\n", "\r\n", " ", "-", "=\r\n", "\u00e9", "Zz"]),
      ).join("");
    let stripped = 0;
    for (let round = 0; round < 40; round++) {
      const parts: string[] = [];
      for (let p = 0; p < 1 + Math.floor(random() * 4); p++) {
        const encoding = pick([
          "base64",
          "quoted-printable",
          "7bit",
          "8bit",
          "binary",
          "x-unknown",
        ]);
        const body =
          encoding === "base64" && random() < 0.7
            ? b64(sampleBytes(500, round * 10 + p), pick([4, 60, 76]))
            : junk(200);
        const part = attachment(`p${p}.bin`, encoding, body);
        parts.push(
          random() < 0.3
            ? `Content-Type: multipart/mixed; boundary="in${p}"\r\n\r\n--in${p}\r\n${part}\r\n--in${p}--`
            : part,
        );
      }
      stripped += await stripsAlike(
        mixed(parts, { eol: pick(["\r\n", "\n"]), close: random() < 0.8 }),
      );
    }
    expect(stripped).toBeGreaterThan(60);
  });

  it("gives up (the message is parsed whole, as postal-mime would) past 10,000 parts or 2 MiB of headers", async () => {
    const many = mixed(
      Array.from({ length: 10_001 }, (_, i) => attachment(`p${i}.bin`, "base64", b64("x"))),
    );
    expect(scanAttachmentSpans(asPythonLines(encode(many)))).toBeUndefined();
    const fewer = mixed(
      Array.from({ length: 2_000 }, (_, i) => attachment(`p${i}.bin`, "base64", b64("x"))),
    );
    expect(scanAttachmentSpans(asPythonLines(encode(fewer)))).toHaveLength(2_000);
    // A header bomb: the scan stops counting at 2 MiB, and the parse refuses it (postal-mime's
    // own limit) instead of keeping a record per header line. The size is the point: 20,000
    // lines of 107 bytes without their CRLF (postal-mime counts header bytes without line ends)
    // are 2,140,000 bytes, past 2 MiB (2,097,152) by either count, and no larger, as every byte
    // of it is scanned and parsed.
    const bomb = mixed([
      attachment("a.bin", "base64", b64("x")).replace(
        "Content-Disposition",
        `${`X-Pad: ${"a".repeat(100)}\r\n`.repeat(20_000)}Content-Disposition`,
      ),
    ]);
    expect(scanAttachmentSpans(encode(bomb))).toBeUndefined();
    await expect(parseMime(encode(bomb))).rejects.toMatchObject({ code: "invalid_message" });
  });
});
