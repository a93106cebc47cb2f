// Where each attachment's body lies in a raw message, found without decoding anything, so that a
// receiver writing attachments to files can parse the message without them (postal-mime holds
// about five times a message's size while it parses it) and stream each body from the raw.
//
// The scan reads the bytes that `parseMime` hands postal-mime (the message after `asPythonLines`,
// which has already put its header blocks and boundary lines where Python's `email` finds them)
// with postal-mime's own rules, so that a span is exactly the lines postal-mime would decode as
// that part: lines end at LF, trailing CRs dropped; a line is a boundary when it is `--` and the
// boundary of any multipart still open (innermost first), optionally `--`, then only spaces and
// tabs; a part's header block ends at its first empty line; the first `Content-Type`,
// `Content-Disposition` and `Content-Transfer-Encoding` of a block count. Anything the scan does
// not read the way postal-mime surely does (a comment or an escape in a `Content-Type`, RFC 2231
// parameters, a multipart without a boundary, nesting deeper than postal-mime allows) makes it
// give up: the message is then parsed whole, as before.
import { concatBytes } from "@assmbl/core";

import { boundaryLine } from "./python-header-block.js";
import { type BodyEncoding, bodyEncoding } from "./span-decoder.js";
import { parseContentType, readFields, trimWsp, Unsure } from "./span-fields.js";

/**
 * One leaf part with `Content-Disposition: attachment`: its body is bytes `[start, end)` of the
 * scanned message (whole lines, the last one's LF included).
 *
 * @example
 * const [first] = scanAttachmentSpans(bytes) ?? [];
 * spanStream(bytes, first.start, first.end, first.encoding);
 */
export interface AttachmentSpan {
  start: number;
  end: number;
  /** The `Content-Transfer-Encoding` token, lower-case (`""` when absent). */
  transferEncoding: string;
  /** How postal-mime decodes it. */
  encoding: BodyEncoding;
}

const LF = 0x0a;
const CR = 0x0d;
const DASH = 0x2d;
// postal-mime's maxNestingDepth: it refuses a message nested deeper.
const MAX_DEPTH = 256;
// postal-mime refuses a message whose header lines together pass 2 MiB (its MAX_HEADERS_SIZE):
// past that the scan gives up too, so a header bomb costs the scan no more than that.
const MAX_HEADER_BYTES = 2 * 1024 * 1024;
// A message of more parts than this is parsed whole, as before: the scan's bookkeeping per part
// stays small, and messages of an agent do not have thousands of parts.
const MAX_PARTS = 10_000;
// Types postal-mime rewrites (to text with one final newline) rather than hands on as decoded.
const REWRITTEN_TYPES = new Set(["text/calendar", "application/ics"]);

interface Node {
  parent: Node | undefined;
  depth: number;
  state: "header" | "body" | "finished";
  headers: [at: number, end: number][];
  children: Node[];
  /** How many of `children` are finished: a new part finishes only the ones after these. */
  finishedChildren: number;
  /** Set once the header block ended with its empty line: where the body starts, and ends so far. */
  body?: { start: number; end: number };
  /** The part is one to strip: a leaf with `Content-Disposition: attachment`. */
  span?: Omit<AttachmentSpan, "start" | "end">;
}

/**
 * Every leaf part of `bytes` (a message as `asPythonLines` returns it) whose first
 * `Content-Disposition` is `attachment` and whose body postal-mime hands on as decoded (not
 * `text/calendar` / `application/ics`, nor a part whose disposition or transfer encoding holds a
 * comment), in MIME order; `undefined` when the scan is not sure how postal-mime reads the
 * message (then nothing may be stripped).
 *
 * @example
 * const spans = scanAttachmentSpans(asPythonLines(raw)); // [{ start: 412, end: 22_369_845, transferEncoding: "base64", encoding: "base64" }]
 */
export function scanAttachmentSpans(bytes: Uint8Array): AttachmentSpan[] | undefined {
  try {
    return scan(bytes);
  } catch (error) {
    if (error instanceof Unsure) return undefined;
    throw error;
  }
}

