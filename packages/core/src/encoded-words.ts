// Over 300 lines on purpose: one single-pass RFC 2047 decoder (Python's reading).
import { appendDecoded, ByteSink } from "./encoded-word-charsets.js";

// An unstructured header value read the way Python's `email` reads it with `policy.default`
// (Python 3.11, `_header_value_parser.get_unstructured`): the Python SDK reads
// `X-AgentMail-Attachments` as `json.loads(str(msg[name]))`, and its writer folds any long value
// into RFC 2047 encoded words, `b` and `q` mixed, split anywhere (even inside a `\uXXXX` escape
// of the JSON). Reading it back the same way is the only way to read what it wrote.
//
// Every step is a single forward pass over precomputed "next occurrence" tables, so a hostile
// value of n characters costs O(n) time and memory (Python's own parser can be quadratic on such
// values: it searches the rest of the value again at every `=?` that is never closed).

const QUESTION = 0x3f; // ?
const EQUALS = 0x3d; // =

const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * Decodes a header value exactly as Python's `str(msg[name])` gives it for an unstructured
 * header under `email.policy.default`:
 *
 * - CR and LF are removed wherever they are (unfolding keeps the white space after them);
 *   leading spaces and tabs are dropped.
 * - RFC 2047 encoded words (`=?charset?b|q?text?=`, any case, `charset*lang` allowed) are decoded
 *   where Python finds them: at the start of a white-space-delimited word, and inside a word
 *   whose rest holds one (`abc=?utf-8?q?x?=def`).
 * - White space between two encoded words is dropped; all other white space is kept.
 * - A malformed word (bad syntax, unknown transfer encoding, a NUL in the charset) stays as
 *   text; base64 is decoded as leniently as Python's `binascii` does, and undecodable base64
 *   is kept as its text.
 * - Charsets: the utf-8, us-ascii and iso-8859-1 families (every alias Python accepts), the
 *   single-byte ISO-8859, windows-125x, KOI8 and Mac charsets, UTF-8 with a BOM, UTF-16 and
 *   UTF-32 (`-le`, `-be`, and plain, which reads a byte order mark and is otherwise
 *   little-endian), ISO-2022-JP (`-1`, `-2`, `-ext`) and ISO-2022-KR, and the CJK charsets
 *   TextDecoder knows. An unknown charset keeps its bytes, and so do the Python codecs not
 *   decoded here: EBCDIC, the DOS code pages, most Mac charsets, JIS X 0213, Johab, HZ, cp950,
 *   UTF-7 and the escape codecs (the bytes read as UTF-8: never more text than they hold).
 * - Cost: linear in the value's length; a 2 MiB value (postal-mime's cap on a message's
 *   headers) decodes in well under a second and about 45 MiB, whatever its shape.
 * - Finally the whole value is read as UTF-8 with U+FFFD for invalid bytes, which is what
 *   Python's last step does whenever any byte was left undecoded: so a character split across
 *   two UTF-8 encoded words comes out whole, as in Python.
 *
 * The input is the header's value (after `Name:`) as text; raw non-ASCII characters in it stand
 * for their UTF-8 bytes, as Python sees them.
 *
 * @example
 * decodeHeaderWords('[{"filename":"report 0 =?utf-8?q?r=5Cu00e?=\r\n =?utf-8?b?OS5wZGYi?=}]');
 * // '[{"filename":"report 0 r\\u00e9.pdf"}]'
 */
