// Why this file exists: a streamed message is sniffed (armored or binary) by its first byte that
// is not white space, and a hostile sender can put any amount of white space before it. The old
// sniffer kept every chunk it looked at (512 MiB of spaces held 524 MiB); this one keeps only the
// white space of the current line (openpgp.js ignores blank lines before the armor, but a line
// that starts with blanks is not a BEGIN line, so those must still reach it), compares bytes
// instead of running a regex per byte, and refuses past MAX_LEADING_SPACE.
import { AgentMailError } from "@assmbl/core";

/** The most white space accepted before a streamed message (bytes). */
export const MAX_LEADING_SPACE = 64 * 1024;

const LF = 0x0a;

/** What came before the message's first byte that is not white space, and how to go on. */
export interface AfterLeadingSpace {
  /** The first byte that is not white space. */
  first: number;
  /** Bytes of white space skipped (blank lines dropped, plus the kept start of the first line). */
  skipped: number;
  /**
   * The rest of the input, from the start of `first`'s line: the white space before `first` on
   * its line, then `first` and what follows it in its chunk, then the source's later chunks.
   */
  read(): Promise<ReadableStreamReadResult<Uint8Array>>;
}

/**
 * Reads `source` up to its first byte that is not ASCII white space (tab, LF, VT, FF, CR, space),
 * holding no more than the white space of that byte's line.
 *
 * @example
 * const { first, read } = await skipLeadingSpace(input.getReader());
 * const armored = (first & 0x80) === 0;
 * @throws {AgentMailError} `decryption_failed` for an empty input, one of only white space, or
 * one with more than {@link MAX_LEADING_SPACE} bytes of it first.
 */
export async function skipLeadingSpace(
  source: ReadableStreamDefaultReader<Uint8Array>,
): Promise<AfterLeadingSpace> {
  // The white space since the last LF; never more than the cap, as the cap refuses first.
  const line = new Uint8Array(MAX_LEADING_SPACE);
  let lineLength = 0;
  let skipped = 0;
  for (;;) {
    const next = await source.read();
    if (next.done) throw nothingThere(skipped);
    const chunk = next.value;
    // Past the cap nothing more needs looking at: scanning stops there even in a huge chunk.
    const end = Math.min(chunk.length, MAX_LEADING_SPACE - skipped + 1);
    let index = 0;
    for (; index < end; index++) {
      const byte = chunk[index] as number;
      if (byte === LF) lineLength = 0;
      else if (isSpace(byte)) line[lineLength++] = byte;
      else break;
    }
    skipped += index;
    if (skipped > MAX_LEADING_SPACE) throw tooMuchSpace();
    if (index === chunk.length) continue;
    const held = [line.slice(0, lineLength), chunk.subarray(index)].filter((part) => part.length);
    return {
      first: chunk[index] as number,
      skipped,
      read: async () => {
        const value = held.shift();
        return value ? { done: false, value } : await source.read();
      },
    };
  }
}

/**
 * {@link skipLeadingSpace} for a whole input: where its first line that is not blank starts (what
 * openpgp.js should be given: blank lines before the armor mean nothing to it), and that line's
 * first byte (or UTF-16 unit) that is not white space.
 *
 * @example
 * const { start, first } = leadingSpaceOf(bytes);
 * const armored = (first & 0x80) === 0;
 * @throws {AgentMailError} as {@link skipLeadingSpace}.
 */
export function leadingSpaceOf(input: Uint8Array | string): {
  start: number;
  first: number;
  skipped: number;
} {
  const at =
    typeof input === "string"
      ? (index: number) => input.charCodeAt(index)
      : (index: number) => input[index] as number;
  const end = Math.min(input.length, MAX_LEADING_SPACE + 1);
  let start = 0;
  for (let index = 0; index < end; index++) {
    const code = at(index);
    if (code === LF) start = index + 1;
    else if (!isSpace(code)) return { start, first: code, skipped: index };
  }
  throw input.length > MAX_LEADING_SPACE ? tooMuchSpace() : nothingThere(input.length);
}

/**
 * The error for binary OpenPGP data after white space (nothing reads it so).
 *
 * @example
 * if (skipped > 0) throw binaryAfterSpace();
 */
export function binaryAfterSpace(): AgentMailError {
  return new AgentMailError({
    code: "decryption_failed",
    message: "binary OpenPGP data must not follow white space: not an OpenPGP message",
  });
}

function isSpace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d);
}

function nothingThere(skipped: number): AgentMailError {
  return new AgentMailError({
    code: "decryption_failed",
    message:
      skipped === 0
        ? "empty input: not an OpenPGP message"
        : "the input is only white space: not an OpenPGP message",
  });
}

function tooMuchSpace(): AgentMailError {
  return new AgentMailError({
    code: "decryption_failed",
    message: `the input starts with more than ${MAX_LEADING_SPACE} bytes of white space: not an OpenPGP message`,
  });
}
