import type { z } from "zod";
import type { AgentMailErrorCode } from "./error-codes.js";
import { AgentMailError } from "./errors.js";

/**
 * Parses `input` with a zod schema and turns a failure into an {@link AgentMailError} whose
 * message names every offending path and unknown key, never the values (they may be secrets).
 *
 * Use it at the top of every public function: strict schemas reject unknown options by name.
 *
 * @example
 * const options = parseInput(z.strictObject({ baseUrl: z.url() }), input, "createDirectory options");
 * @throws {AgentMailError} `invalid_options` (or the `code` given) when `input` does not match.
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what: string,
  code: AgentMailErrorCode = "invalid_options",
): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
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
