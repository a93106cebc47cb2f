import {
  type AgentMailErrorCode,
  codeForStatus,
  ERROR_CODES,
  isAgentMailErrorCode,
  isRetryableCode,
} from "./error-codes.js";
import { redact, redactValue } from "./redact.js";

// A registry symbol, so that two copies of this package recognise each other's errors.
const MARKER = Symbol.for("@assmbl/core.AgentMailError");

/**
 * What a failed send did, as far as the SDK can tell (see {@link AgentMailError.outcome}):
 *
 * - `not_sent`: nothing of it reached the provider (refused by validation, a key lookup or
 *   encryption, a connection that never opened, or an answer that says nothing was done: 4xx,
 *   429, 503). Retrying is exactly as safe as the first try.
 * - `unknown`: some attempt's request was sent (whole or in part) and its answer was lost, timed
 *   out, or was a 5xx other than 503: the provider may have committed it, even if a later
 *   attempt was refused plainly (the outcome is the worst over all attempts). Retry only with
 *   `error.idempotencyKey`, and only when `error.retryable` says the transport deduplicates on
 *   it (the AgentMail API does; SES has no idempotency key, so there `retryable` is false).
 * - `sent`: the provider has the send, or part of it (`partially_sent`, or
 *   `idempotency_key_reused` on a retry: the first request under that key was committed). Do not
 *   send it again whole.
 *
 * @example
 * const outcome: SendOutcome = "unknown";
 */
export type SendOutcome = "not_sent" | "unknown" | "sent";

/** What an {@link AgentMailError} is made from. */
export interface AgentMailErrorInit {
  /** A documented code, or a code a server sent that this SDK version does not know yet. */
  code: AgentMailErrorCode | (string & {});
  /** Human-readable; say what to fix. Secrets are redacted from it. */
  message: string;
  /** HTTP status, or the HTTP-like status of the code (e.g. 409 for a peer without a key). */
  status?: number;
  /** The response body or other detail, redacted of secrets. */
  body?: unknown;
  /** Overrides the retry classification of the code. */
  retryable?: boolean;
  /** The underlying error. */
  cause?: unknown;
  /** Exact strings (tokens, passphrases) to strip from message, body and cause. */
  secrets?: readonly string[];
  /** For an error of a send: what the send did (see {@link SendOutcome}). */
  outcome?: SendOutcome | undefined;
  /** For an error of a send: the idempotency key its attempts carried, to retry with. */
  idempotencyKey?: string | undefined;
}

/**
 * The one error type of the SDK. `code` says what went wrong in a form code can branch on;
 * `retryable` says whether the same call can succeed later.
 *
 * Recognise it with {@link AgentMailError.is} (or `instanceof`): both work across two copies of
 * the package in one program. Its message, `body`, `toJSON()` and `toString()` never contain
 * tokens, passphrases or private keys.
 *
 * Every error `mailer.send` throws also says what the send did: `outcome` (`not_sent`,
 * `unknown`, `sent`; see {@link SendOutcome}) and `idempotencyKey`, the key its attempts carried.
 * When `outcome` is `unknown`, `retryable` is true only if a retry under that same key cannot
 * deliver twice (the AgentMail API answers a repeat from its record): retry with
 * `error.idempotencyKey`, never without it.
 *
 * @example
 * try {
 *   await mailer.send(message);
 * } catch (error) {
 *   if (AgentMailError.is(error) && error.outcome === "unknown" && error.retryable) {
 *     await mailer.send({ ...message, idempotencyKey: error.idempotencyKey });
 *   } else if (AgentMailError.is(error, "peer_missing_openpgp_public_key")) {
 *     // ask the peer to register a key; nothing was sent (error.outcome === "not_sent")
 *   }
 * }
 */
