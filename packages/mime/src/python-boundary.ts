// The boundary of a multipart entity read from its header lines the way Python's `email` reads
// it (`get_boundary()`), for `asPythonLines` (python-lines.ts).

const SPACE = 0x20;
const TAB = 0x09;

/**
 * Bytes as the characters U+0000-U+00FF (TextDecoder's "latin1" is windows-1252).
 *
 * @internal
 * @example
 * latin1(Uint8Array.of(0x46, 0xe9)); // "F\u00e9"
 */
export function latin1(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    out += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return out;
}

/**
 * The boundary of a multipart entity as Python's `get_boundary()` gives it, from its first
 * `Content-Type` header: `undefined` for any other type, or a multipart without one.
 *
 * @internal
 * @example
 * const boundary = multipartBoundary(bytes, [{ at: 0, end: 40 }]);
 */
export function multipartBoundary(
  bytes: Uint8Array,
  kept: readonly { at: number; end: number }[],
): Uint8Array | undefined {
  let value: string | undefined;
  for (let i = 0; i < kept.length && value === undefined; i++) {
    const line = latin1(bytes.subarray(kept[i]?.at, kept[i]?.end));
    if (/^content-type:/i.test(line)) {
      value = line.slice(line.indexOf(":") + 1);
      for (let j = i + 1; j < kept.length; j++) {
        const fold = kept[j];
        if (!fold || (bytes[fold.at] !== SPACE && bytes[fold.at] !== TAB)) break;
        value += latin1(bytes.subarray(fold.at, fold.end));
      }
    }
  }
  if (value === undefined) return undefined;
  // get_content_type(): the text before the first `;`, which must hold exactly one `/`.
  const type = (value.split(";")[0] ?? "").trim().toLowerCase();
  if (!type.startsWith("multipart/") || type.split("/").length !== 2) return undefined;
  for (const param of parseParams(value).slice(1)) {
    const eq = param.indexOf("=");
    if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== "boundary") continue;
    // Unquoted by decode_params and again by collapse_rfc2231_value, then rstrip().
    const boundary = unquote(unquote(param.slice(eq + 1).trim())).replace(
      // biome-ignore lint/suspicious/noControlCharactersInRegex: Python's ASCII white space.
      /[ \t\n\r\v\f\x1c-\x1f]+$/,
      "",
    );
    return Uint8Array.from(boundary, (char) => char.charCodeAt(0) & 0xff);
  }
  return undefined;
}

/** `email.utils.unquote`. */
function unquote(value: string): string {
  if (value.length > 1 && value.startsWith('"') && value.endsWith('"')) {
    return value.slice(1, -1).replace(/\\\\/g, "\\").replace(/\\"/g, '"');
  }
  if (value.length > 1 && value.startsWith("<") && value.endsWith(">")) return value.slice(1, -1);
  return value;
}

/** Python's `email.message._parseparam`: split at `;` outside quoted strings. */
function parseParams(value: string): string[] {
  const out: string[] = [];
  let rest = `;${value}`;
  while (rest.startsWith(";")) {
    rest = rest.slice(1);
    let end = rest.indexOf(";");
    while (end > 0 && quotesBefore(rest, end) % 2 === 1) end = rest.indexOf(";", end + 1);
    if (end < 0) end = rest.length;
    out.push(rest.slice(0, end).trim());
    rest = rest.slice(end);
  }
  return out;
}

/** `s.count('"', 0, end) - s.count('\\"', 0, end)`. */
function quotesBefore(s: string, end: number): number {
  let quotes = 0;
  for (let i = 0; i < end; i++) {
    if (s[i] === '"') quotes++;
    if (s[i] === "\\" && s[i + 1] === '"' && i + 1 < end) quotes--;
  }
  return quotes;
}
