import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import type { AgentMailError } from "./errors.js";
import { decodeManifest, encodeManifest } from "./manifest.js";
import type { ManifestRow } from "./schemas/manifest.js";

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as AgentMailError).code;
  }
  return "no error";
}

const pythonCache = new Map<string, string>();

const PYTHON_DUMPS =
  'import json,sys; print(json.dumps(json.load(sys.stdin), ensure_ascii=True, separators=(",",":")), end="")';

/** What Python's `json.dumps(rows, ensure_ascii=True, separators=(",", ":"))` writes. */
function pythonJson(value: unknown): string {
  const input = JSON.stringify(value);
  const cached = pythonCache.get(input);
  if (cached !== undefined) return cached;
  const output = execFileSync("python3", ["-c", PYTHON_DUMPS], {
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
    filename: "nel\u0085 nbsp\u00a0 ls\u2028 ps\u2029 bom\ufeff lone\ud800 high.txt",
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
    expect(encoded).toContain("nel\\u0085 nbsp\\u00a0 ls\\u2028 ps\\u2029 bom\\ufeff lone\\ud800");
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
