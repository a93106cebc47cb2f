import type { z } from "zod";
import type { AgentMailErrorCode } from "./error-codes.js";
import { AgentMailError } from "./errors.js";
import { findLoneSurrogate } from "./well-formed-text.js";

/**
 * Parses `input` with a zod schema and turns a failure into an {@link AgentMailError} whose
 * message names every offending path and unknown key, never the values (they may be secrets).
 *
 * Use it at the top of every public function: strict schemas reject unknown options by name.
 * Every string of the parsed input (object keys included, in plain objects and arrays) must be
 * well-formed UTF-16: a lone surrogate has no UTF-8 encoding, so it would otherwise reach the
 * network as U+FFFD, or fail there as something other than an input error.
 *
 * @example
 * const options = parseInput(z.strictObject({ baseUrl: z.url() }), input, "createDirectory options");
 * @throws {AgentMailError} `invalid_options` (or the `code` given) when `input` does not match
 * or holds a lone surrogate (the message names the field and the position, never the text).
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what: string,
  code: AgentMailErrorCode = "invalid_options",
): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) {
    const lone = loneSurrogateIn(result.data, what, 0);
    if (lone) {
      throw new AgentMailError({
        code,
        message: `${lone}, which has no UTF-8 encoding; pass well-formed text`,
      });
    }
    return result.data;
  }
  throw new AgentMailError({ code, message: `${what}: ${describeIssues(result.error.issues)}` });
}

/**
 * One line per zod issue, naming paths and unknown keys, e.g.
 * `unknown option "fromm"; mailDomain is invalid (expected string, received number)`.
 *
 * @example
 * describeIssues(error.issues);
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const path = issue.path.map(String).join(".");
      if (issue.code === "unrecognized_keys") {
        const keys = issue.keys.map((key) => `"${path ? `${path}.` : ""}${key}"`).join(", ");
        return `unknown option${issue.keys.length > 1 ? "s" : ""} ${keys}`;
      }
      // "<path> is invalid (<why>)", not "<path>: <why>": redaction treats "token: x" as a secret.
      return `${path || "the input"} is invalid (${issue.message.replace(/^Invalid input: /, "")})`;
    })
    .join("; ");
}

// Deep enough for every options object and message of this SDK; deeper values are not walked.
const MAX_DEPTH = 8;

// Where the first lone surrogate of a parsed input is, as "<path> has a lone surrogate (U+D800
// at index 3)". Only plain objects and arrays are walked: bytes, streams, signals and key
// objects are not text.
function loneSurrogateIn(value: unknown, path: string, depth: number): string | undefined {
  const at = (found: { unit: string; index: number }) => `${found.unit} at index ${found.index}`;
  if (typeof value === "string") {
    const found = findLoneSurrogate(value);
    return found ? `${path} has a lone surrogate (${at(found)})` : undefined;
  }
  if (depth > MAX_DEPTH || value === null || typeof value !== "object") return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = loneSurrogateIn(value[i], `${path}[${i}]`, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const keyFound = findLoneSurrogate(key);
    if (keyFound) return `a key of ${path} has a lone surrogate (${at(keyFound)})`;
    const found = loneSurrogateIn(item, `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}
