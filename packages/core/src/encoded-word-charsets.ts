// Over 300 lines on purpose: most of it is the charset table that lookup reads.
// The charsets of RFC 2047 encoded words, looked up and decoded the way Python's `email` does
// (`bytes.decode(charset)` in `email._encoded_words.decode`), for the charsets Python knows that
// TextDecoder knows too (or that need no table). The result is bytes: Python keeps every byte it
// cannot decode as a surrogate escape and, at the end of the header, turns the whole value back
// into bytes and decodes them as UTF-8 with replacement; `decodeHeaderWords` does that last step
// once.
import { ByteSink } from "./encoded-word-bytes.js";
import { appendIso2022, type Iso2022Variant } from "./encoded-word-iso2022.js";
import { appendUtf16, appendUtf32, type ByteOrder } from "./encoded-word-utf.js";

export { ByteSink } from "./encoded-word-bytes.js";

type Codec =
  // Bytes kept as they are: Python decodes the valid ones to the characters their UTF-8 would
  // give anyway and escapes the others, which its final UTF-8 pass reads the same way.
  | { kind: "bytes" }
  // The same after a leading UTF-8 byte order mark is dropped.
  | { kind: "utf-8-sig" }
  | { kind: "latin-1"; overrides?: string }
  | { kind: "single"; label: string; overrides: string }
  | { kind: "multi"; label: string }
  | { kind: "utf-16"; order: ByteOrder }
  | { kind: "utf-32"; order: ByteOrder }
  | { kind: "iso-2022"; variant: Iso2022Variant };

