import { AgentMailError, ErrorBodySchema } from "@assmbl/core";

/**
 * The API's own "not found": a 404 whose body is an API error `not_found`. A 404 without that
 * body (a proxy's page, a base URL that misses the API) is not the API speaking: it says nothing
 * about the resource, and stays an error wherever "not found" would otherwise mean "gone".
 *
 * @internal
 * @example
 * try { await fetchOne(id); } catch (error) { if (!isApiNotFound(error)) throw error; }
 */
export function isApiNotFound(error: unknown): boolean {
  if (!AgentMailError.is(error, "not_found") || error.status !== 404) return false;
  const body = ErrorBodySchema.safeParse(error.body);
  return body.success && body.data.error === "not_found";
}
