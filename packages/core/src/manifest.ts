import { AgentMailError } from "./errors.js";
import { type ManifestRow, ManifestSchema } from "./schemas/manifest.js";
import { describeIssues } from "./validate.js";

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
 * `json.dumps(rows, ensure_ascii=True, separators=(",", ":"))`, so both SDKs emit the same header.
 *
 * @example
 * encodeManifest([{ index: 0, filename: "résumé.pdf", content_type: "application/pdf", size: 3, encrypted: false }]);
 * // '[{"index":0,"filename":"r\\u00e9sum\\u00e9.pdf","content_type":"application/pdf","size":3,"encrypted":false}]'
 * @throws {AgentMailError} `invalid_manifest` when a row breaks the schema.
 */
export function encodeManifest(rows: readonly ManifestRow[]): string {
  const parsed = ManifestSchema.safeParse(rows);
  if (!parsed.success) {
    throw new AgentMailError({
      code: "invalid_manifest",
      message: `manifest: ${describeIssues(parsed.error.issues)}`,
    });
  }
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
 * Parses an `X-AgentMail-Attachments` value: unfolds it (CRLF before white space, as RFC 5322
 * folding left it), parses the JSON, validates every row and drops keys it does not know.
 * Rows come back sorted by `index`.
 *
 * @example
 * decodeManifest('[{"index":0,"filename":"a.txt.asc",\r\n "content_type":"application/pgp-encrypted","encrypted":true,"encryption":{"algorithm":"openpgp","format":"armored"}}]');
 * @throws {AgentMailError} `invalid_manifest` for anything that is not a valid manifest.
 */
export function decodeManifest(value: string): ManifestRow[] {
  if (typeof value !== "string") {
    throw new AgentMailError({
      code: "invalid_manifest",
      message: "manifest header value must be a string",
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(value.replace(/\r?\n(?=[ \t])/g, ""));
  } catch (cause) {
    throw new AgentMailError({
      code: "invalid_manifest",
      message: "manifest header is not valid JSON",
      cause,
    });
  }
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) {
    throw new AgentMailError({
      code: "invalid_manifest",
      message: `manifest: ${describeIssues(parsed.error.issues)}`,
    });
  }
  return parsed.data.sort((a, b) => a.index - b.index);
}

/**
 * `JSON.stringify` with Python's `ensure_ascii=True`: JSON.stringify already escapes control
 * characters and lone surrogates the way Python does; what remains outside printable ASCII
 * (DEL and every non-ASCII code unit) becomes a lower-case `\uXXXX` escape, astral characters
 * as their surrogate pair, exactly as Python writes them.
 */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[^\u0020-\u007e]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
