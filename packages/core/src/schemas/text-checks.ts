// Checks shared by the account and billing schemas: text that names something (an id, a unit, a
// URL) must not carry characters a terminal, a log line or a header would act on.
import { z } from "zod";

// C0, DEL and C1 controls, the line and paragraph separators, and the bidi embeddings, overrides
// and isolates: what cleanText replaces in display text. An id holding one is refused instead:
// cleaning would make it another id.
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
const UNSAFE_IN_NAMES = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/**
 * Whether `value` has no control, separator or bidi-control character.
 *
 * @example
 * hasNoControlCharacters("mkt_1"); // true
 * hasNoControlCharacters("a\r\nb"); // false
 */
export function hasNoControlCharacters(value: string): boolean {
  return !UNSAFE_IN_NAMES.test(value);
}

/**
 * A name-like string (an id, a unit name): 1 to `max` characters, none of them control, separator
 * or bidi-control characters.
 *
 * @example
 * nameField(256).parse("mkt_1");
 */
export function nameField(max: number) {
  return z
    .string()
    .min(1)
    .max(max)
    .refine(hasNoControlCharacters, "expected no control, line-separator or bidi characters");
}

/**
 * An http(s) URL of at most 2 KiB, checked on the raw string first: the WHATWG parser drops tabs
 * and newlines anywhere and C0 controls and spaces at either end, so `https://a.example/\r\nX: y`
 * would pass a parsed check while the raw string, the one sent and stored, carries the CRLF.
 * `credentials: false` also refuses a user name or password in the URL.
 *
 * @example
 * httpUrlField({ credentials: false }).parse("https://agent.example.com/hooks/mail");
 */
export function httpUrlField(options: { credentials: boolean }) {
  return z
    .string()
    .max(2048)
    .refine(
      (value) => hasNoControlCharacters(value) && value.trim() === value,
      "expected a URL without control characters or surrounding spaces",
    )
    .refine(
      (value) => {
        try {
          const url = new URL(value);
          if (url.protocol !== "https:" && url.protocol !== "http:") return false;
          return options.credentials || (url.username === "" && url.password === "");
        } catch {
          return false;
        }
      },
      `expected an http(s) URL${options.credentials ? "" : " without credentials"}`,
    );
}
