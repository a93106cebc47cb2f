/**
 * Finds where a text echoes one of a list of secrets, in the forms a server, a proxy or a log
 * line can give it back: as given or in another letter case, base64 and base64url (at any
 * alignment inside a longer run, wrapped at any width), hex (with or without separators),
 * percent-encoded (every byte, the bytes `encodeURI` or `encodeURIComponent` escape, or twice),
 * JSON-escaped (`\/`, `\u0061`), quoted-printable (`=61`), as HTML entities (`&#97;`), as hex of
 * UTF-16, in fullwidth letters, folded across lines, and, for a secret of 32 characters or more, any 24 characters of it in a row
 * (an echo cut short).
 *
 * No secret is ever compiled into a RegExp (a long one makes V8 throw, with the pattern, i.e. the
 * secret, in the message): every form is searched with `indexOf` or a set of fixed-width
 * windows, so the cost is linear in the text for a given list of secrets.
 *
 * The text is searched in several views: itself, decoded once and twice (escapes undone, line
 * folds removed), and each of those with every character that is not an ASCII letter or digit
 * dropped. Every character of a view remembers the span of the original text it came from, so a
 * match in any view is redacted as the span of the original it covers.
 */

import { alnum, decode, fold, identity, keepAlnum, type View } from "./redact-views.js";

/** `[start, end)` spans of the original text, in any order, possibly overlapping. */
export type Spans = Array<readonly [number, number]>;

/** The secrets of one `redact` call, prepared once for any number of texts. */
export interface EchoMatcher {
  /** Where `text` echoes one of the secrets. */
  spans(text: string): Spans;
}

// Secrets under 4 characters would redact ordinary words (and are no secret anyway).
const MIN_SECRET = 4;
// Shortest base64 run redacted on its own: shorter ones would hit ordinary text.
const MIN_ENCODED_RUN = 6;
// Shortest form matched in a view without separators: there, short ones would hit ordinary text.
const MIN_ALNUM = 8;
// A secret this long is also found from any WINDOW characters of it in a row.
const WINDOW_SECRET = 32;
const WINDOW = 24;

interface Forms {
  folded: Set<string>; // searched in the ASCII-lower-cased view
  exact: Set<string>; // base64 runs, searched in the view with base64url mapped to base64
  alnumFolded: Set<string>;
  alnumExact: Set<string>;
  windowsFolded: WindowIndex;
  windowsExact: WindowIndex;
}

/**
 * Prepares `secrets` (strings under 4 characters, and anything not a string, are ignored).
 *
 * @example
 * const matcher = compileEchoes([token]);
 * matcher.spans(`echo ${Buffer.from(token).toString("hex")}`); // [[5, 5 + 2 * token.length]]
 */
export function compileEchoes(secrets: readonly unknown[]): EchoMatcher {
  const forms: Forms = {
    windowsFolded: new WindowIndex(),
    windowsExact: new WindowIndex(),
    folded: new Set(),
    exact: new Set(),
    alnumFolded: new Set(),
    alnumExact: new Set(),
  };
  for (const secret of secrets) {
    if (typeof secret === "string" && secret.length >= MIN_SECRET) addForms(forms, secret);
  }
  const none = Object.values(forms).every((set: { size: number }) => set.size === 0);
  return { spans: (text) => (none ? [] : findEchoes(text, forms)) };
}

const utf8 = new TextEncoder();

function addForms(forms: Forms, secret: string): void {
  const bytes = utf8.encode(secret);
  // The secret's UTF-8 bytes one character each: what percent-decoding a non-ASCII secret gives.
  let binary = "";
  let hex = "";
  for (const byte of bytes) {
    binary += String.fromCharCode(byte);
    hex += byte.toString(16).padStart(2, "0");
  }
  let utf16 = "";
  for (let i = 0; i < secret.length; i++) {
    utf16 += secret.charCodeAt(i).toString(16).padStart(4, "0");
  }
  const plain = [fold(secret), fold(binary), hex];
  const runs = base64Runs(bytes);
  for (const form of [...plain, utf16]) if (form.length >= MIN_SECRET) forms.folded.add(form);
  for (const form of runs) if (form.length >= MIN_ENCODED_RUN) forms.exact.add(form);
  for (const form of plain) addIfLong(forms.alnumFolded, alnum(form));
  for (const form of runs) addIfLong(forms.alnumExact, alnum(form));
  if (secret.length < WINDOW_SECRET) return;
  for (const form of plain) forms.windowsFolded.add(form);
  for (const form of runs) forms.windowsExact.add(form);
}

function addIfLong(set: Set<string>, form: string): void {
  if (form.length >= MIN_ALNUM) set.add(form);
}