// Python 3.11's codecs (the `encodings` module name, then its `encodings.aliases`), with how each
// is decoded here. Single-byte: TextDecoder's table for `label`, corrected where it differs from
// Python's (`hex`: undefined in Python, so the byte stays a raw byte; `hex=codepoint`: Python's
// character); the correction lists are what differs on Node's TextDecoder, and a test compares
// all 256 bytes of each with Python. Multi-byte: exact for bytes valid in the charset. UTF-16,
// UTF-32 and ISO-2022: Python's decoders (encoded-word-utf.ts, encoded-word-iso2022.ts), exact.
//
// Python codecs knowingly not decoded (see PYTHON_CODECS_NOT_DECODED): their words keep their
// bytes, as for a charset Python does not know either. That is the safer side: the final UTF-8
// pass shows such bytes as U+FFFD (or as the ASCII they are), never as more text than they hold.
const CODECS: readonly (readonly [names: string, codec: Codec])[] = [
  ["utf_8 cp65001 u8 utf utf8 utf8_ucs2 utf8_ucs4", { kind: "bytes" }],
  [
    "ascii 646 ansi_x3.4_1968 ansi_x3.4_1986 ansi_x3_4_1968 cp367 csascii ibm367 iso646_us iso_646.irv_1991 iso_ir_6 us us_ascii",
    { kind: "bytes" },
  ],
  [
    "latin_1 8859 cp819 csisolatin1 ibm819 iso8859 iso8859_1 iso_8859_1 iso_8859_1_1987 iso_ir_100 l1 latin latin1",
    { kind: "latin-1" },
  ],
  ...single("iso8859_2 csisolatin2 iso_8859_2 iso_8859_2_1987 iso_ir_101 l2 latin2", "iso-8859-2"),
  ...single("iso8859_3 csisolatin3 iso_8859_3 iso_8859_3_1988 iso_ir_109 l3 latin3", "iso-8859-3"),
  ...single("iso8859_4 csisolatin4 iso_8859_4 iso_8859_4_1988 iso_ir_110 l4 latin4", "iso-8859-4"),
  ...single(
    "iso8859_5 csisolatincyrillic cyrillic iso_8859_5 iso_8859_5_1988 iso_ir_144",
    "iso-8859-5",
  ),
  ...single(
    "iso8859_6 arabic asmo_708 csisolatinarabic ecma_114 iso_8859_6 iso_8859_6_1987 iso_ir_127",
    "iso-8859-6",
  ),
  ...single(
    "iso8859_7 csisolatingreek ecma_118 elot_928 greek greek8 iso_8859_7 iso_8859_7_1987 iso_ir_126",
    "iso-8859-7",
  ),
  ...single(
    "iso8859_8 csisolatinhebrew hebrew iso_8859_8 iso_8859_8_1988 iso_ir_138",
    "iso-8859-8",
  ),
  // WHATWG reads ISO-8859-9 as windows-1254, which fills 0x80-0x9F; Python keeps the C1 controls.
  ...single(
    "iso8859_9 csisolatin5 iso_8859_9 iso_8859_9_1989 iso_ir_148 l5 latin5",
    "iso-8859-9",
    "80=80 82=82 83=83 84=84 85=85 86=86 87=87 88=88 89=89 8a=8a 8b=8b 8c=8c 91=91 92=92 93=93 94=94 95=95 96=96 97=97 98=98 99=99 9a=9a 9b=9b 9c=9c 9f=9f",
  ),
  ...single(
    "iso8859_10 csisolatin6 iso_8859_10 iso_8859_10_1992 iso_ir_157 l6 latin6",
    "iso-8859-10",
  ),
  ...single(
    "iso8859_11 iso_8859_11 iso_8859_11_2001 thai",
    "iso-8859-11",
    "80=80 85=85 91=91 92=92 93=93 94=94 95=95 96=96 97=97 db dc dd de fc fd fe ff",
  ),
  ...single("iso8859_13 iso_8859_13 l7 latin7", "iso-8859-13"),
  ...single(
    "iso8859_14 iso_8859_14 iso_8859_14_1998 iso_celtic iso_ir_199 l8 latin8",
    "iso-8859-14",
  ),
  ...single("iso8859_15 iso_8859_15 l9 latin9", "iso-8859-15"),
  ...single("koi8_r cskoi8r", "koi8-r"),
  ...single("koi8_u", "koi8-u"),
  ...single("cp1250 1250 windows_1250", "windows-1250", "81 83 88 90 98"),
  ...single("cp1251 1251 windows_1251", "windows-1251", "98"),
  // Node's TextDecoder reads windows-1252 as ISO-8859-1: the whole 0x80-0x9F row is Python's.
  ...single(
    "cp1252 1252 windows_1252",
    "windows-1252",
    "80=20ac 81 82=201a 83=192 84=201e 85=2026 86=2020 87=2021 88=2c6 89=2030 8a=160 8b=2039 8c=152 8d 8e=17d 8f 90 91=2018 92=2019 93=201c 94=201d 95=2022 96=2013 97=2014 98=2dc 99=2122 9a=161 9b=203a 9c=153 9d 9e=17e 9f=178",
  ),
  ...single(
    "cp1253 1253 windows_1253",
    "windows-1253",
    "81 88 8a 8c 8d 8e 8f 90 98 9a 9c 9d 9e 9f aa",
  ),
  ...single("cp1254 1254 windows_1254", "windows-1254", "81 8d 8e 8f 90 9d 9e"),
  ...single("cp1255 1255 windows_1255", "windows-1255", "81 8a 8c 8d 8e 8f 90 9a 9c 9d 9e 9f"),
  ...single("cp1256 1256 windows_1256", "windows-1256"),
  ...single("cp1257 1257 windows_1257", "windows-1257", "81 83 88 8a 8c 90 98 9a 9c 9f"),
  ...single("cp1258 1258 windows_1258", "windows-1258", "81 8a 8d 8e 8f 90 9a 9d 9e"),
  ...single(
    "cp874",
    "windows-874",
    "81 82 83 84 86 87 88 89 8a 8b 8c 8d 8e 8f 90 98 99 9a 9b 9c 9d 9e 9f db dc dd de fc fd fe ff",
  ),
  ...single("cp866 866 csibm866 ibm866", "ibm866", "1a=1a 1c=1c 7f=7f"),
  ...single("mac_roman macintosh macroman", "macintosh"),
  ...single("mac_cyrillic maccyrillic", "x-mac-cyrillic"),
  ...multi("shift_jis csshiftjis s_jis shiftjis sjis x_mac_japanese", "shift_jis"),
  ...multi("cp932 932 ms932 ms_kanji mskanji", "shift_jis"),
  ...multi("euc_jp eucjp u_jis ujis", "euc-jp"),
  ...multi(
    "euc_kr euckr korean ks_c_5601 ks_c_5601_1987 ks_x_1001 ksc5601 ksx1001 x_mac_korean",
    "euc-kr",
  ),
  ...multi("cp949 949 ms949 uhc", "euc-kr"),
  ...multi(
    "gb2312 chinese csiso58gb231280 euc_cn euccn eucgb2312_cn gb2312_1980 gb2312_80 iso_ir_58 x_mac_simp_chinese",
    "gbk",
  ),
  ...multi("gbk 936 cp936 ms936", "gbk"),
  ...multi("gb18030 gb18030_2000", "gb18030"),
  ...multi("big5 big5_tw csbig5 x_mac_trad_chinese", "big5"),
  ...multi("big5hkscs big5_hkscs hkscs", "big5"),
  ["utf_8_sig", { kind: "utf-8-sig" }],
  // Only 40 bytes differ from ISO-8859-1, and TextDecoder often lacks "iso-8859-16".
  [
    "iso8859_16 iso_8859_16 iso_8859_16_2001 iso_ir_226 l10 latin10",
    {
      kind: "latin-1",
      overrides:
        "a1=104 a2=105 a3=141 a4=20ac a5=201e a6=160 a8=161 aa=218 ac=179 ae=17a af=17b b2=10c b3=142 b4=17d b5=201d b8=17e b9=10d ba=219 bc=152 bd=153 be=178 bf=17c c3=102 c5=106 d0=110 d1=143 d5=150 d7=15a d8=170 dd=118 de=21a e3=103 e5=107 f0=111 f1=144 f5=151 f7=15b f8=171 fd=119 fe=21b",
    },
  ],
  ["utf_16 u16 utf16", { kind: "utf-16", order: "bom" }],
  ["utf_16_le unicodelittleunmarked utf_16le", { kind: "utf-16", order: "le" }],
  ["utf_16_be unicodebigunmarked utf_16be", { kind: "utf-16", order: "be" }],
  ["utf_32 u32 utf32", { kind: "utf-32", order: "bom" }],
  ["utf_32_le utf_32le", { kind: "utf-32", order: "le" }],
  ["utf_32_be utf_32be", { kind: "utf-32", order: "be" }],
  ["iso2022_jp csiso2022jp iso2022jp iso_2022_jp", { kind: "iso-2022", variant: "jp" }],
  ["iso2022_jp_1 iso2022jp_1 iso_2022_jp_1", { kind: "iso-2022", variant: "jp_1" }],
  ["iso2022_jp_2 iso2022jp_2 iso_2022_jp_2", { kind: "iso-2022", variant: "jp_2" }],
  ["iso2022_jp_ext iso2022jp_ext iso_2022_jp_ext", { kind: "iso-2022", variant: "jp_ext" }],
  ["iso2022_kr csiso2022kr iso2022kr iso_2022_kr", { kind: "iso-2022", variant: "kr" }],
];

