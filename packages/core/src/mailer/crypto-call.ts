import { AgentMailError } from "../errors.js";

/**
 * Runs one call of the caller's `MailCrypto`: an `AgentMailError` passes through, anything else it
 * throws (a custom implementation's own `Error`) becomes `encryption_failed` with the original as
 * `cause`. Its message is not repeated: an implementation's text may hold what must not be logged.
 *
 * @example
 * const armored = await cryptoCall("encrypting the body", () => crypto.encryptText(text, recipients));
 * @throws {AgentMailError} what the call threw, or `encryption_failed`.
 */
export async function cryptoCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (cause) {
    if (AgentMailError.is(cause)) throw cause;
    const name = cause instanceof Error ? cause.name : typeof cause;
    throw new AgentMailError({
      code: "encryption_failed",
      message: `${what}: the crypto implementation failed (${name}, in error.cause); nothing was sent`,
      cause,
    });
  }
}
