// The name a decrypted attachment is given comes from the sender (the manifest's
// original_filename, else the part's name without `.asc`), yet callers write it to disk as it is:
// a candidate that would not be that one file on Linux, macOS and Windows, or that would not
// display as what it is, is skipped for the next one, down to `attachment-<index>`.
import { OPENPGP_ARMORED } from "@assmbl/core";
import {
  type AgentPrivateKey,
  generateKeyPair,
  loadPrivateKey,
  openpgpCrypto,
} from "@assmbl/crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { openMessage } from "./open-message.js";

const RECEIVER = "other-agent@agents.example.com";
const PLAIN = new TextEncoder().encode("%PDF-1.7 restored");

let key: AgentPrivateKey;
let cipher: string;

beforeAll(async () => {
  const keys = await generateKeyPair({ name: "Other Agent", email: RECEIVER });
  key = await loadPrivateKey(keys.privateKeyArmored);
  const bytes = await openpgpCrypto().encryptAttachment(PLAIN, [
    { agentId: "other-agent", address: RECEIVER, publicKeyArmored: keys.publicKeyArmored },
  ]);
  cipher = new TextDecoder().decode(bytes as Uint8Array);
});

function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[^\x20-\x7e]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** The name openMessage restores for one encrypted part named `sent` with `original` in its row. */
async function restored(original: string | undefined, sent = "report.pdf.asc"): Promise<string> {
  // Written by hand, not with encodeManifest: a sender may put what core's writer refuses (a lone
  // surrogate) in a manifest, escaped as Python's json.dumps(ensure_ascii=True) would.
  const manifest = asciiJson([
    {
      index: 0,
      filename: "report.pdf.asc",
      content_type: "application/pgp-encrypted",
      encrypted: true,
      encryption: OPENPGP_ARMORED,
      ...(original === undefined ? {} : { original_filename: original }),
      original_content_type: "application/pdf",
    },
  ]);
  // The part's name as RFC 2231 percent-encoded UTF-8: every character arrives as written.
  const name = Array.from(
    new TextEncoder().encode(sent),
    (byte) => `%${byte.toString(16).padStart(2, "0")}`,
  ).join("");
  const raw = [
    "From: report-bot@agents.example.com",
    `To: ${RECEIVER}`,
    "Subject: names",
    `X-AgentMail-Attachments: ${manifest}`,
    "MIME-Version: 1.0",
    'Content-Type: multipart/mixed; boundary="names"',
    "",
    "--names",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "hi",
    "--names",
    "Content-Type: application/pgp-encrypted",
    `Content-Disposition: attachment; filename*=utf-8''${name}`,
    "Content-Transfer-Encoding: base64",
    "",
    Buffer.from(cipher).toString("base64"),
    "--names--",
    "",
  ].join("\r\n");
  const message = await openMessage(raw, { decryptWith: key });
  const [attachment] = message.attachments;
  expect(message.manifestError).toBeUndefined();
  expect(attachment).toMatchObject({ decrypted: true, bytes: PLAIN });
  return attachment?.filename ?? "";
}