/**
 * Python 3.11's text codecs (module names) that {@link appendDecoded} does not decode: a word in
 * one of them keeps its bytes (the safer side; see above). A test checks that every Python text
 * codec is either decoded or listed here.
 */
export const PYTHON_CODECS_NOT_DECODED: readonly string[] = [
  // EBCDIC.
  ..."cp037 cp273 cp424 cp500 cp875 cp1026 cp1140".split(" "),
  // DOS and other OEM code pages (TextDecoder knows only cp866).
  ..."cp437 cp720 cp737 cp775 cp850 cp852 cp855 cp856 cp857 cp858 cp860 cp861 cp862 cp863 cp864 cp865 cp869 cp1006 cp1125".split(
    " ",
  ),
  // Mac charsets other than mac_roman and mac_cyrillic.
  ..."mac_arabic mac_croatian mac_farsi mac_greek mac_iceland mac_latin2 mac_romanian mac_turkish".split(
    " ",
  ),
  // Other single-byte charsets TextDecoder lacks.
  ..."hp_roman8 koi8_t kz1048 ptcp154 palmos tis_620".split(" "),
  // CJK charsets TextDecoder lacks (JIS X 0213, Johab, HZ, Microsoft's Big5).
  ..."cp950 euc_jis_2004 euc_jisx0213 shift_jis_2004 shift_jisx0213 iso2022_jp_2004 iso2022_jp_3 johab hz".split(
    " ",
  ),
  // Transformations rather than charsets, and the codec that refuses everything.
  ..."utf_7 idna punycode unicode_escape raw_unicode_escape charmap undefined".split(" "),
];

