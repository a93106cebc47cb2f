// Over 300 lines on purpose: one state machine (CPython's) and the sets it switches between.
// Python's ISO-2022 decoders (CPython's Modules/cjkcodecs/_codecs_iso2022.c) for RFC 2047 encoded
// words: `iso2022_jp`, `iso2022_jp_1`, `iso2022_jp_2`, `iso2022_jp_ext` and `iso2022_kr`, with the
// `surrogateescape` retry of `email._encoded_words.decode`. The state machine is Python's;
// the double-byte character sets are read through TextDecoder (JIS X 0208 and JIS X 0212 as
// EUC-JP, GB 2312 as GBK, KS X 1001 as EUC-KR), limited to the cells Python's tables define and
// corrected where they differ: a test compares every cell of each set with Python.
// (`iso2022_jp_3` and `iso2022_jp_2004` need JIS X 0213, which TextDecoder lacks: not decoded.)
// TextDecoder's own "iso-2022-jp" is not used: it refuses two escape sequences in a row and
// reads sets Python does not (NEC row 13, JIS X 0201 katakana), so it differs from Python.
import type { ByteSink } from "./encoded-word-bytes.js";

/** The ISO-2022 codecs decoded here, by Python's module name without `iso2022_`. */
export type Iso2022Variant = "jp" | "jp_1" | "jp_2" | "jp_ext" | "kr";

const ESC = 0x1b;
const SO = 0x0e;
const SI = 0x0f;
const LF = 0x0a;

// Character sets by their final byte; double-byte ones with 0x80 added (CPython's marks).
const DBCS = 0x80;
const ASCII = 0x42; // B
const ISO8859_1 = 0x41; // A (a G2 set)
const ISO8859_7 = 0x46; // F (a G2 set)
const JISX0201_K = 0x49; // I
const JISX0201_R = 0x4a; // J
const GB2312 = DBCS | 0x41;
const JISX0208 = DBCS | 0x42;
const KSX1001 = DBCS | 0x43;
const JISX0212 = DBCS | 0x44;
const JISX0208_O = DBCS | 0x40;

interface Config {
  /** The sets an escape sequence may designate (ASCII always may). */
  sets: readonly number[];
  /** SO and SI shift to G1 and back (else they are plain control characters). */
  shift: boolean;
  /** `ESC . X` designates G2 and `ESC N` shifts one character to it. */
  g2: boolean;
  /** `ESC & @ ESC $ B` designates JIS X 0208 (its 1990 edition). */
  jisx0208Ext: boolean;
}

const CONFIGS: Record<Iso2022Variant, Config> = {
  jp: { sets: [JISX0208, JISX0201_R, JISX0208_O], shift: false, g2: false, jisx0208Ext: true },
  jp_1: {
    sets: [JISX0208, JISX0212, JISX0201_R, JISX0208_O],
    shift: false,
    g2: false,
    jisx0208Ext: true,
  },
  jp_2: {
    sets: [JISX0208, JISX0212, KSX1001, GB2312, JISX0201_R, JISX0208_O, ISO8859_1, ISO8859_7],
    shift: false,
    g2: true,
    jisx0208Ext: true,
  },
  jp_ext: {
    sets: [JISX0208, JISX0212, JISX0201_R, JISX0201_K, JISX0208_O],
    shift: false,
    g2: false,
    jisx0208Ext: true,
  },
  kr: { sets: [KSX1001], shift: true, g2: false, jisx0208Ext: false },
};

/**
 * Python's `bytes.decode("iso2022_<variant>", "surrogateescape")`, appended to `sink` as bytes.
 * A byte of 0x80 or more outside an escape sequence is an error Python's retry keeps as a raw
 * byte; every other error (an unknown or unterminated escape sequence, a double-byte code Python
 * does not map, a truncated character) starts with an ASCII byte, which the retry cannot keep:
 * `false` (the encoded word is invalid and stays as text, as in Python), with `sink` untouched
 * only if the caller wrote into a scratch sink. `undefined` when TextDecoder lacks a set the
 * bytes use (the caller keeps the bytes).
 *
 * @example
 * // ESC $ B "F|K\" ESC ( B: 日本
 * appendIso2022("jp", Uint8Array.of(0x1b, 0x24, 0x42, 0x46, 0x7c, 0x4b, 0x5c, 0x1b, 0x28, 0x42), sink);
 */
