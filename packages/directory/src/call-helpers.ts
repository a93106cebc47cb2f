import { z } from "zod";

/** The options of a call that takes only a signal. @internal */
export const SignalOptionsSchema = z
  .strictObject({ signal: z.instanceof(AbortSignal).optional() })
  .optional();

/**
 * JSON.parse that answers undefined for malformed text, so the schema check reports it.
 *
 * @internal
 * @example
 * const json = parseJson(await response.text());
 */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