function single(names: string, label: string, overrides = "") {
  return [[names, { kind: "single", label, overrides }]] as const;
}

function multi(names: string, label: string) {
  return [[names, { kind: "multi", label }]] as const;
}

/** Python's codec names and aliases and how each is decoded, for the tests that compare with Python. */
export const PYTHON_CODECS: readonly { module: string; aliases: string[]; kind: Codec["kind"] }[] =
  CODECS.map(([names, codec]) => {
    const [module = "", ...aliases] = names.split(" ");
    return { module, aliases, kind: codec.kind };
  });

let modules: Map<string, Codec> | undefined;
let aliases: Map<string, Codec> | undefined;

/**
 * The codec Python's `codecs.lookup` finds for a charset name, or `undefined` where Python finds
 * none (or one TextDecoder does not know): lower-case, every run of characters other than ASCII
 * letters, digits and `.` becomes one `_` (none at the ends), then an alias, the alias with `.`
 * as `_`, or a module name without `.`. A name with non-ASCII characters is unknown: Python sees
 * them as escaped bytes, which cannot name a codec.
 */
function lookup(charset: string): Codec | undefined {
  // A header holds the same few charset names over and over: each is looked up once (a hostile
  // one with endless distinct names only fills the cache, which then starts again).
  const known = lookedUp.get(charset);
  if (known !== undefined) return known === null ? undefined : known;
  if (lookedUp.size >= 1024) lookedUp.clear();
  const codec = findCodec(charset);
  lookedUp.set(charset, codec ?? null);
  return codec;
}

const lookedUp = new Map<string, Codec | null>();

function findCodec(charset: string): Codec | undefined {
  if (modules === undefined || aliases === undefined) {
    modules = new Map();
    aliases = new Map();
    for (const [names, codec] of CODECS) {
      const [module = "", ...rest] = names.split(" ");
      modules.set(module, codec);
      for (const alias of rest) aliases.set(alias, codec);
    }
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: any non-ASCII character is the point.
  if (/[^\u0000-\u007f]/.test(charset)) return undefined;
  const name = charset
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, "_")
    .replace(/^_+|_+$/g, "");
  return (
    aliases.get(name) ??
    aliases.get(name.replace(/\./g, "_")) ??
    (name.includes(".") ? undefined : modules.get(name))
  );
}

const tables = new Map<string, readonly (number | null)[] | null>();

/** 256 code points (`null`: undefined in Python) of a single-byte codec; `null` if TextDecoder lacks it. */
function singleByteTable(label: string, overrides: string): readonly (number | null)[] | null {
  const cached = tables.get(label);
  if (cached !== undefined) return cached;
  let table: (number | null)[] | null = null;
  try {
    const decoder = new TextDecoder(label, { fatal: true });
    table = [];
    for (let byte = 0; byte < 256; byte++) {
      try {
        table.push(decoder.decode(Uint8Array.of(byte)).codePointAt(0) ?? null);
      } catch {
        table.push(null);
      }
    }
    for (const entry of overrides.split(" ").filter(Boolean)) {
      const [byte = "", code] = entry.split("=");
      table[Number.parseInt(byte, 16)] = code === undefined ? null : Number.parseInt(code, 16);
    }
  } catch {
    table = null;
  }
  tables.set(label, table);
  return table;
}

