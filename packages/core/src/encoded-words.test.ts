// decodeHeaderWords against Python's own reading of the same header bytes (email.policy.default,
// `str(msg[name])`), through the Python SDK model: hand-written cases, a seeded fuzz of thousands
// of values, every byte of every single-byte charset, charset spellings, and hostile sizes.
import { execFileSync } from "node:child_process";
import { PYTHON, type PythonHeaderRead, pythonSdk } from "@assmbl/testing/python";
import { seededRandom as prng } from "@assmbl/testing/random";
import { beforeAll, describe, expect, it } from "vitest";
import { PYTHON_CODECS } from "./encoded-word-charsets.js";
import { decodeHeaderWords } from "./encoded-words.js";
import { MANIFEST_HEADER_MAX_LENGTH } from "./manifest.js";

const hex = (byte: number) => `=${byte.toString(16).toUpperCase().padStart(2, "0")}`;
const qEncode = (bytes: Uint8Array) =>
  Array.from(bytes, (byte) =>
    byte === 0x20
      ? "_"
      : /[A-Za-z0-9!*+/-]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : hex(byte),
  ).join("");
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
const utf8 = (text: string) => new TextEncoder().encode(text);

// Input, and what Python's str(header) gives for it (checked against Python below as well).
const HAND: [label: string, input: string, expected: string][] = [
  [
    "the Python writer's folded manifest (q and b mixed, a \\u escape split across words)",
    '[{"index":0,"filename":"report 0 =?utf-8?q?r=5Cu00e?=\r\n =?utf-8?b?OXN1bVx1MDBlOS5wZGYuYXNjIiwiY29udGVudF90eXBlIjoiYXBwbGljYXRp?=\r\n =?utf-8?q?on/pgp-encrypted=22=7D=5D?=',
    '[{"index":0,"filename":"report 0 r\\u00e9sum\\u00e9.pdf.asc","content_type":"application/pgp-encrypted"}]',
  ],
  [
    "folding white space between encoded words is dropped",
    "=?utf-8?q?a?= \t\r\n =?utf-8?q?b?=",
    "ab",
  ],
  ["white space beside text is kept", "=?utf-8?q?a?=  plain\t =?utf-8?q?b?=", "a  plain\t b"],
  ["any Python white space between words counts", "=?utf-8?q?a?= \u000b\u001c =?utf-8?q?b?=", "ab"],
  ["adjacent words without white space", "=?utf-8?q?a?==?utf-8?q?b?=", "ab"],
  ["an encoded word inside a word", "a=?utf-8?q?x?=b", "axb"],
  ["a UTF-8 character split across two words", "=?utf-8?q?=C3?= =?utf-8?b?qQ==?=", "\u00e9"],
  [
    "an emoji split across three words",
    "=?utf-8?b?8J8=?= =?utf-8?q?=98?= =?utf-8?q?=80!?=",
    "\u{1f600}!",
  ],
  ["base64 without its padding", "=?utf-8?b?w6k?=", "\u00e9"],
  ["base64 with padding inside", "=?utf-8?b?YW=Jj?=", "abc"],
  ["base64 with characters outside the alphabet", "=?utf-8?b?Y!W-J_j?=", "abc"],
  ["base64 that cannot be decoded stays as its text", "=?utf-8?b?Y?=", "Y"],
  ["a language suffix", "=?utf-8*en?q?x?=", "x"],
  ["upper-case Q and underscores", "=?UTF-8?Q?a_b?= c", "a b c"],
  ["a =XX right after the encoding's ?", "=?utf-8?q?=41?=", "A"],
  ["?= inside q text after two ?", "=?utf-8?q?a?=3D?=", "a3D?="],
  ["q text with stray = and _", "=?utf-8?q?x=_=4=G1_x?=", "x= =4=G1 x"],
  ["an early ?= ends the word (then it is invalid)", "=?utf-8?q?=_x?=", "=?utf-8?q?=_x?="],
  ["an unknown transfer encoding stays", "=?utf-8?x?abc?= x", "=?utf-8?x?abc?= x"],
  ["a NUL in the charset stays", "=?utf-8\u0000?q?x?=", "=?utf-8\u0000?q?x?="],
  ["an unterminated word stays", "=?utf-8?q?abc", "=?utf-8?q?abc"],
  ["three ? in a word: invalid, stays", "=?utf-8?q?a?b?= c", "=?utf-8?q?a?b?= c"],
  ["iso-8859-1", "=?iso-8859-1?q?caf=E9?=", "caf\u00e9"],
  ["iso-8859-1 keeps C1 controls", "=?ISO-8859-1?Q?=80=9F?=", "\u0080\u009f"],
  ["latin-1 spelled as Python's alias", "=?iso_8859-1:1987?q?=E9?=", "\u00e9"],
  ["us-ascii with 8-bit bytes: read as UTF-8 in the end", "=?us-ascii?q?=C3=A9?=", "\u00e9"],
  ["an unknown charset keeps its bytes", "=?x-unknown?q?=C3=A9=FF?=", "\u00e9\ufffd"],
  ["an empty charset is unknown", "=??q?=C3=A9?=", "\u00e9"],
  ["utf.8 is no name Python knows", "=?utf.8?q?=E9?=", "\ufffd"],
  ["windows-1252", "=?windows-1252?q?=80=93x=94?=", "\u20ac\u201cx\u201d"],
  ["windows-1252's undefined bytes stay bytes", "=?cp1252?q?=81?=", "\ufffd"],
  ["invalid UTF-8 becomes U+FFFD", "=?utf-8?q?a=FFb=C3?=", "a\ufffdb\ufffd"],
  ["a BOM is kept", "=?utf-8?q?=EF=BB=BFx?=", "\ufeffx"],
  [
    "control characters in words are decoded (the reader sanitises)",
    "=?utf-8?q?a=0D=0A=00=1B=7F?=",
    "a\r\n\u0000\u001b\u007f",
  ],
  ["shift_jis", `=?shift_jis?b?${b64(Uint8Array.of(0x93, 0xfa, 0x96, 0x7b))}?=`, "\u65e5\u672c"],
  ["utf-16le", `=?utf-16le?b?${b64(Uint8Array.of(0x61, 0x00, 0x2d, 0x4e))}?=`, "a\u4e2d"],
  [
    "utf-16be with a surrogate pair",
    `=?utf-16be?b?${b64(Uint8Array.of(0xd8, 0x3d, 0xde, 0x00))}?=`,
    "\u{1f600}",
  ],
  [
    "utf-16 with an odd non-ASCII byte: kept as a byte",
    "=?utf-16le?q?a=00=C3?= =?utf-8?q?=A9?=",
    "a\u00e9",
  ],
  ["utf-16 with an odd ASCII byte: invalid, stays", "=?utf-16le?q?a=00b?=", "=?utf-16le?q?a=00b?="],
  [
    "raw UTF-8 text outside words",
    "caf\u00e9 =?utf-8?q?=E4=B8=AD?= \u{1f600}",
    "caf\u00e9 \u4e2d \u{1f600}",
  ],
  ["leading white space is dropped, trailing kept", " \t abc  ", "abc  "],
  ["a fold right after the colon", "\r\n [1]", " [1]"],
];