export function decodeHeaderWords(value: string): string {
  const v = value.replace(/^[ \t]+/, "").replace(/[\r\n]/g, "");
  const n = v.length;
  const next = nextTables(v);
  const sink = new ByteSink();
  // Types of the last two tokens (Python's unstructured token list) and where the last began.
  let last: Token | undefined;
  let beforeLast: Token | undefined;
  let lastStart = 0;
  const append = (token: Token, write: () => void) => {
    beforeLast = last;
    last = token;
    lastStart = sink.length;
    write();
  };

  let runEnd = -1; // the white-space-free run the rfc2047 search cursor belongs to
  let cursor = 0;
  // Python: `rfc2047_matcher.search(tok)`, i.e. whether v[a, b) holds `=?[^?]*?[qQbB]?` and, at or
  // after its end, `?=`. Starts are tried in order and never again for the same run.
  const holdsEncodedWord = (a: number, b: number): boolean => {
    if (b !== runEnd) {
      runEnd = b;
      cursor = a;
    }
    if (cursor < a) cursor = a;
    for (let s = next.equalsQuestion[cursor] ?? n; s < b - 1; s = next.equalsQuestion[s + 1] ?? n) {
      cursor = s;
      const q = next.question[s + 2] ?? n;
      if (q + 2 < b && /[qQbB]/.test(v[q + 1] ?? "") && v.charCodeAt(q + 2) === QUESTION) {
        if ((next.questionEquals[q + 3] ?? n) <= b - 2) return true;
      }
    }
    cursor = b;
    return false;
  };

  let p = 0;
  while (p < n) {
    if (isWsp(v.charCodeAt(p))) {
      // Python's get_fws takes `value.lstrip()`: every white space character, not only WSP.
      let end = p;
      while (end < n && isPythonSpace(v.charCodeAt(end))) end++;
      const from = p;
      append("fws", () => sink.pushText(v.slice(from, end)));
      p = end;
      continue;
    }
    let validWord = true;
    if (v.startsWith("=?", p)) {
      const word = encodedWord(v, p, next);
      if (word === "invalid") validWord = false;
      else if (word !== "unterminated") {
        const haveWs = last === undefined || last === "fws";
        // Only white space between two encoded words is dropped (EWWhiteSpaceTerminal).
        if (haveWs && last !== undefined && beforeLast === "ew") sink.length = lastStart;
        append("ew", () => sink.pushAll(word.bytes));
        p = word.end;
        continue;
      }
    }
    const b = next.wsp[p] ?? n;
    let end = b;
    // A word that holds an encoded word later on is cut before its first `=?` (Python's
    // `value.partition('=?')`), so the encoded word is tried on the next turn.
    if (validWord && holdsEncodedWord(p, b)) end = next.equalsQuestion[p] ?? b;
    const from = p;
    append("vtext", () => sink.pushText(v.slice(from, end)));
    p = end;
  }
  return utf8.decode(sink.bytes());
}

type Token = "fws" | "ew" | "vtext";

interface NextTables {
  /** Index of the next `=?` at or after i. */
  equalsQuestion: Int32Array;
  /** Index of the next `?=` at or after i. */
  questionEquals: Int32Array;
  /** Index of the next `?` at or after i. */
  question: Int32Array;
  /** Index of the next space or tab at or after i. */
  wsp: Int32Array;
}

function nextTables(v: string): NextTables {
  const n = v.length;
  const tables = {
    equalsQuestion: new Int32Array(n + 2).fill(n),
    questionEquals: new Int32Array(n + 2).fill(n),
    question: new Int32Array(n + 2).fill(n),
    wsp: new Int32Array(n + 2).fill(n),
  };
  for (let i = n - 1; i >= 0; i--) {
    const c = v.charCodeAt(i);
    const d = i + 1 < n ? v.charCodeAt(i + 1) : -1;
    tables.equalsQuestion[i] =
      c === EQUALS && d === QUESTION ? i : (tables.equalsQuestion[i + 1] ?? n);
    tables.questionEquals[i] =
      c === QUESTION && d === EQUALS ? i : (tables.questionEquals[i + 1] ?? n);
    tables.question[i] = c === QUESTION ? i : (tables.question[i + 1] ?? n);
    tables.wsp[i] = isWsp(c) ? i : (tables.wsp[i + 1] ?? n);
  }
  return tables;
}

/** A decoded encoded word: its bytes (see `appendDecoded`) and where the value goes on. */
type EncodedWord = { bytes: Uint8Array; end: number };

/**
 * Python's `get_encoded_word` at v[p] (which starts with `=?`): the decoded word and where the
 * value goes on, `unterminated` when no `?=` follows (HeaderParseError), `invalid` when Python
 * raises `_InvalidEwError` (then the text stays as it is).
 */
function encodedWord(
  v: string,
  p: number,
  next: NextTables,
): EncodedWord | "invalid" | "unterminated" {
  const n = v.length;
  const close = next.questionEquals[p + 2] ?? n;
  if (close >= n) return "unterminated";
  let tokenEnd = close;
  let end = close + 2;
  // `=?cs?q?=41?=`: the first `?=` was the word's `?` followed by a `=XX` escape; Python then
  // extends the word to the next `?=` (or to the end of the value).
  const firstQ = next.question[p + 2] ?? n;
  const fewerThanTwo = firstQ >= close || (next.question[firstQ + 1] ?? n) >= close;
  if (n - end > 1 && isHex(v.charCodeAt(end)) && isHex(v.charCodeAt(end + 1)) && fewerThanTwo) {
    const again = next.questionEquals[end] ?? n;
    tokenEnd = again;
    end = again >= n ? n : again + 2;
  }
  // `_ew.decode` splits `=?` + token + `?=` on `?`: exactly five parts, so two `?` in the token.
  const q1 = next.question[p + 2] ?? n;
  const q2 = q1 < tokenEnd ? (next.question[q1 + 1] ?? n) : n;
  const q3 = q2 < tokenEnd ? (next.question[q2 + 1] ?? n) : n;
  if (q1 >= tokenEnd || q2 >= tokenEnd || q3 < tokenEnd) return "invalid";
  const charset = v.slice(p + 2, q1).split("*")[0] ?? "";
  const cte = v.slice(q1 + 1, q2);
  // bytes.decode raises ValueError for a NUL in the codec name: an invalid word, not an unknown charset.
  if (charset.includes("\u0000")) return "invalid";
  const text = new ByteSink();
  text.pushText(v.slice(q2 + 1, tokenEnd));
  let raw: Uint8Array;
  if (cte === "q" || cte === "Q") raw = decodeQ(text.bytes());
  else if (cte === "b" || cte === "B") raw = decodeB(text.bytes());
  else return "invalid";
  const decoded = new ByteSink();
  return appendDecoded(charset, raw, decoded) ? { bytes: decoded.bytes(), end } : "invalid";
}

