import { parseInput } from "@assmbl/core";
import { SignalOptionsSchema } from "./options.js";

/**
 * Per-call options.
 *
 * @example
 * await client.listInbox({}, { signal: AbortSignal.timeout(5_000) });
 */
export interface CallOptions {
  signal?: AbortSignal | undefined;
}

/**
 * The signal of a call's options, validated (`invalid_options` names the call).
 *
 * @internal
 * @example
 * const signal = signalOf(callOptions, "listInbox");
 * @throws {AgentMailError} `invalid_options`.
 */
export function signalOf(callOptions: unknown, what: string): AbortSignal | undefined {
  return parseInput(SignalOptionsSchema, callOptions, `${what} options`)?.signal;
}
