import { AgentMailError } from "@assmbl/core";

/** RFC 5322 §2.1.1: a line MUST NOT be longer than 998 characters, CRLF excluded. */
export const MAX_LINE = 998;

/** RFC 5322 §2.1.1: lines SHOULD be no longer than 78 characters. */
export const PREFERRED_LINE = 78;

// Longest run without white space left in a header value: the field name, ": " and this
// still fit in one line after the composer folds at every space it finds.
const MAX_RUN = 900;

/**
 * Makes a compact JSON header value foldable within 998 characters a line. RFC 5322 folds only
 * before existing white space, and unfolding keeps that white space, so a value that already
 * has a space at least every 900 characters is returned unchanged: the composer folds there and
 * the receiver unfolds to the exact value. Only where a longer run has no white space is one
 * space put between two JSON tokens (after a `,` outside strings), which JSON ignores and spec
 * §4 allows; `decodeManifest` and Python's `json.loads` read the same rows.
 *
 * @example
 * foldableJson('[{"index":0,"filename":"a.txt"}]'); // unchanged: already short enough
 * @throws {AgentMailError} `invalid_header` when a single JSON token is too long to fit a line.
 */
export function foldableJson(value: string, maxRun = MAX_RUN): string {
  let out = "";
  let run = 0; // characters since the last white space (or inserted fold point)
  let lastComma = -1; // index in `out` just after the last `,` outside strings in this run
  let inString = false;
  let escaped = false;
  for (const char of value) {
    out += char;
    if (char === " " || char === "\t") {
      run = 0;
      lastComma = -1;
    } else {
      run += 1;
    }
    // Fold at a comma before this character, so no run grows past maxRun.
    if (run > maxRun) {
      if (lastComma < 0) {
        throw new AgentMailError({
          code: "invalid_header",
          message: `a JSON header value has a token longer than ${maxRun} characters; it cannot be folded within the ${MAX_LINE}-character line limit of RFC 5322`,
        });
      }
      out = `${out.slice(0, lastComma)} ${out.slice(lastComma)}`;
      run = out.length - lastComma - 1;
      lastComma = -1;
    }
    if (inString) {
      if (escaped) escaped = false;
      else if (char === "\\") escaped = true;
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
    } else if (char === ",") {
      lastComma = out.length;
    }
  }
  return out;
}

/**
 * Rejects an ASCII header value that the composer could not fold within {@link MAX_LINE}: a run
 * of more than 900 characters without white space. (Non-ASCII values become short RFC 2047
 * encoded words, which always fold.)
 *
 * @example
 * assertFoldable("X-Workflow-Name", "nightly-report", "header X-Workflow-Name");
 * @throws {AgentMailError} `invalid_header`.
 */
export function assertFoldable(name: string, value: string, what: string): void {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: printable ASCII is the point.
  if (!/^[\u0000-\u007f]*$/.test(value)) return;
  const longest = value.split(/[ \t]/).reduce((max, word) => Math.max(max, word.length), 0);
  if (name.length + 2 + longest > MAX_LINE) {
    throw new AgentMailError({
      code: "invalid_header",
      message: `${what} has ${longest} characters without white space; RFC 5322 limits a header line to ${MAX_LINE} characters and it cannot be folded`,
    });
  }
}

/**
 * Folds `name: value` (printable ASCII) into lines of at most 78 characters (`width`)
 * where white space allows: a line break goes before white space that is already in the value,
 * never right after the colon, so unfolding (removing each CRLF) gives back the exact value.
 * Returns the value part, continuation lines included, for a header written as
 * `name: <returned>`.
 *
 * @example
 * foldHeaderValue("Subject", "a long subject ...");
 */
export function foldHeaderValue(name: string, value: string, width = PREFERRED_LINE): string {
  // Words keep the white space in front of them; the first word stays on the name's line.
  const words = value.match(/[ \t]*[^ \t]+|[ \t]+$/g) ?? [value];
  let line = `${name}: ${words[0] ?? ""}`;
  let out = line.slice(name.length + 2);
  for (const word of words.slice(1)) {
    if (line.length + word.length > width) {
      out += `\r\n${word}`;
      line = word;
    } else {
      out += word;
      line += word;
    }
  }
  return out;
}
