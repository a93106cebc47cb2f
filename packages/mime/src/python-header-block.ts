// Lines and header blocks as Python's `email` parser (feedparser) reads them: the one reading
// that both `asPythonLines` (python-lines.ts, which the reader parses through) and `headerFields`
// (header-fields.ts, the dev server's view of a message's headers) are built on.

import { latin1 } from "./python-boundary.js";

const CR = 0x0d;
const LF = 0x0a;
const DASH = 0x2d;
const COLON = 0x3a;
const SPACE = 0x20;
const TAB = 0x09;

/** A line of the message: its content is [at, end), the next line starts at `next`. */
export interface LineSpan {
  at: number;
  end: number;
  next: number;
}

/**
 * Where the line at `at` ends, as Python ends it (CR LF, LF or a bare CR): its content ends at
 * `end`, the next line starts at `next`; `bareCr` when a bare CR ended it.
 *
 * @internal
 * @example
 * lineAt(new TextEncoder().encode("a\rb"), 0); // { end: 1, next: 2, bareCr: true }
 */
export function lineAt(
  bytes: Uint8Array,
  at: number,
): { end: number; next: number; bareCr: boolean } {
  let i = at;
  while (i < bytes.length && bytes[i] !== LF && bytes[i] !== CR) i++;
  if (i >= bytes.length) return { end: i, next: i, bareCr: false };
  if (bytes[i] === LF) return { end: i, next: i + 1, bareCr: false };
  if (bytes[i + 1] === LF) return { end: i, next: i + 2, bareCr: false };
  return { end: i, next: i + 1, bareCr: true };
}

/**
 * Python's `boundaryre`: `--boundary`, optionally `--`, then only spaces and tabs. postal-mime's
 * `processLine` tests a boundary line the same way, byte for byte, so the attachment-span scanner
 * (attachment-spans.ts) uses this too.
 *
 * @internal
 * @example
 * boundaryLine(bytes, line.at, line.end, boundary); // "part", "close" or undefined
 */
export function boundaryLine(
  bytes: Uint8Array,
  at: number,
  end: number,
  boundary: Uint8Array,
): "part" | "close" | undefined {
  if (end - at < boundary.length + 2 || bytes[at] !== DASH || bytes[at + 1] !== DASH) {
    return undefined;
  }
  for (let j = 0; j < boundary.length; j++) if (bytes[at + 2 + j] !== boundary[j]) return undefined;
  let i = at + 2 + boundary.length;
  let close = false;
  if (bytes[i] === DASH && bytes[i + 1] === DASH && i + 1 < end) {
    close = true;
    i += 2;
  }
  for (; i < end; i++) if (bytes[i] !== SPACE && bytes[i] !== TAB) return undefined;
  return close ? "close" : "part";
}

/**
 * Whether the line [at, end) is a boundary line of any of the `enclosing` multiparts.
 *
 * @internal
 * @example
 * if (enclosingBoundary(bytes, pos, end, enclosing)) return pos;
 */
export function enclosingBoundary(
  bytes: Uint8Array,
  at: number,
  end: number,
  enclosing: readonly Uint8Array[],
): boolean {
  return enclosing.some((boundary) => boundaryLine(bytes, at, end, boundary) !== undefined);
}

/** Python's `headerRE`: `From `, a (possibly empty) name of printable ASCII but `:` then `:`, or a fold. */
function isHeaderLine(bytes: Uint8Array, at: number, end: number): boolean {
  const first = bytes[at];
  if (first === SPACE || first === TAB) return true;
  if (startsWithFrom(bytes, at, end)) return true;
  for (let i = at; i < end; i++) {
    const byte = bytes[i] ?? 0;
    if (byte === COLON) return true;
    if (byte < 0x21 || byte > 0x7e) return false;
  }
  return false;
}

function startsWithFrom(bytes: Uint8Array, at: number, end: number): boolean {
  return end - at >= 5 && latin1(bytes.subarray(at, at + 5)) === "From ";
}

/**
 * One header block as feedparser reads it (`lines`: every line it collects; `kept`: the lines
 * `_parse_headers` keeps, fields and their folds; `pushedBack`: a last `From ` line it hands back
 * to the body).
 */
export interface HeaderBlock {
  lines: LineSpan[];
  kept: LineSpan[];
  pushedBack: LineSpan | undefined;
  /** The block ended at an empty line (else at a line that is no header, a boundary, or the end). */
  blank: boolean;
  /** A bare CR ended one of its lines (or its empty line). */
  bareCr: boolean;
  /** Where the body starts. */
  bodyAt: number;
}

/**
 * The header block of the entity at `at` (the message, or a part inside multiparts with the
 * `enclosing` boundaries), read as feedparser reads it: it ends at the first empty line, at a
 * line that is neither a field (`name:`, the name printable ASCII but `:`) nor a fold (that line
 * starts the body), at an enclosing boundary, or at the end. Of its lines, a fold before any
 * field, a line starting with `:` and a Unix `From ` line are not kept, nor a fold right after
 * one of those. With `seen`, the header bytes of the whole message are counted there and past
 * `maxHeaderBytes` it throws.
 *
 * @internal
 * @example
 * const { kept, bodyAt } = readHeaderBlock(bytes, 0, []);
 * @throws {Error} past `seen.maxHeaderBytes`.
 */
export function readHeaderBlock(
  bytes: Uint8Array,
  at: number,
  enclosing: readonly Uint8Array[],
  seen?: { headerBytes: number; maxHeaderBytes: number },
): HeaderBlock {
  const lines: LineSpan[] = [];
  let pos = at;
  let blank = false;
  let bareCr = false;
  while (pos < bytes.length) {
    const line = lineAt(bytes, pos);
    if (enclosingBoundary(bytes, pos, line.end, enclosing)) break;
    if (line.end === pos) {
      blank = true;
      bareCr ||= line.bareCr;
      pos = line.next;
      break;
    }
    if (!isHeaderLine(bytes, pos, line.end)) break;
    if (seen) {
      seen.headerBytes += line.next - pos;
      if (seen.headerBytes > seen.maxHeaderBytes) {
        throw new Error(`Maximum header size of ${seen.maxHeaderBytes} bytes exceeded`);
      }
    }
    lines.push({ at: pos, end: line.end, next: line.next });
    bareCr ||= line.bareCr;
    pos = line.next;
  }
  // Which lines Python keeps (feedparser's _parse_headers), and a last `From ` line that it
  // hands back to the body.
  const kept: LineSpan[] = [];
  let pushedBack: LineSpan | undefined;
  let inHeader = false;
  lines.forEach((line, index) => {
    const first = bytes[line.at];
    if (first === SPACE || first === TAB) {
      if (inHeader) kept.push(line);
      return;
    }
    inHeader = false;
    if (startsWithFrom(bytes, line.at, line.end)) {
      if (index === lines.length - 1 && index > 0) pushedBack = line;
      return;
    }
    if (first === COLON) return;
    inHeader = true;
    kept.push(line);
  });
  return { lines, kept, pushedBack, blank, bareCr, bodyAt: pos };
}
