// Python's `email` parser (feedparser) and postal-mime split a message into lines differently:
// Python ends a line at CR LF, LF or a bare CR, and its header block ends at the first line that
// is not a header (which starts the body); postal-mime ends lines at LF only, and reads any line
// of a header block as a header. A sender can use the difference to show the two SDKs different
// headers (`Subject: hi\rX-AgentMail-Encrypted: body` is one subject to postal-mime, a subject
// and a second header to Python). `asPythonLines` rewrites the header blocks and boundary lines
// of a message so that postal-mime sees the headers and parts Python sees; bodies are left byte
// for byte, and a well-formed message comes back unchanged.

import { multipartBoundary } from "./python-boundary.js";
import { boundaryLine, enclosingBoundary, lineAt, readHeaderBlock } from "./python-header-block.js";

const CR = 0x0d;
const LF = 0x0a;
const CRLF = Uint8Array.of(CR, LF);
const LF_ONLY = Uint8Array.of(LF);
// postal-mime's default maxNestingDepth: a message nested deeper is refused as invalid.
const MAX_DEPTH = 256;

/**
 * The message as Python's `email` parser reads its structure, in a form postal-mime reads the
 * same way:
 *
 * - lines end where Python ends them, at CR LF, LF or a bare CR (one not followed by LF);
 * - every header block (the message's, and each part's of a multipart, however nested) is
 *   written with CR LF line ends, so a bare CR in it ends a line as in Python; a line that is
 *   neither a header (`name:` with a name of printable ASCII but `:`) nor a fold ends the block
 *   and starts the body, as in Python, where postal-mime would have read it as a header; the
 *   lines Python ignores are dropped: a fold before any header, a line starting with `:`, a Unix
 *   `From ` line (a last one starts the body instead); a block cut short by a boundary is ended
 *   there;
 * - a boundary line that a bare CR ends, or follows, gets CR LF there, so postal-mime finds the
 *   boundaries Python finds; boundary lines right after a boundary line are dropped (Python reads
 *   one part there);
 * - bodies are not touched: a bare CR in a body stays a bare CR, as in Python.
 *
 * The parts of a `message/*` part are not looked into (postal-mime reads such a part's body as
 * a message of its own, Python too, but not always as the same bytes).
 *
 * @example
 * asPythonLines(new TextEncoder().encode("Subject: hi\rX-AgentMail-Encrypted: body\r\n\r\nx"));
 * // "Subject: hi\r\nX-AgentMail-Encrypted: body\r\n\r\nx" (as bytes)
 */
export function asPythonLines(bytes: Uint8Array): Uint8Array {
  const edits: Edit[] = [];
  entity(bytes, 0, [], edits, { headerBytes: 0, maxHeaderBytes: MAX_HEADER_BYTES });
  return applyEdits(bytes, edits);
}

// postal-mime refuses a message whose header lines together pass 2 MiB (its MAX_HEADERS_SIZE);
// refusing it here too keeps a header bomb from costing a line record per header line first.
const MAX_HEADER_BYTES = 2 * 1024 * 1024;

/** Replace bytes [from, to) with `text`. */
interface Edit {
  from: number;
  to: number;
  text: Uint8Array[];
}

function applyEdits(bytes: Uint8Array, edits: readonly Edit[]): Uint8Array {
  if (edits.length === 0) return bytes;
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (const edit of edits) {
    chunks.push(bytes.subarray(at, edit.from), ...edit.text);
    at = edit.to;
  }
  chunks.push(bytes.subarray(at));
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let o = 0;
  for (const chunk of chunks) {
    out.set(chunk, o);
    o += chunk.length;
  }
  return out;
}

/**
 * One entity (the message, or a part) at `at`, inside multiparts with the `enclosing`
 * boundaries: its header block is rewritten (an edit) where Python reads it differently, and a
 * multipart's parts are read in turn. Returns where the entity ends: at a line that is an
 * enclosing boundary, or at the end of the message.
 */