/**
 * Every WINDOW-character run of some strings, found in a text in one pass: a rolling hash of each
 * run of the text is looked up, and a hit is compared character by character (two runs of the
 * secret with the same hash keep the first: the runs around it still match).
 */
class WindowIndex {
  readonly #forms: string[] = [];
  // hash -> form index * 2^26 + offset in the form
  readonly #at = new Map<number, number>();
  get size(): number {
    return this.#at.size;
  }
  add(form: string): void {
    if (form.length < WINDOW || form.length >= 2 ** 26) return;
    const index = this.#forms.push(form) - 1;
    rollingHashes(form, (hash, offset) => {
      if (!this.#at.has(hash)) this.#at.set(hash, index * 2 ** 26 + offset);
    });
  }
  /** Calls `found(i)` for each `i` where `text.slice(i, i + WINDOW)` is a run of a form. */
  search(text: string, found: (i: number) => void): void {
    if (this.#at.size === 0) return;
    rollingHashes(text, (hash, i) => {
      const at = this.#at.get(hash);
      if (at === undefined) return;
      const form = this.#forms[Math.floor(at / 2 ** 26)] as string;
      const offset = at % 2 ** 26;
      for (let k = 0; k < WINDOW; k++) {
        if (text.charCodeAt(i + k) !== form.charCodeAt(offset + k)) return;
      }
      found(i);
    });
  }
}

const BASE = 0x01000193;
// BASE ** (WINDOW - 1), modulo 2^32.
const TOP = (() => {
  let power = 1;
  for (let k = 1; k < WINDOW; k++) power = Math.imul(power, BASE);
  return power;
})();

function rollingHashes(text: string, each: (hash: number, offset: number) => void): void {
  let hash = 0;
  for (let i = 0; i < text.length; i++) {
    if (i >= WINDOW) hash = (hash - Math.imul(text.charCodeAt(i - WINDOW), TOP)) | 0;
    hash = (Math.imul(hash, BASE) + text.charCodeAt(i)) | 0;
    if (i >= WINDOW - 1) each(hash, i - WINDOW + 1);
  }
}

// The base64 of the secret's bytes at each of the three offsets a longer encoded run can put them
// at: only the characters that depend on the secret alone (bit 8*offset to 8*(offset+length)).
function base64Runs(bytes: Uint8Array): string[] {
  const runs: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const padded = new Uint8Array(offset + bytes.length);
    padded.set(bytes, offset);
    runs.push(
      base64(padded).slice(Math.ceil((8 * offset) / 6), Math.floor((8 * padded.length) / 6)),
    );
  }
  return runs;
}

// Base64 without Buffer or btoa's Latin-1 detour (core runs on every runtime).
function base64(bytes: Uint8Array): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let c = 0; c < chars; c++) out += alphabet[(n >> (18 - 6 * c)) & 63];
  }
  return out;
}

function findEchoes(text: string, forms: Forms): Spans {
  const spans: Spans = [];
  const plain: View[] = [identity(text)];
  for (let round = 0; round < 2; round++) {
    const decoded = decode(plain[plain.length - 1] as View);
    if (decoded.text === (plain[plain.length - 1] as View).text) break;
    plain.push(decoded);
  }
  const seen = new Set<string>();
  for (const view of plain) {
    const folded = fold(view.text);
    const b64 = view.text.replace(/-/g, "+").replace(/_/g, "/");
    search(view, folded, forms.folded, spans);
    search(view, b64, forms.exact, spans);
    searchWindows(view, folded, forms.windowsFolded, spans);
    searchWindows(view, b64, forms.windowsExact, spans);
    const stripped = keepAlnum(view);
    if (seen.has(stripped.text)) continue;
    seen.add(stripped.text);
    search(stripped, fold(stripped.text), forms.alnumFolded, spans);
    search(stripped, stripped.text, forms.alnumExact, spans);
  }
  return spans;
}

// Every occurrence that does not overlap the one before it (overlapping ones would make a
// periodic secret cost |text| * |secret|).
function search(view: View, haystack: string, needles: Set<string>, spans: Spans): void {
  for (const needle of needles) {
    for (
      let i = haystack.indexOf(needle);
      i >= 0;
      i = haystack.indexOf(needle, i + needle.length)
    ) {
      spans.push([view.starts[i] as number, view.ends[i + needle.length - 1] as number]);
    }
  }
}

function searchWindows(view: View, haystack: string, windows: WindowIndex, spans: Spans): void {
  windows.search(haystack, (i) => {
    spans.push([view.starts[i] as number, view.ends[i + WINDOW - 1] as number]);
  });
}
