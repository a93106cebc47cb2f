// The header fields of a raw message as its recipients read them (Python's `email`, and this
// package's reader, which parses through the same header-block reading): for a server that judges
// a message by the headers its recipients will see (the dev server's recipients and sender checks).
import { readHeaderBlock } from "./python-header-block.js";

/**
 * One header field, unfolded; `name` as written.
 *
 * @example
 * const field: HeaderField = { name: "Subject", value: "hi there" };
 */
export interface HeaderField {
  name: string;
  value: string;
}

const SPACE = 0x20;
const TAB = 0x09;

/**
 * The header fields of a raw message, in order, read the way Python's `email` parser (the Python
 * SDK) and `openMessage` read them:
 *
 * - a line ends at CR LF, LF or a bare CR;
 * - the header block ends at the first empty line, or at the first line that is neither a field
 *   (`name:`, the name printable ASCII without `:`) nor a fold (starts with a space or tab):
 *   that line starts the body;
 * - a fold continues the field before it; Python ignores a fold with no field before it, a line
 *   starting with `:`, and a Unix `From ` line (and a fold right after those), and so does this;
 * - a message without an empty line is all header.
 *
 * Values are UTF-8 decoded and unfolded (line ends removed, the fold's white space kept) and
 * trimmed; encoded words are left as they are. The message itself is never changed.
 *
 * @example
 * headerFields(new TextEncoder().encode("Subject: hi\r\n there\r\n\r\nbody")); // [{ name: "Subject", value: "hi there" }]
 * headerFields(new TextEncoder().encode("Subject: a\rFrom: b@x.example\r\n\r\n")); // Subject "a", From "b@x.example"
 */
export function headerFields(raw: Uint8Array): HeaderField[] {
  const decoder = new TextDecoder("utf-8");
  const fields: HeaderField[] = [];
  for (const line of readHeaderBlock(raw, 0, []).kept) {
    const text = decoder.decode(raw.subarray(line.at, line.end));
    const first = raw[line.at];
    if (first === SPACE || first === TAB) {
      // Kept folds always follow a kept field.
      const last = fields[fields.length - 1];
      if (last) last.value += text;
      continue;
    }
    const colon = text.indexOf(":");
    fields.push({ name: text.slice(0, colon), value: text.slice(colon + 1) });
  }
  for (const field of fields) field.value = field.value.trim();
  return fields;
}