const UNSAFE: [label: string, name: string][] = [
  ["a right-to-left override (displays as invoiceexe.pdf)", "invoice\u202efdp.exe"],
  ["a left-to-right override", "a\u202db.pdf"],
  ["a bidi embedding", "a\u202bb.pdf"],
  ["a pop directional formatting", "a\u202cb.pdf"],
  ["a bidi isolate", "a\u2067b\u2069.pdf"],
  ["a right-to-left mark", "a\u200fb.pdf"],
  ["an Arabic letter mark", "a\u061cb.pdf"],
  ["a line separator", "a\u2028b.txt"],
  ["a paragraph separator", "a\u2029b.txt"],
  ["a zero-width space", "x\u200b.txt"],
  ["a zero-width joiner", "x\u200d.txt"],
  ["a word joiner", "x\u2060.txt"],
  ["a byte order mark", "\ufeff"],
  ["a byte order mark inside", "a\ufeffb.txt"],
  ["a soft hyphen", "in\u00advoice.pdf"],
  ["a Hangul filler (invisible letter)", "\u3164.pdf"],
  ["a variation selector", "a\ufe0f.pdf"],
  ["a tag character", "a\u{e0041}.pdf"],
  ["a lone surrogate", "a\ud800.pdf"],
  ["a NEL (C1)", "a\u0085b.txt"],
  ["a NUL", "a\u0000b.txt"],
  ["DEL", "a\u007fb.txt"],
  ["a slash", "../etc/passwd"],
  ["a backslash", "..\\boot.ini"],
  ["a colon (NTFS stream)", "a:stream"],
  ["a drive letter", "C:evil.exe"],
  ["<", "a<b.pdf"],
  [">", "a>b.pdf"],
  ['"', 'a"b.pdf'],
  ["|", "a|b.pdf"],
  ["?", "what?.pdf"],
  ["*", "a*.pdf"],
  [".", "."],
  ["..", ".."],
  ["only dots", "..."],
  ["only a space", " "],
  ["only dots and spaces", ". . "],
  ["a trailing dot", "report.pdf."],
  ["a trailing space", "report.pdf "],
  ["CON", "CON"],
  ["con, lower case", "con"],
  ["NUL with an extension", "nul.txt"],
  ["AUX with two extensions", "Aux.tar.gz"],
  ["PRN", "PRN.pdf"],
  ["COM1", "COM1"],
  ["com9 with an extension", "com9.log"],
  ["COM0", "COM0.txt"],
  ["LPT1", "lpt1.pdf"],
  ["COM superscript one", "COM\u00b9.txt"],
  ["LPT superscript three", "LPT\u00b3"],
  ["CONIN$", "CONIN$.txt"],
  ["CONOUT$", "conout$"],
  ["CLOCK$", "CLOCK$"],
  ["a device name with a space before the extension", "CON .txt"],
  ["256 ASCII bytes", `${"a".repeat(252)}.pdf`],
  ["256 UTF-8 bytes in 130 characters", `${"\u00e9".repeat(126)}.pdf`],
  ["2000 characters", "a".repeat(2000)],
  // Windows' best-fit conversion turns these into "/" (or ":"), so they can name another file.
  ["the division slash", "a\u2215b.pdf"],
  ["the full-width solidus", "a\uff0fb.pdf"],
  ["the big solidus", "a\u29f8b.pdf"],
  ["the full-width colon", "a\uff1ab.pdf"],
];

const SAFE: [label: string, name: string][] = [
  ["accents, CJK and an emoji", "Bericht Gr\u00f6\u00dfe \u4e2d\u6587 \u{1f600}.pdf"],
  ["Hebrew and Arabic letters", "\u05d3\u05d5\u05d7 \u062a\u0642\u0631\u064a\u0631.pdf"],
  ["a leading dot (a hidden file)", ".bashrc"],
  ["a tilde", "~"],
  ["a leading space", " report.pdf"],
  ["dots inside", "a..b.pdf"],
  ["a device name inside a longer stem", "CONSOLE.txt"],
  ["a device name after the first dot", "report.con"],
  ["COM10 (not a device)", "COM10.txt"],
  ["255 ASCII bytes", `${"a".repeat(251)}.pdf`],
  ["255 UTF-8 bytes", `${"\u00e9".repeat(125)}a.pdf`],
  ["no-break space", "a\u00a0b.pdf"],
];

describe("a decrypted attachment's restored name is safe to write on Linux, macOS and Windows", () => {
  it.each(UNSAFE)(
    "original_filename with %s is skipped for the part's name without .asc",
    async (_label, name) => {
      expect(await restored(name)).toBe("report.pdf");
    },
  );

  // A part's name arrives as UTF-8, which cannot carry a lone surrogate, and whose decoder drops
  // a leading byte order mark (U+FEFF inside a name is kept, and covered).
  it.each(UNSAFE.filter(([label]) => !["a lone surrogate", "a byte order mark"].includes(label)))(
    "a part named after %s (+ .asc), with no safe original_filename, becomes attachment-0",
    async (_label, name) => {
      expect(await restored(name, `${name}.asc`)).toBe("attachment-0");
      expect(await restored(undefined, `${name}.asc`)).toBe("attachment-0");
    },
  );

  it.each(SAFE)("original_filename with %s is restored as it is", async (_label, name) => {
    expect(await restored(name, "x.asc")).toBe(name);
    expect(await restored(undefined, `${name}.asc`)).toBe(name);
  });
});