export function appendIso2022(
  variant: Iso2022Variant,
  bytes: Uint8Array,
  sink: ByteSink,
): boolean | undefined {
  const config = CONFIGS[variant];
  const g = [ASCII, ASCII, ASCII];
  let shifted = false;
  let escapeThroughout = false;
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const c = bytes[i] ?? 0;
    if (escapeThroughout) {
      // An escape sequence that is not ISO-2022's: its bytes are written as Latin-1 up to its
      // final byte.
      sink.pushCodePoint(c);
      i++;
      if (isEscapeEnd(c)) escapeThroughout = false;
      continue;
    }
    if (c === ESC) {
      if (i + 1 >= n) return false;
      const c2 = bytes[i + 1] ?? 0;
      if (c2 === 0x28 || c2 === 0x29 || c2 === 0x24 || c2 === 0x2e || c2 === 0x26) {
        const length = designate(config, bytes, i, g);
        if (length < 0) return false;
        i += length;
      } else if (config.g2 && c2 === 0x4e) {
        // ESC N: one character of G2.
        if (i + 2 >= n) return false;
        const code = g2Character(g[2] ?? ASCII, bytes[i + 2] ?? 0);
        if (code === undefined) return false;
        sink.pushCodePoint(code);
        i += 3;
      } else {
        sink.push(ESC);
        escapeThroughout = true;
        i++;
      }
      continue;
    }
    if (config.shift && (c === SO || c === SI)) {
      shifted = c === SO;
      i++;
      continue;
    }
    if (c === LF) shifted = false;
    if (c < 0x20 || c >= 0x80) {
      // C0 controls pass through; a byte of 0x80 or more is an error the retry keeps raw.
      sink.push(c);
      i++;
      continue;
    }
    const set = (shifted ? g[1] : g[0]) ?? ASCII;
    if (set === ASCII) {
      sink.push(c);
      i++;
      continue;
    }
    const width = set & DBCS ? 2 : 1;
    if (i + width > n) return false;
    const code = width === 1 ? singleByte(set, c) : doubleByte(set, c, bytes[i + 1] ?? 0);
    if (code === null) return undefined;
    if (code === undefined) return false;
    sink.pushCodePoint(code);
    i += width;
  }
  return true;
}

/** `IS_ESCEND`: the final byte of an escape sequence. */
function isEscapeEnd(byte: number): boolean {
  return (byte >= 0x41 && byte <= 0x5a) || byte === 0x40;
}

/**
 * CPython's `iso2022processesc` on the escape sequence at `at`: designates a set into `g` and
 * returns the sequence's length, or -1 for an error (which starts with ESC: Python raises).
 */
function designate(config: Config, bytes: Uint8Array, at: number, g: number[]): number {
  const n = bytes.length - at;
  const b = (k: number) => bytes[at + k] ?? 0;
  let length = -1;
  for (let k = 1; k < 16; k++) {
    if (k >= n) return -1;
    if (isEscapeEnd(b(k))) {
      length = k + 1;
      break;
    }
    if (config.jisx0208Ext && k + 1 < n && b(k) === 0x26 && b(k + 1) === 0x40) k += 2;
  }
  let set: number;
  let plane: number;
  if (length === 3) {
    if (b(1) === 0x24) {
      set = b(2) | DBCS;
      plane = 0;
    } else {
      set = b(2);
      if (b(1) === 0x28) plane = 0;
      else if (b(1) === 0x29) plane = 1;
      else if (config.g2 && b(1) === 0x2e) plane = 2;
      else return -1;
    }
  } else if (length === 4) {
    if (b(1) !== 0x24) return -1;
    set = b(3) | DBCS;
    if (b(2) === 0x28) plane = 0;
    else if (b(2) === 0x29) plane = 1;
    else return -1;
  } else if (length === 6 && config.jisx0208Ext && b(3) === ESC && b(4) === 0x24 && b(5) === 0x42) {
    set = JISX0208;
    plane = 0;
  } else {
    return -1;
  }
  if (set !== ASCII && !config.sets.includes(set)) return -1;
  g[plane] = set;
  return length;
}

/**
 * CPython's `iso2022processg2`: the character `ESC N byte` stands for. A G2 set other than these
 * three makes Python raise RuntimeError ("internal codec error"), which escapes its header parser
 * altogether; here the word is just invalid.
 */
function g2Character(set: number, byte: number): number | undefined {
  if (set === ISO8859_1) return byte < 0x80 ? byte + 0x80 : undefined;
  if (set === ASCII) return byte & 0x80 ? undefined : byte;
  if (set !== ISO8859_7) return undefined;
  const c = byte ^ 0x80;
  if (c < 0xa0) return c;
  if (c < 0xc0 && 0x288f3bc9 & (1 << (c - 0xa0))) return c;
  if (c >= 0xb4 && c <= 0xfe && (c >= 0xd4 || 0xbffffd77 & (1 << (c - 0xb4)))) return 0x02d0 + c;
  if (c === 0xa1) return 0x2018;
  if (c === 0xa2) return 0x2019;
  if (c === 0xaf) return 0x2015;
  return undefined;
}

/** A single-byte set's character for `byte` (0x20-0x7F), `undefined` where Python has none. */
function singleByte(set: number, byte: number): number | undefined {
  if (set === JISX0201_R) return byte === 0x5c ? 0xa5 : byte === 0x7e ? 0x203e : byte;
  if (set === JISX0201_K) return byte >= 0x21 && byte <= 0x5f ? 0xfec0 + (byte | 0x80) : undefined;
  return undefined; // ISO-8859-1 and -7 designated to G0: Python's decoder for them maps nothing
}

