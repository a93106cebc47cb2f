import { AgentMailError } from "../errors.js";

/**
 * Fails with `aborted` when the caller's signal fired: checked between pipeline steps, so an
 * abort before the transport is called sends nothing.
 *
 * @example
 * throwIfAborted(signal); // before each step that does I/O
 * @throws {AgentMailError} `aborted`.
 */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new AgentMailError({
      code: "aborted",
      message: "the send was aborted; nothing was sent",
      cause: signal.reason,
    });
  }
}
