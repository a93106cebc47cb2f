export {
  agentIdFor,
  distinctAddresses,
  formatAddress,
  type Mailbox,
  normalizeAgentId,
  parseAddress,
} from "./address.js";
export {
  abortableSleep,
  type BackoffOptions,
  fullJitterDelay,
  parseRetryAfter,
} from "./backoff.js";
export {
  type AttachmentContent,
  concatBytes,
  guardArmored,
  isArmoredMessage,
  isAsyncIterable,
  isAttachmentContent,
  isReadableStream,
  toAttachmentBytes,
} from "./bytes.js";
export {
  armoredMessageProblem,
  type CiphertextExpectations,
  guardCiphertext,
} from "./ciphertext-guard.js";
export { decodeHeaderWords } from "./encoded-words.js";
export {
  type AgentMailErrorCode,
  codeForStatus,
  ERROR_CODES,
  isAgentMailErrorCode,
  isRetryableCode,
} from "./error-codes.js";
export {
  AgentMailError,
  type AgentMailErrorInit,
  type SendOutcome,
  type WithOutcomeOptions,
} from "./errors.js";
export {
  assertSafeHeader,
  assertSafeHeaderValue,
  hasEncodedWordLookalike,
} from "./header-safety.js";
export {
  type AgentMailHeaderName,
  AgentMailHeaders,
  ENCRYPTED_BODY,
  isReservedHeader,
  RESERVED_HEADERS,
} from "./headers.js";
export type { KeyDirectory, KeyLookupOptions } from "./key-directory.js";
export { Limits } from "./limits.js";
export type {
  DecryptedBytes,
  DecryptedInto,
  DecryptedText,
  DecryptOptions,
  EncryptAttachmentOptions,
  EncryptionRecipient,
  EncryptOptions,
  MailCrypto,
  MailDecryptor,
  SignatureVerification,
} from "./mail-crypto.js";
export { createMailer, type Mailer } from "./mailer/create-mailer.js";
export type {
  Attachment,
  ContentAttachment,
  CopyKind,
  EncryptionRequest,
  FailedCopy,
  MailerOptions,
  MailMessage,
  MailUsage,
  MarketplaceRequestMessage,
  MarketplaceResponseMessage,
  MarketplaceSendResult,
  PartiallySentBody,
  PreparedCopy,
  RecipientReport,
  SendOptions,
  SendResult,
  SentCopy,
  StoredAttachment,
} from "./mailer/types.js";
export { decodeManifest, encodeManifest, MANIFEST_HEADER_MAX_LENGTH } from "./manifest.js";
export { type PublicKeyIdentity, publicKeyIdentity } from "./openpgp/key-identity.js";
export { publicKeyBlockProblem } from "./openpgp/public-key-block.js";
export type { ReadResult } from "./openpgp/result.js";
export { DOMAIN_NAME_PATTERN, MEDIA_TYPE_PATTERN } from "./patterns.js";
export { type PgpyKeyProblemsOptions, pgpyKeyProblems } from "./pgpy-compat.js";
export { assertSafeMailbox } from "./prepared-checks.js";
export {
  assertPrepared,
  isValidatedPrepared,
  validatePreparedMessage,
} from "./prepared-message.js";
export {
  type LocalRateLimiterOptions,
  localRateLimiter,
  type RateLimiter,
  type RateLimiterAcquireOptions,
  SendRateSchema,
} from "./rate-limiter.js";
export { type ReadBodyOptions, readBodyCapped, readTextCapped } from "./read-body.js";
export { redact, redactValue } from "./redact.js";
export {
  isRetryableFailure,
  RETRY_RETRYABLE_ERRORS,
  type RetryClassification,
  type RetryFailure,
} from "./retry/classification.js";
export { type RunWithRetriesOptions, runRetries, runWithRetries } from "./retry/engine.js";
export {
  HTTP_RETRY_BASE_DELAY_MS,
  type HttpRetryLimits,
  httpRetryPolicy,
} from "./retry/http-retry-limits.js";
export { describeNetworkFailure, hostOf } from "./retry/network-description.js";
export {
  errorChain,
  isNetworkError,
  isTimeoutError,
  MAYBE_SENT_NETWORK_CODES,
  type NetworkFailure,
  NOT_SENT_NETWORK_CODES,
  networkErrorCode,
  networkFailure,
} from "./retry/network-errors.js";
export {
  type AttemptContext,
  AttemptError,
  type AttemptHistory,
  type RetryPolicy,
  retryDelay,
} from "./retry/policy.js";
export { abortedError, type Runtime, realRuntime } from "./retry/runtime.js";
export {
  RetryClassificationSchema,
  RetryFailureSchema,
  RetryPolicySchema,
  RuntimeSchema,
  RunWithRetriesOptionsSchema,
} from "./retry/schemas.js";
export {
  authorizationHeader,
  EnvVars,
  ResponseHeaders,
  type RouteDefinition,
  type RouteName,
  type RoutePathParams,
  Routes,
  routePath,
} from "./routes.js";
export * from "./schemas/account.js";
export * from "./schemas/billing.js";
export * from "./schemas/common.js";
export * from "./schemas/connection.js";
export * from "./schemas/directory.js";
export * from "./schemas/inbox.js";
export * from "./schemas/manifest.js";
export * from "./schemas/send.js";
export * from "./schemas/webhook.js";
export {
  type AttachmentBytes,
  type MailTransport,
  mimeHeaders,
  type PreparedAttachment,
  type PreparedMessage,
  type SendBilling,
  type TransportResult,
  type TransportSendOptions,
  withManifestRows,
} from "./transport.js";
export { cancelLateBody, untilAborted } from "./until-aborted.js";
export { userIdAddress } from "./user-id-address.js";
export { describeIssues, parseInput } from "./validate.js";
