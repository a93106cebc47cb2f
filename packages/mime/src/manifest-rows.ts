import { AgentMailError, decodeManifest, type ManifestRow } from "@assmbl/core";
import type { ParsedMime } from "./parse-mime.js";
import type { PlatformAttachment } from "./received-message.js";

// How many indexes an orphan-rows error names: a hostile manifest may hold thousands of rows.
const INDEXES_NAMED = 5;

/**
 * The manifest's rows by index, and `manifestError` (`invalid_manifest`) when there is something
 * to say about them:
 *
 * - no header: no rows, no error;
 * - an unreadable header: no rows (content types then decide), and the error saying why;
 * - rows that name no attachment of the message (no MIME part has that index and, for
 *   `fetchMessage`, neither does any attachment the platform lists): all rows, and an error
 *   naming those indexes. Those rows are never used (nothing asks for their index); the others
 *   are.
 *
 * @example
 * const { rows, manifestError } = manifestRows(parsed, undefined);
 * rows?.get(0)?.original_filename;
 */
export function manifestRows(
  parsed: ParsedMime,
  platform: readonly PlatformAttachment[] | undefined,
): { rows?: Map<number, ManifestRow>; manifestError?: AgentMailError } {
  if (parsed.manifestHeader === undefined) return {};
  let rows: Map<number, ManifestRow>;
  try {
    rows = new Map(decodeManifest(parsed.manifestHeader).map((row) => [row.index, row]));
  } catch (error) {
    return {
      manifestError: AgentMailError.is(error)
        ? error
        : new AgentMailError({
            code: "invalid_manifest",
            message: "the attachment manifest cannot be read",
            cause: error,
          }),
    };
  }
  const orphans = [...rows.keys()].filter(
    (index) =>
      parsed.attachments[index] === undefined &&
      !(platform ?? []).some((item) => item.index === index),
  );
  if (orphans.length === 0) return { rows };
  const more = orphans.length - INDEXES_NAMED;
  const named = `${orphans.slice(0, INDEXES_NAMED).join(", ")}${more > 0 ? ` and ${more} more` : ""}`;
  const parts = parsed.attachments.length;
  const listed = platform === undefined ? "" : `, the platform lists ${platform.length}`;
  const rowsAre = orphans.length === 1 ? "that row is" : "those rows are";
  return {
    rows,
    manifestError: new AgentMailError({
      code: "invalid_manifest",
      message: `manifest: no attachment has index ${named} (the message has ${parts} attachment part${parts === 1 ? "" : "s"}${listed}); ${rowsAre} ignored`,
    }),
  };
}
