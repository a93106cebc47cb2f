import { AgentMailError } from "@assmbl/core";

/**
 * A timestamp from the platform as a `Date`.
 *
 * @internal
 * @example
 * wireDate("2026-11-30T00:00:00.000Z", "trusted peer a created_at");
 * @throws {AgentMailError} `invalid_response` for a value that is not a date.
 */
export function wireDate(value: string, what: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new AgentMailError({ code: "invalid_response", message: `${what} is not a date` });
  }
  return date;
}
