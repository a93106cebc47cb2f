// Reading the header section of a raw RFC 5322 message: enough to find its recipients, sender and
// subject. The message itself is never changed.

// Header lines are read by @assmbl/mime, the same reading its `openMessage` parses through: the
// server judges the headers its recipients will see.
import type { HeaderField } from "@assmbl/mime";

export { type HeaderField, headerFields } from "@assmbl/mime";

/**
 * Every value of the fields called `name` (case-insensitive), in order.
 *
 * @example
 * headerValues(fields, "to"); // ["a@x.example, b@x.example"]
 */
export function headerValues(fields: readonly HeaderField[], name: string): string[] {
  const lower = name.toLowerCase();
  return fields.filter((field) => field.name.toLowerCase() === lower).map((field) => field.value);
}

/**
 * The addr-specs of an RFC 5322 address list: display names, comments and group names dropped
 * (`Team: a@x.example, b@x.example;` gives both members; `undisclosed-recipients:;` gives none).
 * Each item is returned as written; the caller validates it.
 *
 * @example
 * addressList('"Doe, Jane" <jane@x.example>, bob@y.example (Bob)'); // ["jane@x.example", "bob@y.example"]
 */
export function addressList(value: string): string[] {
  const items: string[] = [];
  let current = "";
  let quoted = false;
  let angle = false;
  let comment = 0;
  const push = () => {
    const item = current.trim();
    current = "";
    if (item === "") return;
    const open = item.lastIndexOf("<");
    const spec = open === -1 ? item : item.slice(open + 1, item.indexOf(">", open) >>> 0);
    // A source route (`<@relay:user@x.example>`) names the mailbox after its colon.
    const bare = spec.replace(/^@[^:]*:/, "").trim();
    items.push(bare.replace(/\s+/g, ""));
  };
  for (let i = 0; i < value.length; i++) {
    const char = value[i] as string;
    if (comment > 0) {
      if (char === "\\") i++;
      else if (char === "(") comment++;
      else if (char === ")") comment--;
      continue;
    }
    if (quoted) {
      if (char === "\\") {
        current += char + (value[i + 1] ?? "");
        i++;
        continue;
      }
      if (char === '"') quoted = false;
      current += char;
      continue;
    }
    if (char === '"') quoted = true;
    else if (char === "(") {
      comment = 1;
      continue;
    } else if (char === "<") angle = true;
    else if (char === ">") angle = false;
    else if (!angle && char === ",") {
      push();
      continue;
    } else if (!angle && char === ":") {
      // A group: what came before the colon is its name.
      current = "";
      continue;
    } else if (!angle && char === ";") {
      push();
      continue;
    }
    current += char;
  }
  push();
  return items;
}

/**
 * Decodes RFC 2047 encoded words (`=?UTF-8?B?...?=`, `=?ISO-8859-1?Q?...?=`); whitespace between
 * two encoded words is dropped, as the RFC says. Words in a charset this runtime cannot decode,
 * or that are malformed, stay as written.
 *
 * @example
 * decodeEncodedWords("=?UTF-8?B?R3LDvMOfZQ==?= =?UTF-8?Q?_aus_K=C3=B6ln?="); // "Grüße aus Köln"
 */
export function decodeEncodedWords(value: string): string {
  const word = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;
  let result = "";
  let last = 0;
  let previousWasWord = false;
  for (const match of value.matchAll(word)) {
    const between = value.slice(last, match.index);
    const decoded = decodeWord(match[1] ?? "", match[2] ?? "", match[3] ?? "");
    if (!(previousWasWord && decoded !== undefined && /^\s*$/.test(between))) result += between;
    result += decoded ?? match[0];
    previousWasWord = decoded !== undefined;
    last = match.index + match[0].length;
  }
  return result + value.slice(last);
}

function decodeWord(charset: string, encoding: string, text: string): string | undefined {
  let bytes: Uint8Array;
  if (encoding.toUpperCase() === "B") {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
    bytes = Buffer.from(text, "base64");
  } else {
    const out: number[] = [];
    for (let i = 0; i < text.length; i++) {
      const char = text[i] as string;
      const hex = text.slice(i + 1, i + 3);
      if (char === "=" && /^[0-9A-Fa-f]{2}$/.test(hex)) {
        out.push(Number.parseInt(hex, 16));
        i += 2;
      } else if (char === "_") out.push(0x20);
      else out.push(char.charCodeAt(0) & 0xff);
    }
    bytes = Uint8Array.from(out);
  }
  try {
    // RFC 2231 allows a language suffix: `UTF-8*en`.
    return new TextDecoder(charset.split("*")[0]).decode(bytes);
  } catch {
    return undefined;
  }
}
