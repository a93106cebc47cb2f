import { AgentMailHeaders, encodeManifest, type ManifestRow } from "@assmbl/core";
import { foldableJson, foldHeaderValue } from "@assmbl/mime";

/**
 * Turns a message composed with placeholders for its attachments (@assmbl/mime's
 * `composeMime`, which writes each placeholder's length as the row's `size`) into the message
 * delivered by reference: every attachment part keeps its headers and gets an empty body, and
 * `X-AgentMail-Attachments` is written again from `rows`, the rows as sent (real sizes,
 * object keys). Everything else stays byte for byte.
 *
 * @example
 * const { raw } = await composeMime(preparedWithPlaceholders);
 * const delivered = referenceMime(raw, rows);
 * @throws {Error} when `raw` is not a multipart/mixed message with `rows.length` attachment
 * parts after its body: a bug, since the dev server composed it.
 */
export function referenceMime(raw: Uint8Array, rows: readonly ManifestRow[]): Uint8Array {
  // The composer writes 7-bit ASCII: latin1 maps it byte for byte.
  const text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("latin1");
  const headEnd = text.indexOf("\r\n\r\n");
  if (headEnd < 0) throw new Error("referenceMime: the message has no header block");
  const fields = headerFields(text.slice(0, headEnd + 2));
  const boundary = boundaryOf(fields);
  const name = AgentMailHeaders.attachments;
  const manifest = fields.findIndex((field) => field.startsWith(`${name}:`));
  if (manifest < 0) throw new Error(`referenceMime: the message has no ${name} header`);
  fields[manifest] = `${name}: ${foldHeaderValue(name, foldableJson(encodeManifest(rows)))}\r\n`;

  // A delimiter is a whole line: `--boundary`, then `--` or the line's end (another part's
  // boundary may start with this one, e.g. `..._Part_1` and `..._Part_10`).
  const delimiterLine = `\r\n--${boundary}`;
  const delimiter = new RegExp(`${escapeRegExp(delimiterLine)}(?=--|[ \t]*\r\n)`);
  // The first delimiter may open the body: a CRLF in front lets it match like the others.
  const segments = `\r\n${text.slice(headEnd + 4)}`.split(delimiter);
  // preamble, the text body, one segment per attachment, then "--" and the epilogue.
  if (segments.length !== rows.length + 3 || !segments[segments.length - 1]?.startsWith("--")) {
    throw new Error("referenceMime: the parts are not the body and one per attachment");
  }
  for (let i = 2; i < segments.length - 1; i += 1) {
    const part = segments[i] as string;
    const bodyStart = part.indexOf("\r\n\r\n");
    if (bodyStart < 0) throw new Error("referenceMime: an attachment part has no header block");
    segments[i] = part.slice(0, bodyStart + 4);
  }
  const body = segments.join(delimiterLine).slice(2);
  return new Uint8Array(Buffer.from(`${fields.join("")}\r\n${body}`, "latin1"));
}

/** The header block's fields, each with its continuation lines and final CRLF. */
function headerFields(head: string): string[] {
  const fields: string[] = [];
  for (const line of head.split(/(?<=\r\n)/)) {
    if ((line.startsWith(" ") || line.startsWith("\t")) && fields.length > 0) {
      fields[fields.length - 1] += line;
    } else {
      fields.push(line);
    }
  }
  return fields;
}

function boundaryOf(fields: readonly string[]): string {
  const contentType = fields.find((field) => /^content-type:/i.test(field))?.replace(/\r\n/g, "");
  const match = /^content-type:\s*multipart\/mixed\s*;.*\bboundary="?([^";]+)"?/i.exec(
    contentType ?? "",
  );
  if (!match?.[1]) throw new Error("referenceMime: the message is not multipart/mixed");
  return match[1];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
