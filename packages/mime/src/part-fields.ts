import { AgentMailError, type ManifestRow, MEDIA_TYPE_PATTERN } from "@assmbl/core";
import { safeFileName } from "./safe-file-name.js";

/**
 * The content type of an OpenPGP-encrypted attachment (spec §4).
 *
 * @example
 * mediaTypeOf(part.contentType) === PGP_ENCRYPTED;
 */
export const PGP_ENCRYPTED = "application/pgp-encrypted";

/**
 * The media type of a `Content-Type` value, lower-case, without parameters.
 *
 * @example
 * mediaTypeOf("Application/PDF; name=a.pdf"); // "application/pdf"
 */
export function mediaTypeOf(contentType: string): string {
  return (contentType.split(";")[0] ?? "").trim().toLowerCase();
}

// C0 controls, DEL and C1 controls.
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * A type from the sender is used only if it is a media type, without control characters (core's
 * pattern already refuses CR and LF, which would end a header the type is written into).
 *
 * @example
 * isMediaType("application/pdf"); // true
 */
export function isMediaType(value: string | undefined): value is string {
  return value !== undefined && MEDIA_TYPE_PATTERN.test(value) && !CONTROL_CHARACTER.test(value);
}

/**
 * The name of a decrypted part: `original_filename`, else the name as sent without `.asc`, else
 * `attachment-<index>`; each candidate only if {@link safeFileName} takes it.
 *
 * @example
 * restoredName(undefined, "report.pdf.asc", 0); // "report.pdf"
 */
export function restoredName(
  row: ManifestRow | undefined,
  sentName: string | undefined,
  index: number,
): string {
  return (
    safeFileName(row?.original_filename) ??
    safeFileName(sentName === undefined ? undefined : stripAsc(sentName)) ??
    `attachment-${index}`
  );
}

/**
 * The type of a decrypted part: `original_content_type` when it is a media type, else
 * `application/octet-stream`.
 *
 * @example
 * restoredType(undefined); // "application/octet-stream"
 */
export function restoredType(row: ManifestRow | undefined): string {
  return [row?.original_content_type].find(isMediaType) ?? "application/octet-stream";
}

function stripAsc(filename: string): string {
  return /\.asc$/i.test(filename) && filename.length > 4 ? filename.slice(0, -4) : filename;
}

/**
 * `error` if it is an `AgentMailError`, else a `decryption_failed` one saying `message`.
 *
 * @example
 * asAgentMailError(new Error("bad"), "the body could not be decrypted").code; // "decryption_failed"
 */
export function asAgentMailError(error: unknown, message: string): AgentMailError {
  if (AgentMailError.is(error)) return error;
  return new AgentMailError({
    code: "decryption_failed",
    message: `${message}: ${error instanceof Error ? error.message : String(error)}`,
    cause: error,
  });
}
