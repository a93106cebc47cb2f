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
  return new AgentMailError({ code, message: `${context}: ${detail}`, cause });
}
