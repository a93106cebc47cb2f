import { AgentMailError, type AgentMailErrorCode } from "@assmbl/core";

/**
 * Wraps an openpgp.js failure in an AgentMailError with `code`, unless it already is one.
 * openpgp.js messages name algorithms and packets, never key material, so they are kept.
 */
export function wrapOpenpgpError(
  cause: unknown,
  code: AgentMailErrorCode,
  context: string,
): AgentMailError {
  if (AgentMailError.is(cause)) return cause;
  const detail = cause instanceof Error ? cause.message : String(cause);
  if (/incorrect key passphrase/i.test(detail)) {
    return new AgentMailError({
      code: "bad_passphrase",
      message: `${context}: the passphrase does not unlock the private key`,
      cause,
    });
  }
  if (/maximum decompressed (message )?size exceeded/i.test(detail))
    return plaintextTooLarge(cause);
  return new AgentMailError({ code, message: `${context}: ${detail}`, cause });
}

/**
 * The error of a decryption that produced (or would decompress to) more plaintext than its budget.
 *
 * @example
 * throw plaintextTooLarge(undefined, 1024);
 */
export function plaintextTooLarge(cause?: unknown, maxPlaintextBytes?: number): AgentMailError {
  const limit =
    maxPlaintextBytes === undefined ? "its plaintext budget" : `${maxPlaintextBytes} bytes`;
  return new AgentMailError({
    code: "plaintext_too_large",
    message: `the message decrypts (or decompresses) to more than ${limit}; no plaintext was released (raise maxPlaintextBytes if it is expected)`,
    ...(cause === undefined ? {} : { cause }),
  });
}