interface DoubleByteSet {
  /** TextDecoder's label, and the bytes it reads for a cell (row and column, 0x21-0x7E). */
  label: string;
  encode: (row: number, column: number) => number[];
  /** Cells TextDecoder maps but Python does not: `row:from-to,from-to ...` (hex). */
  undefinedCells: string;
  /** Cells Python maps otherwise: `rowcol=codepoint` (hex). */
  overrides: string;
}

const DOUBLE_BYTE_SETS: Record<number, DoubleByteSet> = {
  [JISX0208]: {
    label: "euc-jp",
    encode: (row, column) => [row | 0x80, column | 0x80],
    // NEC row 13 and the IBM extension rows 89-92, which Python's JIS X 0208 does not have.
    undefinedCells: "2d:21-7e 79:21-7e 7a:21-7e 7b:21-7e 7c:21-7e",
    overrides: "2140=ff3c 2141=301c 2142=2016 215d=2212 2171=a2 2172=a3 224c=ac",
  },
  [JISX0212]: {
    label: "euc-jp",
    encode: (row, column) => [0x8f, row | 0x80, column | 0x80],
    undefinedCells: "73:21-7e",
    overrides: "2237=7e",
  },
  [GB2312]: {
    label: "gbk",
    encode: (row, column) => [row | 0x80, column | 0x80],
    // GBK's additions inside the GB 2312 rows, and the rows GB 2312 leaves empty.
    undefinedCells:
      "22:21-30,63-64,6f-70,7d-7e 24:74-7e 25:77-7e 26:39-40,59-7e 27:42-50,72-7e 28:3b-44,6a-7e 29:21-23,70-7e 2a:21-7e 2b:21-7e 2c:21-7e 2d:21-7e 2e:21-7e 2f:21-7e 57:7a-7e 78:21-7e 79:21-7e 7a:21-7e 7b:21-7e 7c:21-7e 7d:21-7e 7e:21-7e",
    overrides: "2124=30fb 212a=2015",
  },
  [KSX1001]: {
    label: "euc-kr",
    encode: (row, column) => [row | 0x80, column | 0x80],
    undefinedCells: "49:21-7e 7e:21-7e",
    overrides: "2266=20ac 2267=ae",
  },
};

// Per set, the code point of each of the 94 x 94 cells once looked up: -2 not yet, -1 none.
const cells = new Map<number, Int32Array>();
const decoders = new Map<string, TextDecoder | null>();

/**
 * A double-byte set's character for a cell, as Python's table has it: `undefined` where Python
 * has none (also for bytes outside 0x21-0x7E), `null` when TextDecoder lacks the set.
 */
function doubleByte(designated: number, row: number, column: number): number | undefined | null {
  // JIS X 0208's 1978 edition (ESC $ @) is read with the same table, as in Python.
  const set = designated === JISX0208_O ? JISX0208 : designated;
  const spec = DOUBLE_BYTE_SETS[set];
  if (spec === undefined) return undefined;
  if (row < 0x21 || row > 0x7e || column < 0x21 || column > 0x7e) return undefined;
  let table = cells.get(set);
  if (table === undefined) {
    table = new Int32Array(94 * 94).fill(-2);
    for (const cell of spec.overrides.split(" ")) {
      const [at = "", code = ""] = cell.split("=");
      const r = Number.parseInt(at.slice(0, 2), 16);
      const c = Number.parseInt(at.slice(2), 16);
      table[(r - 0x21) * 94 + (c - 0x21)] = Number.parseInt(code, 16);
    }
    for (const entry of spec.undefinedCells.split(" ")) {
      const [r = "", ranges = ""] = entry.split(":");
      for (const range of ranges.split(",")) {
        const [from = "", to = from] = range.split("-");
        for (let c = Number.parseInt(from, 16); c <= Number.parseInt(to, 16); c++) {
          table[(Number.parseInt(r, 16) - 0x21) * 94 + (c - 0x21)] = -1;
        }
      }
    }
    cells.set(set, table);
  }
  const at = (row - 0x21) * 94 + (column - 0x21);
  const known = table[at] ?? -1;
  if (known !== -2) return known < 0 ? undefined : known;
  let decoder = decoders.get(spec.label);
  if (decoder === undefined) {
    try {
      decoder = new TextDecoder(spec.label, { fatal: true });
    } catch {
      decoder = null;
    }
    decoders.set(spec.label, decoder);
  }
  if (decoder === null) return null;
  let code = -1;
  try {
    const text = decoder.decode(Uint8Array.from(spec.encode(row, column)));
    const point = text.codePointAt(0) ?? -1;
    // One character, as a cell is (a decoder that reads a bad lead byte as a C1 control and the
    // next as ASCII gives two).
    if (point >= 0 && String.fromCodePoint(point) === text) code = point;
  } catch {
    code = -1;
  }
  table[at] = code;
  return code < 0 ? undefined : code;
}
