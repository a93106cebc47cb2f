import { decodeHeaderWords } from "./encoded-words.js";
import { AgentMailError } from "./errors.js";
import { type ManifestRow, ManifestSchema } from "./schemas/manifest.js";
import { describeIssues } from "./validate.js";
import { findLoneSurrogate } from "./well-formed-text.js";

// Key order of every row on the wire, the order of spec §4's example.
const ROW_KEYS = [
  "index",
  "filename",
  "content_type",
  "size",
  "encrypted",
  "encryption",
  "original_filename",
  "original_content_type",
  "object_key",
] as const satisfies readonly (keyof ManifestRow)[];

/**
 * Serialises manifest rows for `X-AgentMail-Attachments` (spec §4): compact JSON in a fixed key
 * order, every character outside printable ASCII escaped as `\uXXXX`. The bytes equal Python's
 * `json.dumps(rows, ensure_ascii=True, separators=(",", ":"))`, so both SDKs emit the same header,
 * except that `=?` is written `=\u003f` so that no header reader takes it for an encoded word.
 *
 * @example
 * encodeManifest([{ index: 0, filename: "résumé.pdf", content_type: "application/pdf", size: 3, encrypted: false }]);
 * // '[{"index":0,"filename":"r\\u00e9sum\\u00e9.pdf","content_type":"application/pdf","size":3,"encrypted":false}]'
 * @throws {AgentMailError} `invalid_manifest` when a row breaks the schema or a string in it is
 * not well-formed UTF-16 (a lone surrogate).
 */
export function encodeManifest(rows: readonly ManifestRow[]): string {
  const parsed = ManifestSchema.safeParse(rows);
  if (!parsed.success) {
    throw new AgentMailError({
      code: "invalid_manifest",
      message: `manifest: ${describeIssues(parsed.error.issues)}`,
    });
  }
  parsed.data.forEach((row, i) => {
    for (const [key, value] of Object.entries(row)) {
      // JSON.stringify would write the lone surrogate as "\ud800", which no UTF-8 reader can
      // turn back into that name (Python's json.loads makes an unencodable str of it).
      const lone = typeof value === "string" ? findLoneSurrogate(value) : undefined;
      if (lone) {
        throw new AgentMailError({
          code: "invalid_manifest",
          message: `manifest: row ${i} ${key} has a lone surrogate (${lone.unit} at index ${lone.index}), which has no UTF-8 encoding`,
        });
      }
    }
  });
  const ordered = parsed.data.map((row) => {
    const out: Record<string, unknown> = {};
    for (const key of ROW_KEYS) {
      const value = row[key];
      if (value !== undefined) {
        out[key] =
          key === "encryption" && row.encryption
            ? { algorithm: row.encryption.algorithm, format: row.encryption.format }
            : value;
      }
    }
    return out;
  });
  return asciiJson(ordered);
}

/**
 * The longest `X-AgentMail-Attachments` value {@link decodeManifest} reads, in characters as
 * received (folded, encoded words and all) **(ours)**: 256 KiB. Thousands of rows fit; a value
 * past it is refused before any decoding, so a hostile header costs bounded time and memory.
 */
export const MANIFEST_HEADER_MAX_LENGTH = 256 * 1024;

// How many schema problems a refusal names: a long hostile manifest would otherwise make a
// message as long as itself.
const ISSUES_NAMED = 5;

/**
 * Parses an `X-AgentMail-Attachments` value as the Python SDK reads it (`json.loads(str(header))`
 * under `email.policy.default`): unfolds it and decodes its RFC 2047 encoded words with
 * {@link decodeHeaderWords} (Python's writer turns any long manifest into encoded words), parses
 * the JSON, validates every row and drops keys it does not know. Rows come back sorted by `index`.
 * Strings are returned as written, control characters included (a JSON `\u0000` escape, or one
 * an encoded word carries): they are the sender's; receivers must not pass them on as names or
 * types (transport-api's reader never does).
 *
 * @example
 * decodeManifest('[{"index":0,"filename":"a.txt.asc",\r\n "content_type":"application/pgp-encrypted","encrypted":true,"encryption":{"algorithm":"openpgp","format":"armored"}}]');
 * @example
 * // What Python's email writes for a long manifest:
 * decodeManifest('[{"index":0,"filename":"report =?utf-8?q?r=5Cu00e?=\r\n =?utf-8?b?OS5wZGYiLCJjb250ZW50X3R5cGUiOiJhcHBsaWNhdGlvbi9wZGYiLCJlbmNyeXB0ZWQiOmZhbHNlfV0=?=');
 * // [{ index: 0, filename: "report r\u00e9.pdf", content_type: "application/pdf", encrypted: false }]
 * @throws {AgentMailError} `invalid_manifest` for anything that is not a valid manifest, and for
 * a value longer than {@link MANIFEST_HEADER_MAX_LENGTH}; the message says what is wrong without
 * echoing the value.
 */
export function decodeManifest(value: string): ManifestRow[] {
  if (typeof value !== "string") {
    throw new AgentMailError({
      code: "invalid_manifest",
      message: "manifest header value must be a string",
    });
  }
  if (value.length > MANIFEST_HEADER_MAX_LENGTH) {
    throw new AgentMailError({
      code: "invalid_manifest",
      message: `manifest header is ${value.length} characters long; at most ${MANIFEST_HEADER_MAX_LENGTH} are read`,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(decodeHeaderWords(value));
  } catch (cause) {
    // The parser's own message quotes the input, control characters and all: only its position.
    const at = /position (\d+)/.exec(cause instanceof Error ? cause.message : "")?.[1];
    throw new AgentMailError({
      code: "invalid_manifest",
      message: `manifest header is not valid JSON${at === undefined ? "" : ` (at character ${at} once decoded)`}`,
      cause,
    });
  }
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) {
    const { issues } = parsed.error;
    const more = issues.length - ISSUES_NAMED;
    throw new AgentMailError({
      code: "invalid_manifest",
      message: `manifest: ${describeIssues(issues.slice(0, ISSUES_NAMED))}${more > 0 ? `; and ${more} more` : ""}`,
    });
  }
  return parsed.data.sort((a, b) => a.index - b.index);
}

/**
 * `JSON.stringify` with Python's `ensure_ascii=True`: JSON.stringify already escapes control
 * characters and lone surrogates the way Python does; what remains outside printable ASCII
 * (DEL and every non-ASCII code unit) becomes a lower-case `\uXXXX` escape, astral characters
 * as their surrogate pair, exactly as Python writes them.
 *
 * One difference from `json.dumps` **(ours)**: the `?` of every `=?` is written `\u003f`. A
 * header reader (Python's `email`, and `decodeManifest`) decodes any `=?...?=` in a header as an
 * RFC 2047 encoded word, so a name such as `a =?utf-8?q?b?= c` would come back as `a b c`;
 * escaped, it reads back as written, and the JSON value is the same.
 */
function asciiJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(
      /[^\u0020-\u007e]/g,
      (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
    )
    .replace(/=\?/g, "=\\u003f");
}