function entity(
  bytes: Uint8Array,
  at: number,
  enclosing: readonly Uint8Array[],
  edits: Edit[],
  seen: { headerBytes: number; maxHeaderBytes: number },
): number {
  // postal-mime refuses a message nested deeper than this anyway.
  if (enclosing.length > MAX_DEPTH) return skipBody(bytes, at, enclosing);
  // The header block, as feedparser collects it.
  const { lines, kept, pushedBack, blank, bareCr, bodyAt } = readHeaderBlock(
    bytes,
    at,
    enclosing,
    seen,
  );
  const wellFormed = blank && !bareCr && kept.length === lines.length;
  if (!wellFormed) {
    const text: Uint8Array[] = [];
    for (const line of kept) text.push(bytes.subarray(line.at, line.end), CRLF);
    text.push(CRLF);
    // A body line, as it came (line end included).
    if (pushedBack) text.push(bytes.subarray(pushedBack.at, pushedBack.next));
    edits.push({ from: at, to: bodyAt, text });
  }
  const boundary = multipartBoundary(bytes, kept);
  if (boundary === undefined) return skipBody(bytes, bodyAt, enclosing);
  return multipartBody(bytes, bodyAt, boundary, enclosing, edits, seen);
}

/** A leaf's body: every line up to an enclosing boundary. */
function skipBody(bytes: Uint8Array, at: number, enclosing: readonly Uint8Array[]): number {
  if (enclosing.length === 0) return bytes.length;
  let pos = at;
  while (pos < bytes.length) {
    const { end, next } = lineAt(bytes, pos);
    if (enclosingBoundary(bytes, pos, end, enclosing)) return pos;
    pos = next;
  }
  return pos;
}

/** A multipart's body as feedparser reads it: preamble, parts, epilogue. */
function multipartBody(
  bytes: Uint8Array,
  at: number,
  boundary: Uint8Array,
  enclosing: readonly Uint8Array[],
  edits: Edit[],
  seen: { headerBytes: number; maxHeaderBytes: number },
): number {
  const inner = [...enclosing, boundary];
  let pos = at;
  let closed = false;
  while (pos < bytes.length) {
    const { end, next, bareCr } = lineAt(bytes, pos);
    if (enclosingBoundary(bytes, pos, end, enclosing)) return pos;
    const kind = closed ? undefined : boundaryLine(bytes, pos, end, boundary);
    if (kind === undefined) {
      pos = next; // preamble or epilogue
      continue;
    }
    // postal-mime finds a boundary only on a line of its own between LFs.
    if (byteBefore(bytes, edits, pos) === CR) edits.push({ from: pos, to: pos, text: [LF_ONLY] });
    if (bareCr) edits.push({ from: next, to: next, text: [LF_ONLY] });
    if (kind === "close") {
      closed = true;
      pos = next;
      continue;
    }
    // Python reads the boundary lines that follow right after as part of this one.
    let partAt = next;
    while (partAt < bytes.length) {
      const line = lineAt(bytes, partAt);
      if (boundaryLine(bytes, partAt, line.end, boundary) === undefined) break;
      partAt = line.next;
    }
    if (partAt !== next) edits.push({ from: next, to: partAt, text: [] });
    pos = entity(bytes, partAt, inner, edits, seen);
  }
  return pos;
}

/** The byte the rewritten message has right before `pos` (edits so far applied). */
function byteBefore(bytes: Uint8Array, edits: readonly Edit[], pos: number): number | undefined {
  let at = pos;
  for (let k = edits.length - 1; k >= 0; k--) {
    const edit = edits[k];
    if (edit === undefined || edit.to !== at) break;
    const last = edit.text.at(-1);
    if (last !== undefined && last.length > 0) return last[last.length - 1];
    at = edit.from;
  }
  return bytes[at - 1];
}