/**
 * Appends what Python's `bytes.decode(charset)` gives for an encoded word's bytes, as bytes:
 * decoded characters as UTF-8, bytes Python leaves undecoded (its `surrogateescape` retry) as
 * themselves. An unknown charset keeps every byte (Python: `decode("ascii", "surrogateescape")`),
 * and so does one of {@link PYTHON_CODECS_NOT_DECODED} (Python decodes it; this does not).
 * Returns `false`, appending nothing, where Python's retry raises too (an undecodable sequence
 * that starts with an ASCII byte): the encoded word is then invalid and stays as text.
 *
 * @example
 * const sink = new ByteSink();
 * appendDecoded("iso-8859-1", Uint8Array.of(0xe9), sink); // true; sink holds c3 a9 ("é")
 */
export function appendDecoded(charset: string, bytes: Uint8Array, sink: ByteSink): boolean {
  const codec = lookup(charset);
  if (codec === undefined || codec.kind === "bytes") {
    sink.pushAll(bytes);
  } else if (codec.kind === "utf-8-sig") {
    const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
    sink.pushAll(bom ? bytes.subarray(3) : bytes);
  } else if (codec.kind === "latin-1") {
    const table = latin1Table(codec.overrides ?? "");
    for (const byte of bytes) {
      const code = table[byte];
      if (code === null || code === undefined) sink.push(byte);
      else sink.pushCodePoint(code);
    }
  } else if (codec.kind === "single") {
    const table = singleByteTable(codec.label, codec.overrides);
    if (table === null) sink.pushAll(bytes);
    else {
      for (const byte of bytes) {
        const code = table[byte];
        if (code === null || code === undefined) sink.push(byte);
        else sink.pushCodePoint(code);
      }
    }
  } else if (codec.kind === "multi") {
    // Bytes that are not valid in the charset stay raw bytes as a whole: Python would decode the
    // valid runs around them, which a TextDecoder cannot reproduce for every multi-byte codec.
    try {
      sink.pushText(multiByteDecoder(codec.label).decode(bytes));
    } catch {
      sink.pushAll(bytes);
    }
  } else {
    // Written to a scratch sink first: a decode that fails appends nothing.
    const decoded = new ByteSink();
    const ok =
      codec.kind === "utf-16"
        ? appendUtf16(bytes, codec.order, decoded)
        : codec.kind === "utf-32"
          ? appendUtf32(bytes, codec.order, decoded)
          : appendIso2022(codec.variant, bytes, decoded);
    if (ok === false) return false;
    // `undefined`: TextDecoder lacks a set the ISO-2022 bytes use; they are kept.
    sink.pushAll(ok === undefined ? bytes : decoded.bytes());
  }
  return true;
}

const multiByteDecoders = new Map<string, TextDecoder>();

/** One fatal TextDecoder per label, reused (each `decode` call starts afresh). */
function multiByteDecoder(label: string): TextDecoder {
  let decoder = multiByteDecoders.get(label);
  if (decoder === undefined) {
    decoder = new TextDecoder(label, { fatal: true, ignoreBOM: true });
    multiByteDecoders.set(label, decoder);
  }
  return decoder;
}

const latin1Tables = new Map<string, readonly (number | null)[]>();

/** ISO-8859-1 (each byte its code point), corrected by `overrides` (as for single-byte tables). */
function latin1Table(overrides: string): readonly (number | null)[] {
  const cached = latin1Tables.get(overrides);
  if (cached !== undefined) return cached;
  const table: (number | null)[] = Array.from({ length: 256 }, (_, byte) => byte);
  for (const entry of overrides.split(" ").filter(Boolean)) {
    const [byte = "", code] = entry.split("=");
    table[Number.parseInt(byte, 16)] = code === undefined ? null : Number.parseInt(code, 16);
  }
  latin1Tables.set(overrides, table);
  return table;
}
