import { execFileSync } from "node:child_process";
import { PYTHON, pythonSdk } from "@assmbl/testing/python";
import { seededRandom as prng } from "@assmbl/testing/random";
import { describe, expect, it } from "vitest";
import { decodeHeaderWords } from "./encoded-words.js";
import { AgentMailError } from "./errors.js";
import { decodeManifest, encodeManifest, MANIFEST_HEADER_MAX_LENGTH } from "./manifest.js";
import type { ManifestRow } from "./schemas/manifest.js";

function codeOf(fn: () => unknown): string {
  return errorOf(fn)?.code ?? "no error";
}

function errorOf(fn: () => unknown): AgentMailError | undefined {
  try {
    fn();
  } catch (e) {
    if (AgentMailError.is(e)) return e;
    throw e;
  }
  return undefined;
}

const pythonCache = new Map<string, string>();

const PYTHON_DUMPS =
  'import json,sys; print(json.dumps(json.load(sys.stdin), ensure_ascii=True, separators=(",",":")), end="")';

/**
 * What Python's `json.dumps(rows, ensure_ascii=True, separators=(",", ":"))` writes: the one
 * interpreter the tests run (`PYTHON`), synchronously because the assertions using it are.
 */
function pythonJson(value: unknown): string {
  const input = JSON.stringify(value);
  const cached = pythonCache.get(input);
  if (cached !== undefined) return cached;
  const output = execFileSync(PYTHON, ["-c", PYTHON_DUMPS], {
    input,
    encoding: "utf8",
    env: { ...process.env, PYTHONIOENCODING: "utf-8", PYTHONUTF8: "1" },
  });
  pythonCache.set(input, output);
  return output;
}

const ARMORED = { algorithm: "openpgp", format: "armored" };

// Every row is written with its keys in the encoder's fixed wire order, so the Python dicts
// built from them by json.load keep that same order.
const ROWS: ManifestRow[] = [
  {
    index: 0,
    filename: "r\u00e9sum\u00e9.pdf.asc",
    content_type: "application/pgp-encrypted",
    size: 52311,
    encrypted: true,
    encryption: ARMORED,
    original_filename: "r\u00e9sum\u00e9.pdf",
    original_content_type: "application/pdf",
    object_key: "uploads/my-agent/5f0c-r\u00e9sum\u00e9.pdf.asc",
  },
  {
    index: 1,
    filename: "\u4e2d\u6587\u62a5\u544a.txt",
    content_type: "text/plain; charset=utf-8",
    size: 0,
    encrypted: false,
  },
  {
    index: 2,
    filename: "smile \u{1f600}.png",
    content_type: "image/png",
    size: 9007199254740991,
    encrypted: false,
  },
  {
    index: 3,
    filename: 'del\u007f quote" back\\slash </tag>&.bin',
    content_type: "application/octet-stream",
    encrypted: false,
  },
  {
    index: 4,
    filename: "tab\there\nnew\rline\u0000nul\u0001\u001f\b\f.txt",
    content_type: "text/plain",
    encrypted: false,
  },
  {
    index: 5,
    // No lone surrogate: encodeManifest refuses one (it has no UTF-8 encoding, see below).
    filename: "nel\u0085 nbsp\u00a0 ls\u2028 ps\u2029 bom\ufeff high.txt",
    content_type: "text/plain",
    encrypted: false,
  },
];