export class AgentMailError extends Error {
  override readonly name = "AgentMailError";
  readonly code: AgentMailErrorCode | (string & {});
  readonly status: number | undefined;
  readonly body: unknown;
  readonly retryable: boolean;
  /**
   * What the send did, on every error `mailer.send` (or a transport's `send`) throws; `undefined`
   * on errors of other operations (reads, lookups). See {@link SendOutcome}.
   */
  readonly outcome: SendOutcome | undefined;
  /** The idempotency key the send's attempts carried: retry an `unknown` outcome with it. */
  readonly idempotencyKey: string | undefined;

  constructor(init: AgentMailErrorInit) {
    const secrets = init.secrets ?? [];
    super(
      redact(init.message, secrets),
      init.cause === undefined ? undefined : { cause: sanitizeCause(init.cause, secrets) },
    );
    this.code = safeCode(init.code, init.status, secrets);
    this.status =
      init.status ?? (isAgentMailErrorCode(this.code) ? ERROR_CODES[this.code].status : undefined);
    this.body = init.body === undefined ? undefined : redactValue(init.body, secrets);
    this.retryable = init.retryable ?? isRetryableCode(this.code, this.status);
    this.outcome = init.outcome;
    this.idempotencyKey = init.idempotencyKey;
    Object.defineProperty(this, MARKER, { value: true, enumerable: false });
  }

  /**
   * True for an `AgentMailError` from any copy of this package.
   *
   * @example
   * if (AgentMailError.is(error, "rate_limited")) await sleep(1000);
   */
  static is(value: unknown, code?: AgentMailErrorCode | (string & {})): value is AgentMailError {
    if (typeof value !== "object" || value === null) return false;
    if ((value as Record<symbol, unknown>)[MARKER] !== true) return false;
    return code === undefined || (value as AgentMailError).code === code;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    // The base class recognises every copy; subclasses keep the ordinary prototype check.
    // biome-ignore lint/complexity/noThisInStatic: `this` is the subclass being tested against.
    if (this !== AgentMailError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return AgentMailError.is(value);
  }

  /** A plain, redacted view for logs. */
  toJSON(): {
    name: string;
    code: string;
    message: string;
    status?: number;
    retryable: boolean;
    outcome?: SendOutcome;
    idempotencyKey?: string;
    body?: unknown;
  } {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.status === undefined ? {} : { status: this.status }),
      retryable: this.retryable,
      ...(this.outcome === undefined ? {} : { outcome: this.outcome }),
      ...(this.idempotencyKey === undefined ? {} : { idempotencyKey: this.idempotencyKey }),
      ...(this.body === undefined ? {} : { body: this.body }),
    };
  }

  override toString(): string {
    return `${this.name} [${this.code}]: ${this.message}`;
  }
}

/**
 * `code` is the one field never redacted (code branches on it): one that is not a string, or that
 * redaction would change (a secret, or an echo of one, passed on from a server), is replaced by
 * the code of the status.
 */
function safeCode(
  code: unknown,
  status: number | undefined,
  secrets: readonly string[],
): AgentMailErrorCode | (string & {}) {
  if (typeof code === "string" && code.length > 0 && redact(code, secrets) === code) return code;
  return status === undefined ? "invalid_response" : codeForStatus(status);
}

/**
 * Keeps a cause's type and message for debugging while stripping secrets: a foreign error may
 * carry a request with an `Authorization` header, so only name, message and code survive.
 */
function sanitizeCause(cause: unknown, secrets: readonly string[]): unknown {
  if (AgentMailError.is(cause)) {
    if (secrets.length === 0) return cause;
    return new AgentMailError({
      code: cause.code,
      message: cause.message,
      ...(cause.status === undefined ? {} : { status: cause.status }),
      body: cause.body,
      retryable: cause.retryable,
      outcome: cause.outcome,
      idempotencyKey: cause.idempotencyKey,
      cause: cause.cause,
      secrets,
    });
  }
  if (cause instanceof Error) {
    const copy = new Error(redact(cause.message, secrets));
    copy.name = cause.name;
    const code = (cause as { code?: unknown }).code;
    if (typeof code === "string") Object.assign(copy, { code });
    return copy;
  }
  return redactValue(cause, secrets);
}
