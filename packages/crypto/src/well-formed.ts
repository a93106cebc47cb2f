import { AgentMailError } from "@assmbl/core";

// A UTF-16 code unit D800-DBFF not followed by DC00-DFFF, or DC00-DFFF not preceded by
// D800-DBFF (Node 20 has no String.prototype.isWellFormed).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Refuses text that is not well-formed UTF-16: a lone surrogate has no UTF-8 encoding, so
 * TextEncoder would silently write U+FFFD in its place (and PGPy refuses to encode such text).
 *
 * @example
 * assertWellFormedText(text, "encryptUtf8");
 * @throws {AgentMailError} `invalid_options`, naming the position (never the text).
 */
export function assertWellFormedText(text: string, what: string): void {
  const match = LONE_SURROGATE.exec(text);
  if (!match) return;
  throw new AgentMailError({
    code: "invalid_options",
    message: `${what}: the text has a lone surrogate (U+${(match[0].codePointAt(0) ?? 0).toString(16).toUpperCase()} at index ${match.index}), which has no UTF-8 encoding; pass well-formed text`,
  });
}
