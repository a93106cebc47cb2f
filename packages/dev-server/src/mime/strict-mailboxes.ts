// Sender headers read strictly. A lenient address-list reader and Python's `email` parser can
// disagree about which mailbox a header names (`<bob@x> "<alice@x>"`, `bob@x:alice@x;`,
// `bob@x <alice@x`): a server that verifies the sender by one reading while recipients show
// another would vouch for a sender the recipient never sees. So the identity headers must be
// written in the one plain form every reader agrees on, and anything else is refused.
import { parseAddress } from "@assmbl/core";
import { phraseEncodedWord } from "./phrase-encoded-word.js";

/** The bare addresses of a strictly read mailbox list, or why it is not one. */
export type StrictMailboxes = { ok: true; addresses: string[] } | { ok: false; problem: string };

/**
 * Reads a header value as a comma-separated list of mailboxes, each `addr-spec` or
 * `display name <addr-spec>`, and nothing else: no groups (`name: ...;`), no comments, no text
 * after an angle address, no `<` or `>` inside a quoted string, no unbalanced quotes or angle
 * brackets, no empty list entries, no source routes or domain literals, and no encoded word
 * (`=?...?=`) or quoted local part in the address itself. The display name may be atoms, dots
 * and quoted strings, with no unquoted `@`; an encoded word in it only when neither its encoded
 * nor its decoded text holds a special (`()<>[]:;@\,."`) or a control character, since readers
 * that do not decode before splitting (Python's compat32 `getaddresses`, postal-mime) read those
 * as syntax.
 *
 * @example
 * strictMailboxes('"Doe, Jane" <jane@x.example>, bob@x.example'); // { ok: true, addresses: ["jane@x.example", "bob@x.example"] }
 * strictMailboxes('<bob@x.example> "<alice@x.example>"'); // { ok: false, problem: "a quoted string holds < or >" }
 */
export function strictMailboxes(value: string): StrictMailboxes {
  const items: string[] = [];
  let current = "";
  let quoted = false;
  let angle = false;
  let afterAngle = false;
  // An unquoted @ before this entry's angle address: readers split such a name differently.
  let atInPhrase = false;
  for (let i = 0; i < value.length; i++) {
    const char = value[i] as string;
    if (quoted) {
      if (char === "<" || char === ">") return fail("a quoted string holds < or >");
      // Python's policy.default decodes encoded words inside quoted strings too.
      if (char === "=" && value[i + 1] === "?") {
        const word = phraseEncodedWord(value.slice(i));
        if (!word.ok) return word;
        current += value.slice(i, i + word.length);
        i += word.length - 1;
        continue;
      }
      if (char === "\\") {
        const escaped = value[i + 1];
        if (escaped === undefined) return fail("a quoted string ends in a backslash");
        current += char + escaped;
        i++;
        continue;
      }
      if (char === '"') quoted = false;
      current += char;
      continue;
    }
    if (afterAngle && !/[\s,]/.test(char)) return fail("text follows an angle address");
    if (angle) {
      if (char === ">") {
        angle = false;
        afterAngle = true;
      } else if (/[<"\s(),:;[\]\\]/.test(char)) {
        return fail("an angle address holds more than an address");
      }
      current += char;
      continue;
    }
    // An encoded word is checked where it starts, in one pass with the quoted strings (read
    // left to right as every reader does): it must hold nothing a reader could take as syntax,
    // so its characters are then plain atom characters to the rest of this reader.
    if (char === "=" && value[i + 1] === "?") {
      const word = phraseEncodedWord(value.slice(i));
      if (!word.ok) return word;
      current += value.slice(i, i + word.length);
      i += word.length - 1;
      continue;
    }
    if (char === "@") atInPhrase = true;
    if (char === ",") {
      items.push(current);
      current = "";
      afterAngle = false;
      atInPhrase = false;
      continue;
    }
    // Unicode spaces: JavaScript trims them, Python's parsers keep them as text.
    if (/[^\S \t\r\n]/.test(char)) return fail("it holds a space other than SP or tab");
    // Python's policy.default fails on a display name starting with a dot.
    if (char === "." && current.trim() === "") return fail("a list entry starts with a dot");
    if (char === "<") {
      if (atInPhrase) return fail("the display name holds an unquoted @");
      // Python's policy.default fails on a name ending in a dot just before the angle address.
      if (value[i - 1] === ".") return fail("a dot comes just before an angle address");
      angle = true;
    } else if (char === '"') quoted = true;
    else if (char === ">") return fail("a > has no <");
    else if (char === ":" || char === ";") return fail("it is a group or holds a source route");
    else if (char === "(" || char === ")") return fail("it holds a comment");
    else if (/[[\]\\]/.test(char)) return fail("it holds a domain literal or a backslash");
    current += char;
  }
  if (quoted) return fail("a quoted string is not closed");
  if (angle) return fail("an angle address is not closed");
  items.push(current);
  const addresses: string[] = [];
  for (const item of items) {
    const address = mailboxOf(item.trim());
    if (typeof address !== "string") return address;
    addresses.push(address);
  }
  return { ok: true, addresses };
}

/** One list entry: `addr-spec` or `phrase <addr-spec>`, already checked for structure. */
function mailboxOf(item: string): string | { ok: false; problem: string } {
  if (item === "") return fail("a list entry is empty");
  const open = item.indexOf("<");
  let spec = item;
  if (open !== -1) {
    if (!item.endsWith(">")) return fail("text follows an angle address");
    spec = item.slice(open + 1, -1);
  } else if (/[\s"]/.test(spec)) {
    return fail("a bare address holds white space or a quote");
  }
  if (spec.includes("=?")) return fail("the address holds an encoded word");
  let address: string;
  try {
    address = parseAddress(spec).address;
  } catch {
    return fail("an address is not a plain local@domain");
  }
  return address;
}

function fail(problem: string): { ok: false; problem: string } {
  return { ok: false, problem };
}
