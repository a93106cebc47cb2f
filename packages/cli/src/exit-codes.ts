import { AgentMailError } from "@assmbl/core";

/**
 * The CLI's exit codes.
 *
 * @example
 * process.exitCode = ExitCode.policy; // 1
 */
export const ExitCode = {
  ok: 0,
  /** Refused by policy: no usable key, a revoked key, an encryption or signature refusal. */
  policy: 1,
  /** Usage: bad flags, invalid options or input, a missing setting. */
  usage: 2,
  /** Network or platform: unreachable, timeouts, the platform's errors. */
  platform: 3,
} as const;

// A refusal: sending (or reading) as asked would break the encryption or trust policy.
const POLICY_CODES: ReadonlySet<string> = new Set([
  "crypto_not_configured",
  "html_not_encryptable",
  "attachment_not_encryptable",
  "bcc_with_encrypted_attachment",
  "peer_agent_id_required",
  "peer_missing_openpgp_public_key",
  "peer_key_revoked",
  "peer_key_expired",
  "peer_key_unusable",
  "peer_key_weak",
  "peer_key_changed",
  "pgpy_incompatible_key",
  "key_identity_mismatch",
  "agent_not_found",
  "encryption_failed",
  "decryption_failed",
  "signature_invalid",
  "signature_missing",
  "plaintext_too_large",
  "invalid_webhook_signature",
  "webhook_timestamp_out_of_range",
]);

// The caller's input is wrong: fixing the command line fixes it.
const USAGE_CODES: ReadonlySet<string> = new Set([
  "invalid_options",
  "invalid_message",
  "invalid_address",
  "invalid_agent_id",
  "invalid_header",
  "header_injection",
  "reserved_header",
  "invalid_manifest",
  "invalid_attachment",
  "no_recipients",
  "too_many_recipients",
  "message_too_large",
  "job_too_large",
  "invalid_public_key",
  "invalid_private_key",
  "bad_passphrase",
  "key_too_large",
  "file_write_failed",
]);

/**
 * The exit code of an error: 1 for a policy refusal, 2 for a usage error, 3 for everything the
 * network or the platform answered (and anything unexpected).
 *
 * @example
 * exitCodeOf(new AgentMailError({ code: "peer_key_revoked", message: "..." })); // 1
 */
export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return ExitCode.usage;
  if (!AgentMailError.is(error)) return ExitCode.platform;
  if (POLICY_CODES.has(error.code)) return ExitCode.policy;
  if (USAGE_CODES.has(error.code)) return ExitCode.usage;
  return ExitCode.platform;
}

/**
 * A command-line mistake found by the CLI itself (exit 2, code `invalid_options`).
 *
 * @example
 * throw new UsageError("give --text, --text-file or the body on stdin, not several");
 */
export class UsageError extends AgentMailError {
  constructor(message: string) {
    super({ code: "invalid_options", message });
  }
}

/**
 * The one line printed on stderr for an error: `error [code]: message`. The message of an
 * `AgentMailError` is already redacted of secrets; anything else prints only its message.
 *
 * @example
 * process.stderr.write(errorLine(error)); // "error [peer_key_revoked]: agent x has revoked its key\n"
 */
export function errorLine(error: unknown): string {
  if (AgentMailError.is(error)) return `error [${error.code}]: ${error.message}\n`;
  const message = error instanceof Error ? error.message : String(error);
  return `error [unexpected]: ${message}\n`;
}
