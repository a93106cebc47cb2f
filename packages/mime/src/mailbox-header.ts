import {
  AgentMailError,
  assertSafeMailbox,
  hasEncodedWordLookalike,
  type Mailbox,
} from "@assmbl/core";
import { quoteString } from "nodemailer/lib/mime-funcs";
import MimeNode from "nodemailer/lib/mime-node";

const utf8 = new TextEncoder();

/**
 * Longest display name (UTF-8 bytes) written as one encoded word: base64 makes 4 characters of
 * 3 bytes, so 250 bytes are 336 characters plus `=?utf-8?B??=`, which still fits a 998-character
 * header line beside a 254-character address.
 */
export const MAX_ONE_WORD_NAME = 250;

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * Whether a display name is written as an RFC 2047 encoded word rather than as an atom or quoted
 * string **(ours)**: when it is not printable ASCII, and when it holds `=?` (readers, Python's email
 * among them, decode encoded words inside quoted strings too, so `"=?utf-8?q?Evil=0D=0ABcc:...?="`
 * would come back with a line break).
 *
 * @example
 * needsEncodedName("Report Bot"); // false
 * needsEncodedName("=?utf-8?q?Evil?="); // true
 */
export function needsEncodedName(name: string): boolean {
  return !PRINTABLE_ASCII.test(name) || hasEncodedWordLookalike(name);
}

// A printable name with leading, trailing or repeated spaces: readers (Python's email, both
// policies) collapse them in atoms and in decoded encoded words, and keep them in a quoted string.
const ODD_SPACING = /^\s|\s$|\s\s/;

/**
 * A display name as **one** base64 encoded word (`=?UTF-8?B?...?=`, as nodemailer spells it), or `undefined` when it is
 * longer than {@link MAX_ONE_WORD_NAME} bytes. One word: Python's email keeps the space between
 * two encoded words of a phrase. B, not Q: RFC 2047 §5(3) lets a Q word in a phrase carry only
 * letters, digits and `!*+-/=_`, and a reader that decodes before it splits an address list
 * (compat32's `getaddresses(decode_header(...))`) would find `,"<>@` of a Q word.
 *
 * @example
 * oneWordName("Zoë"); // "=?UTF-8?B?Wm/Dqw==?="
 */
export function oneWordName(name: string): string | undefined {
  const bytes = utf8.encode(name);
  if (bytes.length > MAX_ONE_WORD_NAME) return undefined;
  return `=?UTF-8?B?${Buffer.from(bytes).toString("base64")}?=`;
}

/**
 * Checks a mailbox right before it becomes a header (`From`, `To`, SES `Source`...): core's
 * `assertSafeMailbox` (no control character; an address that is one bare addr-spec without
 * `=?`), then `assertEncodableName`. Shared by `sendPlainEmail`, whose mailboxes come
 * from no prepared message; `composeMime` runs the second half only, after core's
 * `assertPrepared` ran the first.
 *
 * @example
 * assertWritableMailbox(parseAddress("Bot <bot@agents.example.com>"), "from");
 * @throws {AgentMailError} `header_injection`, `invalid_address`.
 */
export function assertWritableMailbox(entry: Mailbox, what: string): void {
  assertSafeMailbox(entry, what);
  assertEncodableName(entry, what);
}

/**
 * What only this composer knows of a mailbox: a display name holding `=?` is written as one
 * encoded word, so it must fit one ({@link MAX_ONE_WORD_NAME} bytes) within a header line.
 *
 * @example
 * assertEncodableName(parseAddress("=?x?= <bot@agents.example.com>"), "from"); // ok: short
 * @throws {AgentMailError} `invalid_address`.
 */
export function assertEncodableName(entry: Mailbox, what: string): void {
  if (
    entry.name !== undefined &&
    hasEncodedWordLookalike(entry.name) &&
    utf8.encode(entry.name).length > MAX_ONE_WORD_NAME
  ) {
    throw new AgentMailError({
      code: "invalid_address",
      message: `${what} display name holds "=?" and is longer than ${MAX_ONE_WORD_NAME} bytes; it could not be written as one encoded word within a header line`,
    });
  }
}

/**
 * Makes a nodemailer `MimeNode` write display names with {@link oneWordName} wherever
 * {@link needsEncodedName} says so, and printable names with leading, trailing or repeated spaces
 * as a quoted string (readers keep those spaces only there); every other name, and every address,
 * nodemailer formats as before. Names past {@link MAX_ONE_WORD_NAME} bytes (without `=?`, see
 * {@link assertWritableMailbox}) keep nodemailer's several encoded words.
 *
 * @example
 * encodeNamesAsOneWord(root); // before root.setHeader("From", ...)
 */
export function encodeNamesAsOneWord(node: object): void {
  const target = node as { _encodeAddressName(name: string): string };
  const encodeName = target._encodeAddressName.bind(node);
  target._encodeAddressName = (name) => {
    if (!needsEncodedName(name))
      return ODD_SPACING.test(name) ? quoteString(name) : encodeName(name);
    return oneWordName(name) ?? encodeName(name);
  };
}

/**
 * One mailbox as header text (`Name <local@domain>`, or the bare address), names encoded as
 * the composer writes them: what `sendPlainEmail` hands SES (`Source`,
 * `ToAddresses`...), which wants non-ASCII names as RFC 2047 encoded words.
 *
 * @example
 * formatMailbox(parseAddress("Zoë <bot@agents.example.com>")); // "=?UTF-8?B?Wm/Dqw==?= <bot@agents.example.com>"
 */
export function formatMailbox(entry: Mailbox): string {
  const node = new MimeNode(false);
  encodeNamesAsOneWord(node);
  return node.encodeHeaderValue("From", { name: entry.name ?? "", address: entry.address });
}
