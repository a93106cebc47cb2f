// A part's header fields read the way postal-mime reads them, for `scanAttachmentSpans`
// (attachment-spans.ts): where postal-mime's reading is not certain, `Unsure` gives up the scan.

/**
 * The scan could not be sure how postal-mime reads the message.
 *
 * @internal
 * @example
 * if (/[()\\]/.test(value)) throw new Unsure();
 */
export class Unsure extends Error {}

/**
 * The first value of each header of a block, unfolded and trimmed as postal-mime does.
 *
 * @internal
 * @example
 * const fields = readFields(bytes, [[0, 30]]);
 */
export function readFields(
  bytes: Uint8Array,
  lines: readonly [number, number][],
): Map<string, string> {
  const folded: string[] = [];
  for (const [at, end] of lines) {
    const line = latin1(bytes.subarray(at, end));
    if (folded.length > 0 && (line.startsWith(" ") || line.startsWith("\t"))) {
      folded[folded.length - 1] += line;
    } else {
      folded.push(line);
    }
  }
  const fields = new Map<string, string>();
  for (const line of folded) {
    // A line without a colon is a header too, named by the whole line, with no value.
    const colon = line.indexOf(":");
    const key = trimWsp(colon < 0 ? line : line.slice(0, colon)).toLowerCase();
    const value = colon < 0 ? "" : trimWsp(line.slice(colon + 1).replace(/[\r\n]+/g, " "));
    if (!fields.has(key)) fields.set(key, value);
  }
  return fields;
}

// A token (RFC 2045), and a parameter whose value is a token or a quoted string without escapes.
const TYPE = /^[!#$%&'*+.^_`|~0-9a-z-]+\/[!#$%&'*+.^_`|~0-9a-z-]+$/i;
const PARAMETER =
  /^([!#$%&'+.^_`|~0-9a-z-]+)[ \t]*=[ \t]*(?:"([^"]*)"|([!#$%&'*+.^_`|~0-9a-z-]+))$/i;

/**
 * A `Content-Type` as postal-mime reads it, when it is plain enough to be sure of that. `Unsure`
 * for a comment or an escape anywhere, and for a multipart type without a plain boundary (an RFC
 * 2231 parameter, a boundary that is not ASCII or ends in white space); `mediaType` is
 * `undefined` for a type that is not a plain `type/subtype` (such a part is left alone).
 *
 * @internal
 * @example
 * const type = parseContentType(fields.get("content-type"));
 */
export function parseContentType(
  value: string | undefined,
):
  | { multipart: false; mediaType: string | undefined }
  | { multipart: true; mediaType: string; boundary: Uint8Array } {
  if (value === undefined) return { multipart: false, mediaType: "text/plain" };
  if (/[()\\]/.test(value)) throw new Unsure();
  const segments = splitParameters(value);
  const mediaType = trimWsp(segments?.[0] ?? "").toLowerCase();
  if (!segments || !TYPE.test(mediaType)) {
    if (/multipart/i.test(value)) throw new Unsure();
    return { multipart: false, mediaType: undefined };
  }
  if (!mediaType.startsWith("multipart/")) return { multipart: false, mediaType };
  let boundary: string | undefined;
  for (const segment of segments.slice(1)) {
    const trimmed = trimWsp(segment);
    if (trimmed === "") continue;
    const match = PARAMETER.exec(trimmed);
    if (!match) throw new Unsure();
    if ((match[1] ?? "").toLowerCase() === "boundary" && boundary === undefined) {
      boundary = match[2] ?? match[3] ?? "";
    }
  }
  if (!boundary || /[ \t]$/.test(boundary) || !/^[\x20-\x7e]+$/.test(boundary)) {
    throw new Unsure();
  }
  return {
    multipart: true,
    mediaType,
    boundary: Uint8Array.from(boundary, (char) => char.charCodeAt(0)),
  };
}

/** Splits at `;` outside quoted strings; `undefined` when a quote is left open. */
function splitParameters(value: string): string[] | undefined {
  const out: string[] = [];
  let quoted = false;
  let from = 0;
  for (let i = 0; i < value.length; i++) {
    if (value[i] === '"') quoted = !quoted;
    else if (value[i] === ";" && !quoted) {
      out.push(value.slice(from, i));
      from = i + 1;
    }
  }
  if (quoted) return undefined;
  out.push(value.slice(from));
  return out;
}

/**
 * Drops the spaces and tabs around `value` (an index scan: no regex backtracking on long runs).
 *
 * @internal
 * @example
 * trimWsp(" \tattachment "); // "attachment"
 */
export function trimWsp(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && (value[start] === " " || value[start] === "\t")) start++;
  while (end > start && (value[end - 1] === " " || value[end - 1] === "\t")) end--;
  return value.slice(start, end);
}

/** Bytes as the characters U+0000-U+00FF. */
function latin1(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    out += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return out;
}
