/**
 * Every error code the SDK raises, with its HTTP-like status and whether a retry can succeed.
 *
 * Retry classification lives here and nowhere else: transports and clients ask
 * {@link isRetryableCode} instead of keeping lists of their own. Codes are snake_case, as in the
 * platform's Python SDK.
 */
export const ERROR_CODES = {
  // Input validation: the caller must change the call.
  invalid_options: { status: 400, retryable: false },
  invalid_message: { status: 400, retryable: false },
  invalid_address: { status: 400, retryable: false },
  invalid_agent_id: { status: 400, retryable: false },
  invalid_header: { status: 400, retryable: false },
  header_injection: { status: 400, retryable: false },
  reserved_header: { status: 400, retryable: false },
  invalid_manifest: { status: 400, retryable: false },
  invalid_attachment: { status: 400, retryable: false },
  no_recipients: { status: 400, retryable: false },
  too_many_recipients: { status: 400, retryable: false },
  message_too_large: { status: 413, retryable: false },
  job_too_large: { status: 413, retryable: false }, // an outbox job past its size cap: upload attachments first
  // The message goes out as several copies (Bcc recipients of an encrypted message each get their
  // own): mailer.prepare() cannot return one prepared message for it; prepareCopies() can.
  multiple_copies: { status: 400, retryable: false },
  // Encryption policy: sending would break end-to-end encryption, so nothing is sent.
  crypto_not_configured: { status: 400, retryable: false },
  html_not_encryptable: { status: 400, retryable: false },
  attachment_not_encryptable: { status: 400, retryable: false },
  // An attachment the caller encrypted itself, on a message with Bcc recipients: every copy would
  // carry that one ciphertext, whose key ids name everyone it was encrypted to (Bcc included).
  bcc_with_encrypted_attachment: { status: 400, retryable: false },
  peer_agent_id_required: { status: 400, retryable: false },
  peer_missing_openpgp_public_key: { status: 409, retryable: false },
  peer_key_revoked: { status: 409, retryable: false },
  peer_key_expired: { status: 409, retryable: false },
  peer_key_unusable: { status: 409, retryable: false },
  peer_key_weak: { status: 409, retryable: false },
  peer_key_changed: { status: 409, retryable: false },
  invalid_public_key: { status: 400, retryable: false },
  invalid_private_key: { status: 400, retryable: false },
  key_too_large: { status: 413, retryable: false },
  encryption_failed: { status: 500, retryable: false },
  decryption_failed: { status: 400, retryable: false },
  bad_passphrase: { status: 401, retryable: false },
  signature_invalid: { status: 400, retryable: false },
  signature_missing: { status: 400, retryable: false },
  // A received message decrypts (and decompresses) to more than its plaintext budget: a
  // decompression bomb, or a message larger than the caller allowed. Nothing of it is released.
  plaintext_too_large: { status: 413, retryable: false },
  // A key the Python SDK's OpenPGP library (PGPy 0.6) cannot load, refused before it is published.
  pgpy_incompatible_key: { status: 400, retryable: false },
  // Directory.
  agent_not_found: { status: 404, retryable: false },
  invalid_directory_response: { status: 502, retryable: false },
  directory_unavailable: { status: 503, retryable: true },
  key_version_conflict: { status: 409, retryable: false },
  // Registration: one key belongs to one agent. The key (its SPKI or OpenPGP fingerprint) is
  // already another agent's, or its user ids do not name the registering agent's address.
  key_in_use: { status: 409, retryable: false },
  key_identity_mismatch: { status: 400, retryable: false },
  // HTTP API (spec §5.2).
  invalid_request: { status: 400, retryable: false },
  unauthorized: { status: 401, retryable: false },
  forbidden: { status: 403, retryable: false },
  not_found: { status: 404, retryable: false },
  conflict: { status: 409, retryable: false },
  idempotency_key_reused: { status: 409, retryable: false },
  payload_too_large: { status: 413, retryable: false },
  rate_limited: { status: 429, retryable: true },
  // A marketplace request the buyer's wallet cannot cover (its reservation): nothing was sent.
  insufficient_funds: { status: 402, retryable: false },
  // Usage (a marketplace seller's billing report) on a transport that cannot carry it: direct SES
  // sends are not metered, so it would be lost without a word. Nothing was sent.
  usage_not_metered: { status: 400, retryable: false },
  server_error: { status: 500, retryable: true },
  invalid_response: { status: 502, retryable: false },
  // A peer's answer was longer than the cap for that route (a hostile or broken peer): the
  // connection was aborted and the rest never read. Not retryable: the same peer would answer the same.
  response_too_large: { status: 502, retryable: false },
  network_error: { status: undefined, retryable: true },
  timeout: { status: undefined, retryable: true },
  aborted: { status: undefined, retryable: false },
  upload_failed: { status: undefined, retryable: true },
  attachment_pending: { status: 409, retryable: true },
  attachment_failed: { status: 422, retryable: false },
  // A received attachment too large to hold in memory: read it with `downloadDir` instead.
  attachment_too_large: { status: 413, retryable: false },
  // A received attachment could not be written into `downloadDir` (disk full, no permission):
  // nothing was left under its name.
  file_write_failed: { status: undefined, retryable: false },
  // Webhooks (spec §8).
  invalid_webhook_signature: { status: 401, retryable: false },
  webhook_timestamp_out_of_range: { status: 401, retryable: false },
  // SES.
  throttled: { status: 429, retryable: true },
  message_rejected: { status: 400, retryable: false },
  mail_from_not_verified: { status: 400, retryable: false },
  sending_paused: { status: 403, retryable: false },
  ses_error: { status: 500, retryable: false },
  // A transport failed in a way it could not classify.
  transport_failed: { status: undefined, retryable: false },
  // Some copies of one logical send went out and a later one failed: never retry the whole send
  // (over SES the sent copies would go again; over /send the reused key is refused). The error's
  // body lists what went, what failed (and whether it may have arrived) and what was not tried.
  partially_sent: { status: undefined, retryable: false },
} as const satisfies Record<string, { status: number | undefined; retryable: boolean }>;

/** A documented AgentMail error code. */
export type AgentMailErrorCode = keyof typeof ERROR_CODES;

/**
 * True when `code` is one of the documented codes.
 *
 * @example
 * isAgentMailErrorCode("rate_limited"); // true
 */
export function isAgentMailErrorCode(code: string): code is AgentMailErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}

/**
 * Whether an error with this code (and, for codes the SDK does not know, this HTTP status) can
 * succeed when retried unchanged: rate limits, 5xx, network failures, timeouts.
 *
 * @example
 * isRetryableCode("rate_limited"); // true
 * isRetryableCode("some_new_platform_code", 503); // true: 5xx
 */
export function isRetryableCode(code: string, status?: number): boolean {
  if (isAgentMailErrorCode(code)) return ERROR_CODES[code].retryable;
  return status !== undefined && (status === 429 || status >= 500);
}

/**
 * The code that stands for an HTTP status when a response carries no code of its own.
 *
 * @example
 * codeForStatus(429); // "rate_limited"
 */
export function codeForStatus(status: number): AgentMailErrorCode {
  if (status === 400 || status === 422) return "invalid_request";
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 404) return "not_found";
  if (status === 409) return "conflict";
  if (status === 413) return "payload_too_large";
  if (status === 429) return "rate_limited";
  if (status >= 500) return "server_error";
  return "invalid_response";
}
