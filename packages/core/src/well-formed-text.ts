import { AgentMailError } from "./errors.js";

// A UTF-16 code unit D800-DBFF not followed by DC00-DFFF, or DC00-DFFF not preceded by
// D800-DBFF (Node 20 has no String.prototype.isWellFormed).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The first lone surrogate in `value` (its code unit and index), or `undefined` when `value` is
 * well-formed UTF-16.
 *
 * @example
 * findLoneSurrogate("a\uD800b"); // { unit: "U+D800", index: 1 }
 */
export function findLoneSurrogate(value: string): { unit: string; index: number } | undefined {
  const match = LONE_SURROGATE.exec(value);
  if (!match) return undefined;
  const unit = `U+${(match[0].codePointAt(0) ?? 0).toString(16).toUpperCase()}`;
  return { unit, index: match.index };
}

/**
 * Refuses a message field that is not well-formed UTF-16. A lone surrogate has no UTF-8
 * encoding: a TextEncoder would silently send U+FFFD in its place, and the Python SDK (PGPy)
 * refuses to encrypt such text.
 *
 * @example
 * assertWellFormedText(message.text, "text");
 * @throws {AgentMailError} `invalid_message`, naming the field and the position (never the text).
 */
export function assertWellFormedText(value: string | undefined, field: string): void {
  if (value === undefined) return;
  const found = findLoneSurrogate(value);
  if (!found) return;
  throw new AgentMailError({
    code: "invalid_message",
    message: `message.${field} has a lone surrogate (${found.unit} at index ${found.index}), which has no UTF-8 encoding; pass well-formed text`,
  });
}
