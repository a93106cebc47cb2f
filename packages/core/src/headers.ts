/**
 * The platform's standard headers (spec §2). `timestamp` and `signature` are webhook HTTP
 * headers and never appear in MIME.
 *
 * @example
 * headers[AgentMailHeaders.correlationId] = "corr-123";
 */
export const AgentMailHeaders = {
  encrypted: "X-AgentMail-Encrypted",
  attachments: "X-AgentMail-Attachments",
  correlationId: "X-AgentMail-Correlation-Id",
  idempotencyKey: "X-AgentMail-Idempotency-Key",
  marketplaceRequestId: "X-AgentMail-Marketplace-Request-Id",
  timestamp: "X-AgentMail-Timestamp",
  signature: "X-AgentMail-Signature",
} as const;

/** The name of one of the {@link AgentMailHeaders}. */
export type AgentMailHeaderName = (typeof AgentMailHeaders)[keyof typeof AgentMailHeaders];

/**
 * The value of `X-AgentMail-Encrypted` on a message whose body is one armored OpenPGP message.
 *
 * @example
 * const encrypted = headers[AgentMailHeaders.encrypted] === ENCRYPTED_BODY;
 */
export const ENCRYPTED_BODY = "body";

/**
 * Headers a caller may not set: the SDK or the MIME composer owns them. Compared
 * case-insensitively; any `Content-*` header is owned too, and so is any `Resent-*` header
 * (RFC 5322 §3.6.6: `Resent-Bcc` and `Resent-To` would be shown to every recipient, and
 * `Resent-From` would claim another sender) (see {@link isReservedHeader}).
 */
export const RESERVED_HEADERS: readonly string[] = [
  "From",
  "To",
  "Cc",
  "Bcc",
  "Reply-To",
  "Sender",
  "Subject",
  "Date",
  "Message-ID",
  "MIME-Version",
  "Return-Path",
  ...Object.values(AgentMailHeaders),
];

const RESERVED_LOWER = new Set(RESERVED_HEADERS.map((name) => name.toLowerCase()));

/**
 * True when a caller-supplied header would override one the SDK sets, or is a `Resent-*` field.
 *
 * @example
 * isReservedHeader("content-type"); // true
 * isReservedHeader("Resent-Bcc"); // true
 * isReservedHeader("X-Workflow-Name"); // false
 */
export function isReservedHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return RESERVED_LOWER.has(lower) || lower.startsWith("content-") || lower.startsWith("resent-");
}