// Input shapes whose Python reading is easier to ask than to predict.
const ODD = [
  "=?=?utf-8?q?x?=",
  "=?utf-8?q?x?==?",
  "a=?b=?utf-8?q?x?=",
  "=?a?q?=41=?utf-8?q?b?=",
  "=?utf-8?q?a b?=",
  "=?utf-8?q?a?=\r\n\t=?utf-8?q?b?=\r\n c",
  "x=?utf-8?q?a?= =?utf-8?q?b?=y",
  "=?utf-8?q?a?= x =?utf-8?q?b?= =?utf-8?q?c?=",
  "??==??==?=?",
  "=?utf-8?b?====?=",
  "=?utf-8?b?YQ===?=",
  "=?utf-8?b?YWJ=j?=",
  "=?utf-8?b?=YWJj?=",
  "=?*?q?x?=",
  "=?utf-8?Q??=",
  "=?utf-8?q?=C3?=x=?utf-8?q?=A9?=",
  "=?latin1?q?=C3?==?utf-8?q?=A9?=",
  "=?x?q?=C3?= \u00e9 =?x?q?=A9?=",
];

describe("decodeHeaderWords reads a header as Python's email.policy.default does", () => {
  let hand: PythonHeaderRead[];
  beforeAll(async () => {
    hand = await pythonSdk.readHeaderValues([...HAND.map(([, input]) => input), ...ODD]);
  });

  it.each(HAND.map((c, i) => [...c, i] as const))("%s", (_label, input, expected, i) => {
    expect(hand[i]?.value).toBe(expected);
    expect(decodeHeaderWords(input)).toBe(expected);
  });

  it("agrees with Python on odd shapes of encoded words", () => {
    const python = hand.slice(HAND.length).map((read) => read.value);
    expect(ODD.map(decodeHeaderWords)).toEqual(python);
  });

  it("agrees with Python on 3000 generated values (seeded fuzz)", async () => {
    const values = fuzzValues(3000, 20261129);
    const python = await pythonSdk.readHeaderValues(values);
    const mismatches = values
      .map((value, i) => ({ value, ours: decodeHeaderWords(value), python: python[i]?.value }))
      .filter((row) => row.ours !== row.python);
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  it("decodes every byte of every single-byte charset (and UTF-16's odd bytes) as Python does", async () => {
    const charsets = PYTHON_CODECS.filter((codec) => codec.kind !== "multi").map((c) => c.module);
    // Each byte in its own word, the words separated by spaces (which are then dropped).
    const values = charsets.map((charset) =>
      Array.from({ length: 256 }, (_, byte) => `=?${charset}?q?${hex(byte)}?=`).join(" "),
    );
    const python = await pythonSdk.readHeaderValues(values);
    const differing = charsets.filter(
      (_, i) => decodeHeaderWords(values[i] ?? "") !== python[i]?.value,
    );
    expect(differing).toEqual([]);
  });

  it("looks charsets up under every spelling Python accepts, and no others", async () => {
    const spellings = PYTHON_CODECS.flatMap(({ module, aliases }) => [
      module,
      ...aliases,
      module.toUpperCase().replace(/_/g, "-"),
      ` ${module.replace(/_/g, "--")}`,
    ]).concat(["utf.8", "unknown-8bit", "x-user-defined", "utf-7", "latin-9", "ISO-8859-1*de"]);
    // Bytes that read differently in nearly every charset; valid ones for the multi-byte charsets.
    const mixed = Uint8Array.of(0x41, 0xc3, 0xa9, 0xe4, 0xb8, 0xad, 0x80, 0xa4, 0xb0, 0xe9, 0x20);
    const codecOf = (spelling: string) =>
      PYTHON_CODECS.find(({ module, aliases }) =>
        [module, ...aliases].some(
          (name) => name === spelling.trim().toLowerCase().replace(/-+/g, "_"),
        ),
      )?.module ?? "";
    const values = spellings.map(
      (spelling) => `=?${spelling}?b?${b64(VALID_SAMPLES[codecOf(spelling)] ?? mixed)}?=`,
    );
    const python = await pythonSdk.readHeaderValues(values);
    const differing = spellings.filter(
      (_, i) => decodeHeaderWords(values[i] ?? "") !== python[i]?.value,
    );
    expect(differing).toEqual([]);
  });

  it("lists exactly Python's aliases for every codec it decodes", () => {
    const script =
      "import json, encodings.aliases as a\nout = {}\nfor k, v in a.aliases.items(): out.setdefault(v, []).append(k)\nprint(json.dumps(out))";
    const python = JSON.parse(execFileSync(PYTHON, ["-c", script], { encoding: "utf8" })) as Record<
      string,
      string[]
    >;
    for (const { module, aliases } of PYTHON_CODECS) {
      expect([module, [...aliases].sort()]).toEqual([module, [...(python[module] ?? [])].sort()]);
    }
  });

  it("decodes hostile values as long as the manifest cap in one pass, and matches Python on shorter ones", async () => {
    const shapes = [
      "=?x?q?a", // many candidate words, no terminator
      "=?", // only openers
      "=?a?q?=41", // the =XX extension, never closed
      "=?utf-8?q?=41?=", // adjacent words
      "a =?", // openers after spaces
      "=?a?q?b?=c", // a word inside every word
      " \t\u000b", // white space only
    ];
    const big = shapes.map((shape) =>
      shape.repeat(Math.ceil(MANIFEST_HEADER_MAX_LENGTH / shape.length)),
    );
    for (const value of big) expect(typeof decodeHeaderWords(value)).toBe("string");
    const small = shapes.map((shape) => shape.repeat(Math.ceil(3000 / shape.length)));
    const python = await pythonSdk.readHeaderValues(small);
    expect(small.map(decodeHeaderWords)).toEqual(python.map((read) => read.value));
  });
});

describe("decodeHeaderWords on a 2 MiB header (postal-mime's cap on a message's headers)", () => {
  const size = 2 * 1024 * 1024;
  const word = (charset: string, bytes: number[]) =>
    `=?${charset}?b?${b64(Uint8Array.from(bytes))}?= `;
  const shapes: [label: string, unit: string][] = [
    ["plain text", "a"],
    ["openers", "=?"],
    ["short utf-8 words", "=?utf-8?q?a?="],
    ["=XX extensions", "=?utf-8?q?=41?="],
    ["unterminated words", "a=?utf-8?q?b "],
    ["gbk words", "=?gbk?q?a?= "],
    ["iso-2022-jp words", word("iso-2022-jp", [0x1b, 0x24, 0x42, 0x46, 0x7c, 0x1b, 0x28, 0x42])],
    ["utf-32 words", word("utf-32", [0xff, 0xfe, 0, 0, 0x61, 0, 0, 0])],
  ];
  // Timing lives in bench/decode-header-words.mjs (against Python's own reader); here each shape
  // must simply decode, within the test timeout, to no more characters than it had.
  it.each(shapes)("%s: a 2 MiB value decodes", (_label, unit) => {
    const value = unit.repeat(Math.floor(size / unit.length));
    expect(decodeHeaderWords(value).length).toBeLessThanOrEqual(value.length);
  });
});

// Bytes valid in each multi-byte charset ("日本", "한국", "中文"): those are decoded exactly only
// when valid (TextDecoder cannot redo Python's partial decoding of the others).
const VALID_SAMPLES: Record<string, Uint8Array> = {
  shift_jis: Uint8Array.of(0x93, 0xfa, 0x96, 0x7b),
  cp932: Uint8Array.of(0x93, 0xfa, 0x96, 0x7b),
  euc_jp: Uint8Array.of(0xc6, 0xfc, 0xcb, 0xdc),
  iso2022_jp: Uint8Array.of(0x1b, 0x24, 0x42, 0x46, 0x7c, 0x4b, 0x5c, 0x1b, 0x28, 0x42),
  euc_kr: Uint8Array.of(0xc7, 0xd1, 0xb1, 0xb9),
  cp949: Uint8Array.of(0xc7, 0xd1, 0xb1, 0xb9),
  gb2312: Uint8Array.of(0xd6, 0xd0, 0xce, 0xc4),
  gbk: Uint8Array.of(0xd6, 0xd0, 0xce, 0xc4),
  gb18030: Uint8Array.of(0xd6, 0xd0, 0xce, 0xc4),
  big5: Uint8Array.of(0xa4, 0xa4, 0xa4, 0xe5),
  big5hkscs: Uint8Array.of(0xa4, 0xa4, 0xa4, 0xe5),
};
const MULTI_BYTE: Record<string, string> = {
  shift_jis: "shift_jis",
  "EUC-KR": "euc_kr",
  gb2312: "gb2312",
  big5: "big5",
  "iso-2022-jp": "iso2022_jp",
};

const CHARSETS = [
  "utf-8",
  "UTF-8",
  "utf8",
  "us-ascii",
  "iso-8859-1",
  "latin1",
  "windows-1252",
  "iso-8859-2",
  "koi8-r",
  ...Object.keys(MULTI_BYTE),
  "utf-16le",
  "UTF-16BE",
  "x-unknown",
  "unknown-8bit",
  "",
  "utf-8*en",
];
const TEXTS = [
  "report r\u00e9sum\u00e9.pdf",
  "\u4e2d\u6587\u62a5\u544a",
  "\u{1f600}\u{1f468}\u200d\u{1f469}",
  '{"index":0,"filename":"a b"}',
  "=?utf-8?q?x?=",
  "tab\there",
  "\u00a0nbsp \u2028",
];

/** Header values made of encoded words, plain words and separators, hostile ones included. */
function fuzzValues(count: number, seed: number): string[] {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const randomBytes = (): Uint8Array => {
    const kind = random();
    if (kind < 0.5) return utf8(pick(TEXTS).slice(0, 1 + Math.floor(random() * 12)));
    return Uint8Array.from({ length: Math.floor(random() * 8) }, () =>
      random() < 0.5 ? Math.floor(random() * 256) : 0x20 + Math.floor(random() * 95),
    );
  };
  const word = (): string => {
    const charset = pick(CHARSETS);
    const multi = MULTI_BYTE[charset];
    const bytes = multi === undefined ? randomBytes() : (VALID_SAMPLES[multi] ?? randomBytes());
    const cte = pick(["q", "Q", "b", "B", "b", "x"]);
    let text = cte.toLowerCase() === "b" ? b64(bytes) : qEncode(bytes);
    // Base64 junk: padding anywhere, characters outside the alphabet, any length.
    if (cte.toLowerCase() === "b" && random() < 0.25 && multi === undefined) {
      text = Array.from({ length: Math.floor(random() * 10) }, () =>
        pick([..."QUJDw6k+/===!-_.*"]),
      ).join("");
    }
    // Multi-byte charsets are exact for valid bytes only: their words are never damaged.
    const damage = multi === undefined ? random() : 1;
    if (damage < 0.1) text = text.replace(/=+$/, "");
    else if (damage < 0.15) text = `${text.slice(0, 1)}!${text.slice(1)}`;
    else if (damage < 0.2) text = text.slice(0, -1);
    else if (damage < 0.23) text = `${text}?`;
    return `=?${charset}?${cte}?${text}?=`;
  };
  // A UTF-8 string split at random byte offsets into consecutive words, as some writers do.
  const splitWords = (): string => {
    const bytes = utf8(pick(TEXTS));
    const words: string[] = [];
    for (let at = 0; at < bytes.length; ) {
      const end = Math.min(bytes.length, at + 1 + Math.floor(random() * 5));
      const part = bytes.subarray(at, end);
      words.push(random() < 0.5 ? `=?utf-8?b?${b64(part)}?=` : `=?utf-8?q?${qEncode(part)}?=`);
      at = end;
    }
    return words.join(pick([" ", "\r\n ", ""]));
  };
  const plain = (): string =>
    pick([
      "plain",
      '[{"index":0,',
      "a=?",
      "?=b",
      "=?",
      "?=",
      "x=?utf-8?q?y?=z",
      "caf\u00e9",
      "\u4e2d",
      "\u{1f600}",
      "_=41",
      "\u0001ctl",
    ]);
  const separators = [" ", "\t", "  ", " \u000b ", "\u001c", "", "\r\n ", "\r\n\t", " \r\n  "];
  return Array.from({ length: count }, () => {
    const parts: string[] = [];
    const length = 1 + Math.floor(random() * 8);
    for (let i = 0; i < length; i++) {
      const kind = random();
      parts.push(kind < 0.45 ? word() : kind < 0.65 ? splitWords() : plain());
      if (i < length - 1) parts.push(pick(separators));
    }
    return parts.join("");
  });
}