/** `_ew.decode_q`: `_` is a space, `=XX` (hex, any case) a byte, anything else itself. */
function decodeQ(bytes: Uint8Array): Uint8Array {
  const out = new ByteSink();
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] ?? 0;
    if (
      byte === EQUALS &&
      i + 2 < bytes.length &&
      isHex(bytes[i + 1] ?? 0) &&
      isHex(bytes[i + 2] ?? 0)
    ) {
      out.push(Number.parseInt(String.fromCharCode(bytes[i + 1] ?? 0, bytes[i + 2] ?? 0), 16));
      i += 2;
    } else out.push(byte === 0x5f ? 0x20 : byte);
  }
  return out.bytes();
}

/**
 * `_ew.decode_b`: Python tries strict base64 with the padding completed, then lenient
 * `binascii.a2b_base64` as it is, then with `==` appended, then gives up and keeps the text. The
 * strict attempt only succeeds where the lenient one gives the same bytes, so: lenient, lenient
 * with `==`, else the text itself.
 */
function decodeB(bytes: Uint8Array): Uint8Array {
  return lenientBase64(bytes, 0) ?? lenientBase64(bytes, 2) ?? bytes;
}

/**
 * `binascii.a2b_base64(data, strict_mode=False)` (Python 3.11) on `bytes` followed by `pads`
 * `=`: characters outside the alphabet are skipped, `=` ends the data once it completes a
 * quantum (earlier ones are skipped), and leftover bits are an error (`undefined`).
 */
function lenientBase64(bytes: Uint8Array, pads: number): Uint8Array | undefined {
  const out = new ByteSink();
  let quad = 0;
  let left = 0;
  let padCount = 0;
  for (let i = 0; i < bytes.length + pads; i++) {
    const char = i < bytes.length ? (bytes[i] ?? 0) : EQUALS;
    if (char === EQUALS) {
      if (quad >= 2) {
        padCount++;
        if (quad + padCount >= 4) return out.bytes();
      }
      continue;
    }
    const sextet = base64Value(char);
    if (sextet < 0) continue;
    padCount = 0;
    if (quad === 0) {
      left = sextet;
      quad = 1;
    } else if (quad === 1) {
      out.push(((left << 2) | (sextet >> 4)) & 0xff);
      left = sextet & 0x0f;
      quad = 2;
    } else if (quad === 2) {
      out.push(((left << 4) | (sextet >> 2)) & 0xff);
      left = sextet & 0x03;
      quad = 3;
    } else {
      out.push(((left << 6) | sextet) & 0xff);
      quad = 0;
    }
  }
  return quad === 0 ? out.bytes() : undefined;
}

function base64Value(char: number): number {
  if (char >= 0x41 && char <= 0x5a) return char - 0x41;
  if (char >= 0x61 && char <= 0x7a) return char - 0x61 + 26;
  if (char >= 0x30 && char <= 0x39) return char - 0x30 + 52;
  if (char === 0x2b) return 62;
  if (char === 0x2f) return 63;
  return -1;
}

function isHex(char: number): boolean {
  return (
    (char >= 0x30 && char <= 0x39) ||
    (char >= 0x41 && char <= 0x46) ||
    (char >= 0x61 && char <= 0x66)
  );
}

/** RFC 5322 WSP, Python's `WSP = set(' \t')`. */
function isWsp(char: number): boolean {
  return char === 0x20 || char === 0x09;
}

/**
 * Python's `str.isspace` on the characters a header value can hold as text: ASCII only (raw
 * non-ASCII bytes are surrogate escapes to Python, never white space).
 */
function isPythonSpace(char: number): boolean {
  return char === 0x20 || (char >= 0x09 && char <= 0x0d) || (char >= 0x1c && char <= 0x1f);
}