describe("encodeManifest", () => {
  it("writes the same bytes as Python's json.dumps(ensure_ascii=True, compact separators)", () => {
    const encoded = encodeManifest(ROWS);
    expect(encoded).toBe(pythonJson(ROWS));
  });

  it("escapes non-ASCII, DEL, astral characters and controls like Python does", () => {
    const encoded = encodeManifest(ROWS);
    expect(encoded).toMatch(/^[\x20-\x7e]*$/);
    expect(encoded).toContain('"filename":"r\\u00e9sum\\u00e9.pdf.asc"');
    expect(encoded).toContain('"filename":"\\u4e2d\\u6587\\u62a5\\u544a.txt"');
    expect(encoded).toContain('"filename":"smile \\ud83d\\ude00.png"');
    expect(encoded).toContain('"filename":"del\\u007f quote\\" back\\\\slash </tag>&.bin"');
    expect(encoded).toContain(
      '"filename":"tab\\there\\nnew\\rline\\u0000nul\\u0001\\u001f\\b\\f.txt"',
    );
    expect(encoded).toContain("nel\\u0085 nbsp\\u00a0 ls\\u2028 ps\\u2029 bom\\ufeff high");
  });

  it("refuses a lone surrogate (Python would write \\ud800, which no UTF-8 reader restores)", () => {
    const row = { ...(ROWS[0] as ManifestRow), filename: "lone\ud800.txt" };
    expect(() => encodeManifest([row])).toThrow(/row 0 filename has a lone surrogate/);
  });

  it("writes =? as =\\u003f, so no header reader takes it for an encoded word", () => {
    const row = {
      index: 0,
      filename: "a =?utf-8?q?b?= c",
      content_type: "text/plain",
      encrypted: false,
    };
    const encoded = encodeManifest([row]);
    expect(encoded).toBe(pythonJson([row]).replace("=?", "=\\u003f"));
    expect(encoded).not.toContain("=?");
    expect(decodeManifest(encoded)).toEqual([row]);
  });

  it("matches the spec §4 example byte for byte", () => {
    const row = ROWS[0] as ManifestRow;
    expect(encodeManifest([{ ...row, filename: "report.pdf.asc" }])).toBe(
      '[{"index":0,"filename":"report.pdf.asc","content_type":"application/pgp-encrypted","size":52311,' +
        '"encrypted":true,"encryption":{"algorithm":"openpgp","format":"armored"},' +
        '"original_filename":"r\\u00e9sum\\u00e9.pdf","original_content_type":"application/pdf",' +
        '"object_key":"uploads/my-agent/5f0c-r\\u00e9sum\\u00e9.pdf.asc"}]',
    );
  });

  it("puts keys in the wire order whatever order the rows use", () => {
    const shuffled = [
      {
        object_key: "uploads/a/k\u00e9",
        original_content_type: "text/plain",
        encryption: { format: "armored", algorithm: "openpgp" },
        original_filename: "n\u00f6tes.txt",
        encrypted: true,
        size: 12,
        content_type: "application/pgp-encrypted",
        filename: "n\u00f6tes.txt.asc",
        index: 0,
      },
    ] as ManifestRow[];
    const canonical = [
      {
        index: 0,
        filename: "n\u00f6tes.txt.asc",
        content_type: "application/pgp-encrypted",
        size: 12,
        encrypted: true,
        encryption: { algorithm: "openpgp", format: "armored" },
        original_filename: "n\u00f6tes.txt",
        original_content_type: "text/plain",
        object_key: "uploads/a/k\u00e9",
      },
    ];
    const encoded = encodeManifest(shuffled);
    expect(encoded).toBe(pythonJson(canonical));
    expect(encoded.startsWith('[{"index":0,"filename":"n\\u00f6tes.txt.asc",')).toBe(true);
  });

  it("leaves absent optional keys out and writes an empty manifest as []", () => {
    expect(
      encodeManifest([
        { index: 0, filename: "a.txt", content_type: "text/plain", encrypted: false },
      ]),
    ).toBe('[{"index":0,"filename":"a.txt","content_type":"text/plain","encrypted":false}]');
    expect(encodeManifest([])).toBe("[]");
  });

  it("drops keys it does not know", () => {
    const row = {
      index: 0,
      filename: "a.txt",
      content_type: "text/plain",
      encrypted: false,
      secret: "x",
    } as ManifestRow;
    expect(encodeManifest([row])).not.toContain("secret");
  });

  it("throws invalid_manifest for an invalid row", () => {
    const noFilename = { index: 0, content_type: "text/plain", encrypted: false } as ManifestRow;
    expect(codeOf(() => encodeManifest([noFilename]))).toBe("invalid_manifest");
    const noEncryption = {
      index: 0,
      filename: "a.asc",
      content_type: "application/pgp-encrypted",
      encrypted: true,
    };
    expect(codeOf(() => encodeManifest([noEncryption]))).toBe("invalid_manifest");
    const duplicate = { index: 0, filename: "a", content_type: "text/plain", encrypted: false };
    expect(codeOf(() => encodeManifest([duplicate, duplicate]))).toBe("invalid_manifest");
  });
});

