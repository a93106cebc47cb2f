import { AgentMailError } from "@assmbl/core";

// An ISO 8601 date-time as the platform writes it (RFC 3339): `2026-11-30T00:00:00.000Z` or with
// an offset. `new Date` alone takes far more ("1" is 2001-01-01 in V8), so a value that is not a
// timestamp would come back as a date nobody wrote.
const ISO_DATE_TIME =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * A timestamp from the platform (ISO 8601 date and time with a zone) as a `Date`.
 *
 * @internal
 * @example
 * wireDate("2026-11-30T00:00:00.000Z", "trusted peer a created_at");
 * @throws {AgentMailError} `invalid_response` for a value that is not an ISO 8601 date-time.
 */
export function wireDate(value: string, what: string): Date {
  const date = ISO_DATE_TIME.test(value) ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) {
    throw new AgentMailError({
      code: "invalid_response",
      message: `${what} is not an ISO 8601 date-time`,
    });
  }
  return date;
}