function scan(bytes: Uint8Array): AttachmentSpan[] {
  const root: Node = {
    parent: undefined,
    depth: 0,
    state: "header",
    headers: [],
    children: [],
    finishedChildren: 0,
  };
  let headerBytes = 0;
  const boundaries: { value: Uint8Array; node: Node }[] = [];
  const leaves: Node[] = [root];
  let current = root;

  const processHeaders = (node: Node) => {
    const fields = readFields(bytes, node.headers);
    const type = parseContentType(fields.get("content-type"));
    if (type.multipart) {
      boundaries.push({ value: type.boundary, node });
      return;
    }
    if (type.mediaType === undefined || REWRITTEN_TYPES.has(type.mediaType)) return;
    const disposition = fields.get("content-disposition");
    const encoding = fields.get("content-transfer-encoding") ?? "";
    // The disposition's value: what comes before its first `;`, when nothing there (a quote, a
    // comment, an escape) could make postal-mime read it otherwise.
    const value = /^[^;"(\\]*/.exec(disposition ?? "")?.[0] ?? "";
    const after = disposition?.[value.length];
    if (disposition === undefined || (after !== undefined && after !== ";")) return;
    if (trimWsp(value).toLowerCase() !== "attachment" || encoding.includes("(")) return;
    const token = encoding.toLowerCase().match(/[\w-]+/)?.[0] ?? "";
    node.span = { transferEncoding: token, encoding: bodyEncoding(token) };
  };
  const finalize = (node: Node) => {
    if (node.state === "finished") return;
    if (node.state === "header") processHeaders(node);
    for (let i = boundaries.length - 1; i >= 0; i--) {
      if (boundaries[i]?.node === node) {
        boundaries.splice(i, 1);
        break;
      }
    }
    finalizeChildren(node);
    node.state = "finished";
  };
  // A cursor, not a walk over every child: a message of n parts costs n, not n².
  const finalizeChildren = (node: Node) => {
    for (; node.finishedChildren < node.children.length; node.finishedChildren++) {
      finalize(node.children[node.finishedChildren] as Node);
    }
  };

  let pos = 0;
  lines: while (pos < bytes.length) {
    const lf = bytes.indexOf(LF, pos);
    const next = lf < 0 ? bytes.length : lf + 1;
    let end = lf < 0 ? bytes.length : lf;
    while (end > pos && bytes[end - 1] === CR) end--;
    if (boundaries.length > 0 && end - pos > 2 && bytes[pos] === DASH && bytes[pos + 1] === DASH) {
      for (let i = boundaries.length - 1; i >= 0; i--) {
        const boundary = boundaries[i] as { value: Uint8Array; node: Node };
        // postal-mime's processLine tests a boundary line byte for byte as Python's boundaryre
        // does: `--boundary`, optionally `--`, then only spaces and tabs.
        const kind = boundaryLine(bytes, pos, end, boundary.value);
        if (kind === undefined) continue;
        if (kind === "close") {
          finalize(boundary.node);
          current = boundary.node.parent ?? root;
        } else {
          finalizeChildren(boundary.node);
          if (boundary.node.depth + 1 > MAX_DEPTH || leaves.length >= MAX_PARTS) {
            throw new Unsure();
          }
          current = {
            parent: boundary.node,
            depth: boundary.node.depth + 1,
            state: "header",
            headers: [],
            children: [],
            finishedChildren: 0,
          };
          boundary.node.children.push(current);
          leaves.push(current);
        }
        pos = next;
        continue lines;
      }
    }
    if (current.state === "header") {
      if (end === pos) {
        current.state = "body";
        current.body = { start: next, end: next };
        processHeaders(current);
      } else {
        headerBytes += next - pos;
        if (headerBytes > MAX_HEADER_BYTES) throw new Unsure();
        current.headers.push([pos, end]);
      }
    } else if (current.state === "body" && current.body) {
      current.body.end = next;
    }
    pos = next;
  }
  finalize(root);
  const spans: AttachmentSpan[] = [];
  for (const node of leaves) {
    if (node.span && node.body) spans.push({ ...node.body, ...node.span });
  }
  return spans;
}

/**
 * `bytes` with the body of each span replaced by one line, `markers[i]` and CR LF: a tag that
 * lets the caller find which attachment postal-mime made of which span. Headers, boundaries and
 * every other byte are kept.
 *
 * @example
 * const stripped = stripSpans(bytes, spans, spans.map((_, i) => `X${nonce}${i}`));
 */
export function stripSpans(
  bytes: Uint8Array,
  spans: readonly AttachmentSpan[],
  markers: readonly string[],
): Uint8Array {
  const pieces: Uint8Array[] = [];
  let at = 0;
  spans.forEach((span, i) => {
    pieces.push(bytes.subarray(at, span.start), new TextEncoder().encode(`${markers[i]}\r\n`));
    at = span.end;
  });
  pieces.push(bytes.subarray(at));
  // At most 2 × 10,000 + 1 pieces (the scan gives up past 10,000 parts): fine as arguments.
  return concatBytes(...pieces);
}