describe("decodeManifest", () => {
  it("round-trips encoded rows", () => {
    expect(decodeManifest(encodeManifest(ROWS))).toEqual(ROWS);
  });

  it("decodes Python's output to the same rows", () => {
    expect(decodeManifest(pythonJson(ROWS))).toEqual(ROWS);
  });

  it("unfolds a header folded with CRLF + space between JSON tokens", () => {
    const folded =
      '[{"index":0,\r\n "filename":"a.txt.asc",\r\n "content_type":\r\n "application/pgp-encrypted",' +
      '"encrypted":true,\r\n "encryption":{"algorithm":"openpgp",\r\n  "format":"armored"}}\r\n ,' +
      '{"index":1,"filename":"b.txt","content_type":"text/plain","encrypted":false}]';
    expect(decodeManifest(folded)).toEqual([
      {
        index: 0,
        filename: "a.txt.asc",
        content_type: "application/pgp-encrypted",
        encrypted: true,
        encryption: { algorithm: "openpgp", format: "armored" },
      },
      { index: 1, filename: "b.txt", content_type: "text/plain", encrypted: false },
    ]);
  });

  it("unfolds LF-only folding with a tab", () => {
    const folded =
      '[{"index":0,\n\t"filename":"c.txt",\n\t"content_type":"text/plain",\n\t"encrypted":false}]';
    expect(decodeManifest(folded)).toEqual([
      { index: 0, filename: "c.txt", content_type: "text/plain", encrypted: false },
    ]);
  });

  it("unfolds an encoded manifest folded at every comma", () => {
    const encoded = encodeManifest(ROWS.slice(0, 3));
    const folded = encoded.replace(/,"/g, ',\r\n "');
    expect(folded).not.toBe(encoded);
    expect(decodeManifest(folded)).toEqual(ROWS.slice(0, 3));
  });

  it("drops unknown keys and sorts rows by index", () => {
    const value = JSON.stringify([
      { index: 2, filename: "c", content_type: "text/plain", encrypted: false, extra: 1 },
      {
        index: 0,
        filename: "a.asc",
        content_type: "application/pgp-encrypted",
        encrypted: true,
        encryption: { algorithm: "openpgp", format: "armored", mode: "x" },
        checksum: "abc",
      },
      { index: 1, filename: "b", content_type: "text/plain", encrypted: false },
    ]);
    expect(decodeManifest(value)).toEqual([
      {
        index: 0,
        filename: "a.asc",
        content_type: "application/pgp-encrypted",
        encrypted: true,
        encryption: { algorithm: "openpgp", format: "armored" },
      },
      { index: 1, filename: "b", content_type: "text/plain", encrypted: false },
      { index: 2, filename: "c", content_type: "text/plain", encrypted: false },
    ]);
  });

  it.each([
    ["not JSON", "not json"],
    ["truncated JSON", '[{"index":0,'],
    ["an empty string", ""],
    [
      "an object instead of an array",
      '{"index":0,"filename":"a","content_type":"t","encrypted":false}',
    ],
    ["an array of non-objects", "[1]"],
    ["a row without filename", '[{"index":0,"content_type":"text/plain","encrypted":false}]'],
    [
      "an empty filename",
      '[{"index":0,"filename":"","content_type":"text/plain","encrypted":false}]',
    ],
    ["a row without encrypted", '[{"index":0,"filename":"a","content_type":"text/plain"}]'],
    [
      "encrypted: true without encryption",
      '[{"index":0,"filename":"a.asc","content_type":"application/pgp-encrypted","encrypted":true}]',
    ],
    [
      "encryption with encrypted: false",
      '[{"index":0,"filename":"a","content_type":"text/plain","encrypted":false,"encryption":{"algorithm":"openpgp","format":"armored"}}]',
    ],
    [
      "a negative index",
      '[{"index":-1,"filename":"a","content_type":"text/plain","encrypted":false}]',
    ],
    [
      "a fractional index",
      '[{"index":0.5,"filename":"a","content_type":"text/plain","encrypted":false}]',
    ],
    [
      "duplicate indexes",
      '[{"index":0,"filename":"a","content_type":"text/plain","encrypted":false},{"index":0,"filename":"b","content_type":"text/plain","encrypted":false}]',
    ],
  ])("rejects %s with invalid_manifest", (_label, value) => {
    expect(codeOf(() => decodeManifest(value))).toBe("invalid_manifest");
  });

  it.each([
    ["a number", 42],
    ["null", null],
    ["an array", []],
  ])("rejects %s instead of a string with invalid_manifest", (_label, value) => {
    expect(codeOf(() => decodeManifest(value as unknown as string))).toBe("invalid_manifest");
  });
});

// A real X-AgentMail-Attachments written by Python's email (policy.default) for one row whose
// original_filename was "r\u00e9sum\u00e9 =?utf-8?q?x?= \u4e2d.pdf": folded into encoded words, b
// and q mixed, a \u00e9 escape split across two words, and the literal "=?utf-8?q?x?=" taken
// for an encoded word (Python reads it back as "x", so must we).
const PYTHON_WRITTEN =
  '[{"index":0,"filename":"report 0 =?utf-8?q?r=5Cu00e?=\n' +
  " =?utf-8?b?OXN1bVx1MDBlOS5wZGYuYXNjIiwiY29udGVudF90eXBlIjoiYXBwbGljYXRp?=\n" +
  " =?utf-8?b?b24vcGdwLWVuY3J5cHRlZCIsInNpemUiOjEyMywiZW5jcnlwdGVkIjp0cnVlLCJl?=\n" +
  " =?utf-8?b?bmNyeXB0aW9uIjp7ImFsZ29yaXRobSI6Im9wZW5wZ3AiLCJmb3JtYXQiOiJhcm1v?=\n" +
  " =?utf-8?q?red=22=7D=2C=22original=5Ffilename=22=3A=22r=5Cu00e9sum=5Cu00e9?= x\n" +
  ' \\u4e2d.pdf","original_content_type":"application/pdf"}]';

describe("decodeManifest on manifests Python's email wrote", () => {
  it("reads a folded, encoded-word manifest as Python's json.loads(str(header)) does", () => {
    expect(decodeManifest(PYTHON_WRITTEN)).toEqual([
      {
        index: 0,
        filename: "report 0 r\u00e9sum\u00e9.pdf.asc",
        content_type: "application/pgp-encrypted",
        size: 123,
        encrypted: true,
        encryption: ARMORED,
        original_filename: "r\u00e9sum\u00e9 x \u4e2d.pdf",
        original_content_type: "application/pdf",
      },
    ]);
    expect(decodeManifest(PYTHON_WRITTEN.replace(/\n/g, "\r\n"))).toEqual(
      decodeManifest(PYTHON_WRITTEN),
    );
  });

  it("reads 150 generated manifests, ASCII and UTF-8 JSON, exactly as Python reads them back", async () => {
    // 1-5 rows each: Python's folder re-encodes every encoded word it shrinks character by
    // character, so its time grows with the bytes written; 150 manifests of up to 20 rows took
    // Python seconds and folded no boundary that a few rows with long names do not.
    const manifests = generateManifests(150, 7, 5);
    const [ascii, utf8] = await Promise.all([
      pythonSdk.writeManifests(manifests),
      pythonSdk.writeManifests(manifests, { ensureAscii: false }),
    ]);
    const differing: unknown[] = [];
    let unreadable = 0;
    for (const written of [...ascii, ...utf8]) {
      const field = new TextDecoder().decode(written.field);
      if (decodeHeaderWords(field) !== written.value) {
        differing.push({ field, python: written.value });
      } else if (written.json === undefined) {
        // Python's writer can mangle a name that looks like an encoded word until its own
        // json.loads fails; then decodeManifest must refuse it too.
        unreadable++;
        if (codeOf(() => decodeManifest(field)) !== "invalid_manifest") {
          differing.push({ field, python: written.jsonError });
        }
      } else {
        try {
          expect(decodeManifest(field)).toEqual(written.json);
        } catch (error) {
          differing.push({ field, python: written.json, error: String(error) });
        }
      }
    }
    expect(unreadable).toBeLessThan(10);
    expect(differing.slice(0, 3)).toEqual([]);
    // The writer did fold them into encoded words: the test is about those.
    const encoded = [...ascii, ...utf8].filter((w) =>
      /=\?utf-8\?[bq]\?/i.test(new TextDecoder().decode(w.field)),
    );
    expect(encoded.length).toBeGreaterThan(250);
  });

  it("writes manifests Python reads back unchanged, =? in names included", async () => {
    const manifests = generateManifests(40, 11);
    const encoded = manifests.map((rows) => encodeManifest(rows as ManifestRow[]));
    const python = await pythonSdk.readHeaderValues(encoded);
    expect(python.map((read) => read.json)).toEqual(manifests);
  });
});

describe("decodeManifest on hostile values", () => {
  const row = (extra: Record<string, unknown>) =>
    JSON.stringify([
      {
        index: 0,
        filename: "a.txt.asc",
        content_type: "application/pgp-encrypted",
        encrypted: true,
        encryption: { algorithm: "openpgp", format: "armored" },
        ...extra,
      },
    ]);

  it("returns control characters from JSON escapes and encoded words as written, as Python does", () => {
    // The codec does not judge names and types; the reader never returns a control character.
    const escaped = row({ filename: "a\u0000.txt", original_content_type: "text/plain\u001b" });
    expect(decodeManifest(escaped)[0]).toMatchObject({
      filename: "a\u0000.txt",
      original_content_type: "text/plain\u001b",
    });
    const encoded = row({ filename: "x" }).replace(
      '"x"',
      '"a =?utf-8?q?=C2=85?= b =?iso-8859-1?q?=7F?="',
    );
    expect(decodeManifest(encoded)[0]?.filename).toBe("a \u0085 b \u007f");
  });

  it("refuses raw control characters an encoded word puts inside a JSON string", () => {
    const value = row({ filename: "x" }).replace('"x"', '"a=?utf-8?q?=0D=0A=00?=b"');
    const error = errorOf(() => decodeManifest(value));
    expect(error?.code).toBe("invalid_manifest");
    expect(error?.message).toMatch(
      /^manifest header is not valid JSON \(at character \d+ once decoded\)$/,
    );
    // biome-ignore lint/suspicious/noControlCharactersInRegex: no control character may leak.
    expect(error?.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });

  it("reads a value of exactly the cap, and refuses one character more before decoding it", () => {
    const padded = `[]${" ".repeat(MANIFEST_HEADER_MAX_LENGTH - 2)}`;
    expect(decodeManifest(padded)).toEqual([]);
    const error = errorOf(() => decodeManifest(`${padded} `));
    expect(error?.code).toBe("invalid_manifest");
    expect(error?.message).toBe(
      `manifest header is ${MANIFEST_HEADER_MAX_LENGTH + 1} characters long; at most ${MANIFEST_HEADER_MAX_LENGTH} are read`,
    );
  });

  it("refuses deep nesting and thousands of bad rows with a short message", () => {
    expect(codeOf(() => decodeManifest("[".repeat(MANIFEST_HEADER_MAX_LENGTH)))).toBe(
      "invalid_manifest",
    );
    expect(codeOf(() => decodeManifest(`${"[".repeat(100_000)}${"]".repeat(100_000)}`))).toBe(
      "invalid_manifest",
    );
    const many = `[${Array.from({ length: 50_000 }, () => "1").join(",")}]`;
    const error = errorOf(() => decodeManifest(many));
    expect(error?.code).toBe("invalid_manifest");
    expect(error?.message).toMatch(/; and 49995 more$/);
    expect(error?.message.length).toBeLessThan(500);
  });
});

// Name fragments: several scripts, emoji (ZWJ sequences, flags), combining marks, spaces, and
// text that looks like RFC 2047 (which Python's writer and reader take for encoded words).
const FRAGMENTS = [
  "report",
  "Q3 2026",
  "final v2",
  "r\u00e9sum\u00e9",
  "\u043e\u0442\u0447\u0451\u0442",
  "\u03b1\u03bd\u03b1\u03c6\u03bf\u03c1\u03ac",
  "\u062a\u0642\u0631\u064a\u0631",
  "\u05d3\u05d5\u05d7",
  "\u0930\u093f\u092a\u094b\u0930\u094d\u091f",
  "\u0e23\u0e32\u0e22\u0e07\u0e32\u0e19",
  "\u4e2d\u6587\u62a5\u544a",
  "\u65e5\u672c\u8a9e\u306e\u30d5\u30a1\u30a4\u30eb",
  "\ud55c\uad6d\uc5b4",
  "\u{1f600}",
  "\u{1f468}\u200d\u{1f469}\u200d\u{1f467}",
  "\u{1f1e9}\u{1f1ea}",
  "e\u0301",
  "a=?b",
  "=?not-a-word",
  "?=",
  "=?utf-8?q?hello?=",
  "=?utf-8?B?aGk=?=",
  "x=?utf-8?q?y?=z",
  "=?iso-8859-1?q?caf=E9?=",
  'quote"d',
  "back\\slash",
  "   ",
];
const TYPES = [
  "application/pdf",
  "text/plain; charset=utf-8",
  "image/png",
  "application/octet-stream",
];

/** Manifests of 1-`maxRows` rows in wire key order, names short and long. */
function generateManifests(count: number, seed: number, maxRows = 20): Record<string, unknown>[][] {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const name = () => {
    const parts = Array.from({ length: 1 + Math.floor(random() * (random() < 0.2 ? 30 : 5)) }, () =>
      pick(FRAGMENTS),
    );
    return `${parts.join(pick([" ", "", "_", " - "]))}.${pick(["pdf", "txt", "png", "tar.gz"])}`;
  };
  return Array.from({ length: count }, () =>
    Array.from({ length: 1 + Math.floor(random() * maxRows) }, (_, index) => {
      const original = name();
      const encrypted = random() < 0.6;
      const type = pick(TYPES);
      return {
        index,
        filename: encrypted ? `${original}.asc` : original,
        content_type: encrypted ? "application/pgp-encrypted" : type,
        size: Math.floor(random() * 10_000_000),
        encrypted,
        ...(encrypted
          ? { encryption: ARMORED, original_filename: original, original_content_type: type }
          : {}),
        ...(random() < 0.3 ? { object_key: `uploads/py-agent/${index}-${original}` } : {}),
      };
    }),
  );
}
