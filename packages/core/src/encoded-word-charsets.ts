// The charsets of RFC 2047 encoded words, looked up and decoded the way Python's `email` does
// (`bytes.decode(charset)` in `email._encoded_words.decode`), for the charsets Python knows that
// TextDecoder knows too. The result is bytes: Python keeps every byte it cannot decode as a
// surrogate escape and, at the end of the header, turns the whole value back into bytes and
// decodes them as UTF-8 with replacement; `decodeHeaderWords` does that last step once.

/** A growable byte buffer: where a header value is assembled before its final UTF-8 pass. */
export class ByteSink {
  private buffer = new Uint8Array(256);
  /** Bytes written so far; setting it lower drops the bytes after it. */
  length = 0;

  push(byte: number): void {
    if (this.length === this.buffer.length) this.grow(1);
    this.buffer[this.length++] = byte;
  }

  pushAll(bytes: Uint8Array): void {
    if (this.length + bytes.length > this.buffer.length) this.grow(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** A JavaScript string as UTF-8 (a lone surrogate as U+FFFD, as TextEncoder writes it). */
  pushText(text: string): void {
    for (let i = 0; i < text.length; i++) {
      let code = text.charCodeAt(i);
      if (code < 0x80) {
        this.push(code);
        continue;
      }
      if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
        const low = text.charCodeAt(i + 1);
        if (low >= 0xdc00 && low <= 0xdfff) {
          code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
          i++;
        }
      }
      if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd;
      this.pushCodePoint(code);
    }
  }

  pushCodePoint(code: number): void {
    if (code < 0x80) this.push(code);
    else if (code < 0x800) {
      this.push(0xc0 | (code >> 6));
      this.push(0x80 | (code & 0x3f));
    } else if (code < 0x10000) {
      this.push(0xe0 | (code >> 12));
      this.push(0x80 | ((code >> 6) & 0x3f));
      this.push(0x80 | (code & 0x3f));
    } else {
      this.push(0xf0 | (code >> 18));
      this.push(0x80 | ((code >> 12) & 0x3f));
      this.push(0x80 | ((code >> 6) & 0x3f));
      this.push(0x80 | (code & 0x3f));
    }
  }

  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }

  private grow(atLeast: number): void {
    const next = new Uint8Array(Math.max(this.buffer.length * 2, this.length + atLeast));
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
  }
}

type Codec =
  // Bytes kept as they are: Python decodes the valid ones to the characters their UTF-8 would
  // give anyway and escapes the others, which its final UTF-8 pass reads the same way.
  | { kind: "bytes" }
  | { kind: "latin-1" }
  | { kind: "single"; label: string; overrides: string }
  | { kind: "multi"; label: string }
  | { kind: "utf-16"; littleEndian: boolean };

// Python 3.11's codecs (the `encodings` module name, then its `encodings.aliases`), with how each
// is decoded here. Single-byte: TextDecoder's table for `label`, corrected where it differs from
// Python's (`hex`: undefined in Python, so the byte stays a raw byte; `hex=codepoint`: Python's
// character); the correction lists are what differs on Node's TextDecoder, and a test compares
// all 256 bytes of each with Python. Multi-byte: exact for bytes valid in the charset.
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
  ...multi("iso2022_jp csiso2022jp iso2022jp iso_2022_jp", "iso-2022-jp"),
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
  ["utf_16_le unicodelittleunmarked utf_16le", { kind: "utf-16", littleEndian: true }],
  ["utf_16_be unicodebigunmarked utf_16be", { kind: "utf-16", littleEndian: false }],
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
 * themselves. An unknown charset keeps every byte (Python: `decode("ascii", "surrogateescape")`).
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
  } else if (codec.kind === "latin-1") {
    for (const byte of bytes) sink.pushCodePoint(byte);
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
  } else if (codec.kind === "utf-16") {
    const decoded = new ByteSink();
    if (!appendUtf16(bytes, codec.littleEndian, decoded)) return false;
    sink.pushAll(decoded.bytes());
  } else {
    // Bytes that are not valid in the charset stay raw bytes as a whole: Python would decode the
    // valid runs around them, which a TextDecoder cannot reproduce for every multi-byte codec.
    try {
      sink.pushText(new TextDecoder(codec.label, { fatal: true, ignoreBOM: true }).decode(bytes));
    } catch {
      sink.pushAll(bytes);
    }
  }
  return true;
}

/**
 * Python's UTF-16 decoder with its `surrogateescape` retry: a lone surrogate's two bytes, a high
 * surrogate without a following unit, or a last odd byte is an error; of an error's bytes, the
 * leading ones of 0x80 or more (at most four) stay raw and decoding resumes after them; an error
 * that starts with an ASCII byte makes the whole decode fail (`false`).
 */
function appendUtf16(bytes: Uint8Array, littleEndian: boolean, sink: ByteSink): boolean {
  const n = bytes.length;
  const unit = (at: number) =>
    littleEndian
      ? (bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8)
      : ((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0);
  // The index to go on from after an error over bytes [from, to), or -1 when Python raises.
  const keepRaw = (from: number, to: number): number => {
    let at = from;
    while (at < to && at - from < 4 && (bytes[at] ?? 0) >= 0x80) sink.push(bytes[at++] ?? 0);
    return at === from ? -1 : at;
  };
  let i = 0;
  while (i < n) {
    if (i + 1 >= n) {
      i = keepRaw(i, n); // truncated data
    } else {
      const high = unit(i);
      if (high < 0xd800 || high > 0xdfff) {
        sink.pushCodePoint(high);
        i += 2;
        continue;
      }
      if (high >= 0xdc00)
        i = keepRaw(i, i + 2); // illegal encoding
      else if (i + 3 >= n)
        i = keepRaw(i, n); // unexpected end of data
      else {
        const low = unit(i + 2);
        if (low >= 0xdc00 && low <= 0xdfff) {
          sink.pushCodePoint(0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00));
          i += 4;
          continue;
        }
        i = keepRaw(i, i + 2); // illegal UTF-16 surrogate
      }
    }
    if (i < 0) return false;
  }
  return true;
}
