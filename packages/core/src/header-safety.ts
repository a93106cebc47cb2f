import { AgentMailError } from "./errors.js";
import { findLoneSurrogate } from "./well-formed-text.js";

// C0 controls (CR, LF, NUL, TAB, ...), DEL and C1 controls (NEL among them).
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// RFC 5322 field name: printable US-ASCII except ":" (and so no space).
const FIELD_NAME = /^[\u0021-\u0039\u003b-\u007e]+$/;

/**
 * Rejects a header whose name or value could break out of its line (CR, LF, NUL or any other
 * control character) or whose name is not an RFC 5322 field name. Run it on everything that
 * becomes a header: custom headers, subject, addresses, filenames.
 *
 * Non-ASCII values are fine: the MIME composer RFC 2047-encodes them.
 *
 * @example
 * assertSafeHeader("X-Workflow-Name", "nightly-report"); // ok
 * assertSafeHeader("X-Evil", "a\r\nBcc: victim@example.com"); // throws header_injection
 * @throws {AgentMailError} `header_injection` for control characters, `invalid_header` for a
 * name that is empty or has spaces, colons or non-ASCII characters, or a value that is empty,
 * only spaces, or not well-formed UTF-16 (a lone surrogate).
 */
export function assertSafeHeader(name: string, value: string): void {
  if (CONTROL.test(name)) {
    throw new AgentMailError({
      code: "header_injection",
      message: `header name ${JSON.stringify(name)} contains a control character`,
    });
  }
  if (!FIELD_NAME.test(name)) {
    throw new AgentMailError({
      code: "invalid_header",
      message: `header name ${JSON.stringify(name)} is not an RFC 5322 field name (printable ASCII, no ":" or space)`,
    });
  }
  assertSafeHeaderValue(value, `header ${name}`);
  // A lone surrogate has no UTF-8 encoding: an encoder would write U+FFFD (or fail) in its place.
  const lone = findLoneSurrogate(value);
  if (lone) {
    throw new AgentMailError({
      code: "invalid_header",
      message: `header ${name} has a lone surrogate (${lone.unit} at index ${lone.index}), which has no UTF-8 encoding`,
    });
  }
  // RFC 5322 allows an empty unstructured field, but MIME libraries drop or mangle it, so the
  // same message would differ between transports: refuse it where every transport meets.
  if (value.trim() === "") {
    throw new AgentMailError({
      code: "invalid_header",
      message: `header ${name} has an empty value; omit the header instead`,
    });
  }
}

/**
 * Rejects a value bound for a header (subject, display name, filename) that contains a control
 * character. `what` names the field in the error; the value itself is not echoed.
 *
 * @example
 * assertSafeHeaderValue(subject, "subject");
 * @throws {AgentMailError} `header_injection`.
 */
export function assertSafeHeaderValue(value: string, what: string): void {
  const match = CONTROL.exec(value);
  if (match) {
    const char = match[0].charCodeAt(0).toString(16).padStart(4, "0");
    throw new AgentMailError({
      code: "header_injection",
      message: `${what} contains the control character U+${char.toUpperCase()} at offset ${match.index}; CR, LF, NUL and other control characters are not allowed in headers`,
    });
  }
}

/**
 * Whether a header value holds an RFC 2047 encoded-word look-alike: the two characters `=?`
 * **(ours)**. Every encoded word starts with them, and readers decode one wherever they find it
 * (Python's `email` even in the middle of a word, inside a quoted string, in an address, with an
 * unknown charset). Such a value is never written as is: the composer writes subjects, names
 * and custom headers holding it as encoded words, filenames with RFC 2231, the manifest with
 * `=\u003f`; an address holding it is refused (`invalid_address`). Encoded words never carry a
 * literal `=?` (Q writes `=3D`/`=3F`, B has neither), so an encoded value is stable.
 *
 * @example
 * hasEncodedWordLookalike("=?utf-8?b?SW52b2ljZQ==?="); // true
 * hasEncodedWordLookalike("Q3 report"); // false
 */
export function hasEncodedWordLookalike(value: string): boolean {
  return value.includes("=?");
}
