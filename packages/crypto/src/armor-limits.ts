// Why this file exists: openpgp.js's armor reader keeps parts of its input whole, so a hostile
// sender makes it hold memory in proportion to what it sends, before any cryptography happens:
// - an armor header line (`Comment: AAAA…`), or any line before the body, is read whole before
//   it is looked at (a 256 MiB line without a newline held ~530 MiB);
// - the header lines are kept in an array: millions of short ones cost ~12x their size;
// - after a `-----BEGIN PGP SIGNED MESSAGE-----` line every cleartext line is kept (~13x);
// - at the body's first `=` or `-` (the base64 padding, the checksum, the END line) it reads the
//   rest of the input to its end in one piece, however long.
// These limits are checked on the decoded text before openpgp.js reads it, for streams (chunk
// by chunk, see decrypt-stream.ts) and whole inputs alike (decrypt-message.ts). Real armor is far
// below them: lines are 64–76 characters, header blocks a few short lines, and what follows the
// data is the checksum and the END line. The hot path (the body) costs two native `indexOf` scans
// per chunk and one `lastIndexOf` per 64 Ki characters: throughput is unchanged.
import { AgentMailError } from "@assmbl/core";

/** The longest armor line accepted, in characters without its newline. */
export const MAX_ARMOR_LINE = 64 * 1024;
/** The most characters before `-----BEGIN PGP MESSAGE-----` (other text, blank lines). */
export const MAX_ARMOR_PREAMBLE = 64 * 1024;
/** The most characters of armor headers: the lines between the BEGIN line and the blank line. */
export const MAX_ARMOR_HEADERS = 16 * 1024;
/** The most characters from the body's first `=` or `-` to the end of the input. */
export const MAX_ARMOR_TAIL = 64 * 1024;

const BEGIN_MESSAGE = "-----BEGIN PGP MESSAGE-----";
// Enough of a line's start to compare it with BEGIN_MESSAGE (plus room for trailing blanks).
const HEAD_CHARS = 32;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const FORM_FEED = 0x0c;

type State = "preamble" | "headers" | "body" | "tail";

/**
 * Checks armored text, in chunks as it arrives, against the limits above; `check` throws
 * `decryption_failed` naming the limit at the first chunk that breaks one. One instance per input.
 *
 * @example
 * const limits = new ArmorLimits();
 * for await (const text of chunks) limits.check(text); // throws before openpgp.js sees the text
 */
export class ArmorLimits {
  private state: State = "preamble";
  /** Characters of the current line so far, without its newline. */
  private line = 0;
  /** Characters of the current section (preamble, header block or tail) so far. */
  private section = 0;
  /** The current line's first characters, carriage returns left out (openpgp.js drops them). */
  private head = "";
  /** The current line has more than `head` holds, blanks aside. */
  private long = false;
  /** The current line is only blanks (as openpgp.js's test for the end of the headers). */
  private blank = true;

  /** Checks the next chunk of the text; throws `decryption_failed` if it breaks a limit. */
  check(text: string): void {
    let index = 0;
    while (index < text.length && (this.state === "preamble" || this.state === "headers"))
      index = this.framing(text, index);
    if (index < text.length && this.state === "body") index = this.body(text, index);
    if (index < text.length) {
      this.section += text.length - index;
      if (this.section > MAX_ARMOR_TAIL)
        throw refused(
          `more than ${MAX_ARMOR_TAIL} characters follow the end of the armored data (its first "=" or "-"): the armor is damaged or followed by other data`,
        );
    }
  }

  // Preamble and header lines, character by character: both are capped small.
  private framing(text: string, from: number): number {
    const cap = this.state === "preamble" ? MAX_ARMOR_PREAMBLE : MAX_ARMOR_HEADERS;
    for (let index = from; index < text.length; index++) {
      const code = text.charCodeAt(index);
      this.section++;
      if (this.section > cap)
        throw refused(
          this.state === "preamble"
            ? `more than ${MAX_ARMOR_PREAMBLE} characters come before "${BEGIN_MESSAGE}"`
            : `the armor headers (the lines between "${BEGIN_MESSAGE}" and the blank line) are longer than ${MAX_ARMOR_HEADERS} characters`,
        );
      if (code === LF) {
        const state = this.state;
        this.endLine();
        // A new section has a cap of its own: `check` calls again.
        if (this.state !== state) return index + 1;
        continue;
      }
      this.line++;
      if (this.line > MAX_ARMOR_LINE) throw lineTooLong();
      const blank = isBlankCharacter(code);
      if (!blank) this.blank = false;
      if (code === CR) continue;
      if (this.head.length < HEAD_CHARS) this.head += text[index];
      else if (code !== SPACE && code !== TAB) this.long = true;
    }
    return text.length;
  }

  private endLine(): void {
    if (this.state === "preamble") {
      const line = this.head.replace(/[ \t]+$/, "");
      if (!this.long && line === BEGIN_MESSAGE) {
        this.state = "headers";
        this.section = 0;
      } else if (line.startsWith("-----")) {
        // openpgp.js takes the first `-----…-----` line as the armor's type; anything but a
        // message is refused later anyway, and a cleartext-signed one is held whole first.
        throw refused(
          `the armor is not "${BEGIN_MESSAGE}" (a key, a signature or a cleartext-signed message is not an encrypted message)`,
        );
      }
    } else if (this.blank) {
      this.state = "body";
    }
    this.line = 0;
    this.head = "";
    this.long = false;
    this.blank = true;
  }

  // The base64 lines, up to the first "=" or "-": native scans only, this is most of the input.
  private body(text: string, from: number): number {
    const equals = text.indexOf("=", from);
    const dash = text.indexOf("-", from);
    const end =
      equals < 0 ? (dash < 0 ? text.length : dash) : dash < 0 ? equals : Math.min(equals, dash);
    let start = from;
    let carried = this.line;
    for (;;) {
      // The current line (`carried` characters before `start`) needs a newline by `limit`.
      const limit = start + MAX_ARMOR_LINE - carried;
      if (limit >= end) {
        // Every line that ends inside [start, end) is shorter than the cap.
        const last = end > start ? text.lastIndexOf("\n", end - 1) : -1;
        this.line = last >= start ? end - 1 - last : carried + (end - start);
        break;
      }
      const newline = text.lastIndexOf("\n", limit);
      if (newline < start) throw lineTooLong();
      start = newline + 1;
      carried = 0;
    }
    if (end < text.length) {
      this.state = "tail";
      this.section = 0;
    }
    return end;
  }
}

/**
 * Checks a whole armored text at once (see {@link ArmorLimits}).
 *
 * @example
 * checkArmorLimits(armored); // throws decryption_failed on a 1 MiB header line
 */
export function checkArmorLimits(text: string): void {
  new ArmorLimits().check(text);
}

function lineTooLong(): AgentMailError {
  return refused(
    `a line of the armor is longer than ${MAX_ARMOR_LINE} characters (armor lines are at most 76)`,
  );
}

function refused(what: string): AgentMailError {
  return new AgentMailError({
    code: "decryption_failed",
    message: `not an armored OpenPGP message: ${what}; no plaintext was released`,
  });
}

// What openpgp.js's armor reader counts as an empty line may hold (its `reEmptyLine`): space,
// form feed, CR, tab, and the Unicode spaces U+00A0, U+2000-U+200A, U+202F, U+205F, U+3000.
function isBlankCharacter(code: number): boolean {
  return (
    code === SPACE ||
    code === TAB ||
    code === CR ||
    code === FORM_FEED ||
    code === 0xa0 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}
