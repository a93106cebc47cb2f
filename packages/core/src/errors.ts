import { z } from "zod";
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

/** Options of {@link AgentMailError.withOutcome}. */
export interface WithOutcomeOptions {
  /** The copy's `retryable`; the original's when absent. */
  retryable?: boolean | undefined;
  /** Make the original error the copy's cause (instead of the original's cause). */
  wrap?: boolean | undefined;
  /** Exact strings to strip from the copy's message, body and cause. */
  secrets?: readonly string[] | undefined;
}

/** The arguments of {@link AgentMailError.withOutcome}, checked. @internal */
export const WithOutcomeSchema = z.strictObject({
  // Any string: an error from a newer copy of this package may carry an outcome this one does
  // not know, and copying it (redacting its cause, say) must not fail on that.
  outcome: z.string().optional(),
  idempotencyKey: z.string().optional(),
  options: z.strictObject({
    retryable: z.boolean().optional(),
    wrap: z.boolean().optional(),
    secrets: z.array(z.string()).readonly().optional(),
  }),
});

// Validated here rather than with validate.ts's parseInput, which imports this module.
function withOutcomeOptions(
  outcome: unknown,
  idempotencyKey: unknown,
  options: unknown,
): WithOutcomeOptions {
  const parsed = WithOutcomeSchema.safeParse({ outcome, idempotencyKey, options });
  if (parsed.success) return parsed.data.options;
  const problems = parsed.error.issues.map((issue) =>
    issue.code === "unrecognized_keys"
      ? `unknown option ${issue.keys.map((key) => `"${key}"`).join(", ")}`
      : `${issue.path.map(String).join(".")} is invalid`,
  );
  throw new AgentMailError({
    code: "invalid_options",
    message: `AgentMailError.withOutcome: ${problems.join("; ")}`,
  });
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
    labelStack(this);
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

  /**
   * A copy of `error` with another `outcome` and `idempotencyKey`: code, message, status, body
   * and `retryable` stay (each passes the constructor again, so redaction applies once more), and
   * so does the cause. The key is not carried over: the copy has exactly the key given (pass
   * `error.idempotencyKey` to keep it). A static, not an instance method, so that it copies an
   * error built by another copy of this package too (which may not have the method).
   *
   * Options: `retryable` overrides the flag; `wrap: true` makes `error` itself the copy's cause
   * (for an error that cannot be completed in place, so the original stays reachable as it was
   * thrown); `secrets` are stripped from the copy as from a new error. The stack is kept unless
   * `wrap` (the cause holds it) or `secrets` (a stack repeats the message as it was, secrets and
   * all).
   *
   * @example
   * throw AgentMailError.withOutcome(error, "not_sent", "idem-42");
   * AgentMailError.withOutcome(frozen, "unknown", undefined, { retryable: false, wrap: true });
   */
  static withOutcome(
    error: AgentMailError,
    outcome: SendOutcome | undefined,
    idempotencyKey?: string | undefined,
    options: WithOutcomeOptions = {},
  ): AgentMailError {
    if (!AgentMailError.is(error)) {
      throw new AgentMailError({
        code: "invalid_options",
        message: "AgentMailError.withOutcome: error must be an AgentMailError",
      });
    }
    const { retryable, wrap, secrets } = withOutcomeOptions(outcome, idempotencyKey, options);
    const copy = new AgentMailError({
      code: error.code,
      message: error.message,
      ...(error.status === undefined ? {} : { status: error.status }),
      body: error.body,
      retryable: retryable ?? error.retryable,
      outcome,
      idempotencyKey,
      cause: wrap ? error : error.cause,
      ...(secrets === undefined ? {} : { secrets }),
    });
    if (!wrap && secrets === undefined && error.stack !== undefined) copy.stack = error.stack;
    return copy;
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

// Bundlers rename a class that refers to itself (esbuild emits `class _AgentMailError`), and Node
// prints an error under its constructor's name: the name is set here, not in the class body,
// because a static `name` in the declarations fails to type-check in consumers targeting < ES2022.
Object.defineProperty(AgentMailError, "name", { value: "AgentMailError" });

/**
 * Puts the code in the stack's first line, `AgentMailError [rate_limited]: slow down` (the form of
 * Node's own coded errors, and of `toString()`): runtimes print an uncaught error, and
 * `console.log` an error, from its stack. Formatting the stack now costs microseconds per error;
 * it holds the message as already redacted. A stack in another runtime's form (no header) is left
 * alone.
 */
function labelStack(error: AgentMailError): void {
  const { name, message, code } = error;
  const stack = error.stack;
  if (typeof stack !== "string") return;
  // V8 writes `Name: ` for an empty message, Error.prototype.toString `Name`.
  for (const header of [`${name}: ${message}`, name]) {
    const rest = stack.slice(header.length);
    if (stack.startsWith(header) && (rest === "" || rest.startsWith("\n"))) {
      error.stack = `${name} [${code}]${message === "" ? "" : `: ${message}`}${rest}`;
      return;
    }
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
    return AgentMailError.withOutcome(cause, cause.outcome, cause.idempotencyKey, { secrets });
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
