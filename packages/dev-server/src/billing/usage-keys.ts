// A `/send` body's `usage.custom_units` is a record of unit names: JSON.parse makes `"__proto__"`
// an own key there, and validation (assigning it to a fresh object) then drops it without a
// word. The dev server refuses it instead, while the parsed body still has it.
import { HttpProblem } from "../http/problem.js";

/**
 * Refuses a `/send` body whose `usage.custom_units` names a unit `__proto__`: call it on the
 * body as `JSON.parse` made it, before validation.
 *
 * @example
 * refuseProtoUnits(JSON.parse('{"usage":{"custom_units":{"__proto__":7}}}')); // throws a 400
 * @throws {HttpProblem} 400 `invalid_request` naming the field.
 */
export function refuseProtoUnits(body: unknown): void {
  const usage = ownObject(body, "usage");
  const units = usage && ownObject(usage, "custom_units");
  if (units && Object.hasOwn(units, "__proto__")) {
    throw new HttpProblem(
      "invalid_request",
      "send request: usage.custom_units: __proto__ is not allowed as a unit name",
    );
  }
}

function ownObject(value: unknown, key: string): object | undefined {
  if (value === null || typeof value !== "object" || !Object.hasOwn(value, key)) return undefined;
  const member: unknown = (value as Record<string, unknown>)[key];
  return member !== null && typeof member === "object" ? member : undefined;
}
