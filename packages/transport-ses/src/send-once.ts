import { classifySesError } from "./errors.js";

/** The part of an AWS SDK v3 command this module uses: its own middleware stack. */
interface CommandLike {
  middlewareStack?: {
    add(middleware: unknown, options: Record<string, unknown>): void;
  };
}

type Next = (args: unknown) => Promise<unknown>;

/**
 * What an attempt threw, hidden from the AWS SDK's own retry strategy: it keeps the original in
 * `failure`, not in `cause`, and has no `code`, `$metadata` or `$retryable`, so the strategy (which
 * looks for `ECONNRESET`, `TimeoutError`, a 5xx status, anywhere down the cause chain) never
 * resends the message. {@link unshield} gives the original back.
 */
class SesAttemptShield extends Error {
  override readonly name = "SesAttemptShield";
  constructor(readonly failure: unknown) {
    super("SES attempt failed after the request may have left; not retried by the SDK client");
  }
}

/**
 * Makes the AWS SDK client's own retry strategy (3 attempts by default) leave a send alone once
 * its request may have reached SES: SES has no idempotency key, and the strategy retries a reset
 * connection, a timeout or a 5xx, each of which can follow an accepted message, so a client with
 * default settings would deliver it twice. A middleware on the command's OWN stack (finalize step,
 * low priority: inside the retry middleware, once per attempt, outside the deserializer so it sees
 * SES's parsed errors) lets through only what provably sent nothing (throttling, a refused
 * connection), which the strategy may retry; everything else is shielded. The caller's client is
 * not modified.
 *
 * @example
 * const command = new SendRawEmailCommand(input);
 * sendOnceUnlessRefused(command, "SendRawEmail");
 * try { await client.send(command); } catch (error) { throw unshield(error); }
 */
export function sendOnceUnlessRefused(command: unknown, operation: string): void {
  const stack = (command as CommandLike | null)?.middlewareStack;
  if (typeof stack?.add !== "function") return;
  const middleware = (next: Next) => async (args: unknown) => {
    try {
      return await next(args);
    } catch (error) {
      const { kind } = classifySesError(error, operation);
      if (kind === "throttled" || kind === "not_sent") throw error;
      throw new SesAttemptShield(error);
    }
  };
  stack.add(middleware, {
    step: "finalizeRequest",
    priority: "low",
    name: "agentmailSendOnceUnlessRefused",
    override: true,
  });
}

/**
 * The error an attempt really threw, shielded or not.
 *
 * @example
 * const original = unshield(caught);
 */
export function unshield(error: unknown): unknown {
  return error instanceof SesAttemptShield ? error.failure : error;
}
