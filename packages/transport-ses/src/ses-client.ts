import {
  AgentMailError,
  AttemptError,
  type RateLimiter,
  type RetryClassification,
  type RetryFailure,
  type Runtime,
  runRetries,
} from "@assmbl/core";
import { SESClient } from "@aws-sdk/client-ses";
import { capResponse, SES_RESPONSE_BYTES } from "./capped-response.js";
import { classifySesError } from "./errors.js";
import { acquireBeforeAttempt, LimiterWaitAborted, limiterWaitAbortedError } from "./rate-limit.js";
import { sendOnceUnlessRefused, unshield } from "./send-once.js";

/**
 * An `SESv2Client` from `@aws-sdk/client-sesv2` (an optional peer dependency), described by
 * shape so that this package's types do not require that package.
 *
 * @example
 * import { SESv2Client } from "@aws-sdk/client-sesv2";
 * const client: SESv2ClientLike = new SESv2Client({ region: "us-east-1" });
 */
export interface SESv2ClientLike {
  readonly config: { readonly serviceId?: string };
  send(...args: never[]): Promise<unknown>;
}

/**
 * Either SES client of the AWS SDK v3.
 *
 * @example
 * const client: SesClient = new SESClient({ region: "us-east-1" });
 */
export type SesClient = SESClient | SESv2ClientLike;

/** Which SES API a client speaks. */
export type SesApi = "v1" | "v2";

/**
 * Tells an `SESClient` (SES v1, `@aws-sdk/client-ses`) from an `SESv2Client` by the
 * `serviceId` in its resolved config, which survives two copies of the SDK in one program
 * (where `instanceof` would not); `instanceof SESClient` is the fallback.
 *
 * @example
 * sesApiOf(new SESClient({ region: "us-east-1" })); // "v1"
 * @throws {AgentMailError} `invalid_options` for anything else.
 */
export function sesApiOf(client: unknown): SesApi {
  const serviceId = (client as { config?: { serviceId?: unknown } } | null)?.config?.serviceId;
  if (serviceId === "SESv2") return "v2";
  if (serviceId === "SES" || client instanceof SESClient) return "v1";
  throw new AgentMailError({
    code: "invalid_options",
    message:
      "client must be an SESClient from @aws-sdk/client-ses or an SESv2Client from @aws-sdk/client-sesv2",
  });
}

/** True when `value` looks like an AWS SDK v3 client (has `send` and `config`). */
export function isClientLike(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { send?: unknown }).send === "function" &&
    typeof (value as { config?: unknown }).config === "object"
  );
}

/** How {@link sendWithRetries} retries and paces. */
export interface RetryPlan {
  /** Attempts in all, the first included (>= 1). */
  maxAttempts: number;
  /** The time budget of the whole send, in ms from its start (none: `maxAttempts` alone). */
  maxElapsedMs?: number | undefined;
  /** Also retry failures after which the message may have been sent (duplicates possible). */
  retryAmbiguous: boolean;
  runtime: Runtime;
  /** Acquired before every attempt, retries included (SES counts each request). */
  rateLimiter?: RateLimiter | undefined;
  signal?: AbortSignal | undefined;
  /** Per attempt: from the request's start to the last byte of SES's answer (ms). */
  timeoutMs: number;
}

/** The per-attempt deadline when none is given: 60 s, from the request to the answer's end. */
export const DEFAULT_SES_TIMEOUT_MS = 60_000;

/**
 * Which failures a send retries, as data for core's retry engine: throttling and a connection
 * that provably sent nothing (`network_error`, see `classifySesError`); with `retryAmbiguous`,
 * also failures after the request may have reached SES (`transport_failed`, `timeout`); without
 * it, no failure the attempt marked ambiguous, whatever its code. Never an SES 5xx, a too-large
 * answer or a refusal: those codes are not listed.
 *
 * @example
 * sesRetryOn(false).codes; // ["throttled", "network_error"]
 */
export function sesRetryOn(retryAmbiguous: boolean): RetryClassification {
  const refused = ["throttled", "network_error"];
  if (retryAmbiguous) return { codes: [...refused, "transport_failed", "timeout"] };
  // A failure after which the request may have reached SES is never retried by its code alone:
  // an error this package did not classify (a wrapping client's own `network_error`) has no
  // outcome, and is ambiguous (see sendWithRetries).
  return { codes: refused, ambiguous: "never" };
}

/** One failed attempt; `ambiguous` when its request may have reached SES. */
type SesFailure = RetryFailure<AgentMailError>;

/**
 * Sends one SES command with core's retry engine: waits for the rate limiter before each attempt
 * (retries included; an abort during that wait is `aborted` with `not_sent`, or `unknown` after an
 * earlier attempt that may have reached SES),
 * calls `client.send`, retries throttling and failures that provably sent nothing with core's
 * full-jitter backoff (200 ms doubling to 5 s; see {@link sesRetryOn}), and maps every failure to
 * an `AgentMailError` (see `classifySesError`) that says what the send did (`outcome`). The
 * client's own retry strategy is kept from resending after a failure that may follow an
 * accepted message (see `sendOnceUnlessRefused`): SES has no idempotency key.
 *
 * Every attempt runs under `plan.timeoutMs` (request sent and answer read, together) and reads
 * SES's answer under {@link SES_RESPONSE_BYTES} (see `capResponse`): a server that never answers
 * or trickles its answer fails with `timeout`, one that answers too much with
 * `response_too_large`. Both come after the request left, so the message may have been sent:
 * a timeout is retried only with `retryAmbiguous`, a too-large answer never.
 *
 * @example
 * const output = await sendWithRetries(client, command, "SendRawEmail", plan);
 * @throws {AgentMailError} `throttled`, `message_rejected`, `mail_from_not_verified`,
 * `sending_paused`, `ses_error`, `network_error`, `transport_failed`, `timeout`,
 * `response_too_large`, `aborted`.
 */
export async function sendWithRetries<T>(
  client: SesClient,
  command: unknown,
  operation: string,
  plan: RetryPlan,
): Promise<T> {
  const send = client.send.bind(client) as (
    command: unknown,
    options?: { abortSignal?: AbortSignal },
  ) => Promise<T>;
  let current: AbortSignal | undefined;
  capResponse(command, { operation, maxBytes: SES_RESPONSE_BYTES, signal: () => current });
  // The client's own retry strategy must not resend what SES may have accepted either.
  sendOnceUnlessRefused(command, operation);
  const { signal } = plan;
  // The unchecked door: the plan comes from options the transport's schema checked, and the
  // check would cost every send ~3 µs (packages/core/bench/retry-validation.mjs).
  return runRetries<T, SesFailure>(
    async ({ attempt, earlierAmbiguous }) => {
      // Inside the attempt, not the engine's `pace`: a limiter's wait is asynchronous (a shared
      // store decides it). An abort here is told apart from one in flight by its type.
      if (plan.rateLimiter) {
        await acquireBeforeAttempt(plan.rateLimiter, signal, earlierAmbiguous, operation);
      }
      const deadline = attemptDeadline(signal, plan.timeoutMs, operation);
      current = deadline.signal;
      try {
        return await send(command, { abortSignal: deadline.signal });
      } catch (shielded) {
        const caught = unshield(shielded);
        if (signal?.aborted) throw caught;
        const { error } = deadline.timedOut()
          ? { error: deadline.error(attempt + 1) }
          : classifySesError(caught, operation, attempt + 1);
        // The first attempt whose request may have reached SES: from then on the message may
        // have been sent, whatever a later attempt says (a retry that gets throttled does not
        // undo it). A failure this package raised while reading SES's answer (too long,
        // unreadable) came after the request left: as ambiguous as a reset.
        const ambiguous = error.outcome === "unknown" || error.outcome === undefined;
        throw new AttemptError({ error, ambiguous });
      } finally {
        deadline.clear();
      }
    },
    {
      policy: {
        retries: plan.maxAttempts - 1,
        maxElapsedMs: plan.maxElapsedMs,
        retryOn: sesRetryOn(plan.retryAmbiguous),
      },
      runtime: plan.runtime,
      signal,
      aborted: (fired, inFlight, thrown) =>
        thrown instanceof LimiterWaitAborted
          ? limiterWaitAbortedError(thrown, operation)
          : inFlight
            ? new AgentMailError({
                code: "aborted",
                message: `SES ${operation} was aborted while the request was in flight; the message may have been sent`,
                outcome: "unknown",
                cause: unshield(thrown),
              })
            : abortedBeforeSending(fired),
      finalize: (error, history) =>
        // An abort mid-request says so itself; everything else is settled over every attempt.
        history.abortedInFlight
          ? error
          : settled(
              error,
              history.ambiguous,
              history.ambiguousAttempt,
              history.attempts,
              operation,
            ),
    },
  );
}

/**
 * The error that ends a send, from every attempt: `unknown` (and not retryable: SES has no
 * idempotency key) once any attempt's request may have reached SES, even when the last attempt
 * was refused plainly (throttled after a retried timeout); the message then says so instead of
 * the last refusal's "nothing was sent". Otherwise the error's own outcome, `not_sent` if it
 * has none.
 */
function settled(
  error: unknown,
  ambiguous: SesFailure | undefined,
  ambiguousAttempt: number | undefined,
  attempts: number,
  operation: string,
): unknown {
  if (!AgentMailError.is(error)) return error;
  if (ambiguous === undefined) {
    return error.outcome === undefined ? withOutcome(error, "not_sent", error.message) : error;
  }
  // The last failure may have gone through itself: its own message says so.
  if (ambiguous.error === error || error.outcome === "unknown" || error.outcome === undefined) {
    return error.outcome === "unknown" && !error.retryable
      ? error
      : withOutcome(error, "unknown", error.message);
  }
  const last = `${error.status === undefined ? "" : `${error.status} `}${error.code}`;
  return withOutcome(
    error,
    "unknown",
    `SES ${operation}: the message may have been sent: attempt ${ambiguousAttempt} of ${attempts} failed after the request left (${ambiguous.error.message}), and the last attempt then failed with ${last}. SES has no idempotency key, so it was not retried further and a retry could deliver it twice`,
  );
}

function withOutcome(
  error: AgentMailError,
  outcome: "not_sent" | "unknown",
  message: string,
): AgentMailError {
  const copy = new AgentMailError({
    code: error.code,
    message,
    ...(error.status === undefined ? {} : { status: error.status }),
    body: error.body,
    // An unknown outcome over SES is never safe to retry: nothing deduplicates the copy.
    retryable: outcome === "unknown" ? false : error.retryable,
    outcome,
    cause: message === error.message ? error.cause : error,
  });
  if (message === error.message && error.stack !== undefined) copy.stack = error.stack;
  return copy;
}

function abortedBeforeSending(signal: AbortSignal): AgentMailError {
  return new AgentMailError({
    code: "aborted",
    message: "the send was aborted; nothing was sent",
    outcome: "not_sent",
    cause: signal.reason,
  });
}

/**
 * One attempt's signal: fires when the caller's does, or after `timeoutMs`. Its reason on a
 * timeout is a plain `AgentMailError` (`timeout`), not a DOM `TimeoutError`: the AWS SDK's own
 * retry treats a `TimeoutError` anywhere in an error's cause chain as transient and would send
 * the message again.
 */
function attemptDeadline(outer: AbortSignal | undefined, timeoutMs: number, operation: string) {
  const controller = new AbortController();
  let timedOut = false;
  const reason = new AgentMailError({
    code: "timeout",
    message: `SES ${operation}: no complete answer within ${timeoutMs} ms`,
  });
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(reason);
  }, timeoutMs);
  const forward = () => controller.abort(outer?.reason);
  if (outer?.aborted) forward();
  else outer?.addEventListener("abort", forward, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    error: (attempt: number) =>
      new AgentMailError({
        code: "timeout",
        message: `SES ${operation}: no complete answer within ${timeoutMs} ms (attempt ${attempt}); the request had left, so the message may have been sent`,
        retryable: false,
        outcome: "unknown",
      }),
    clear() {
      clearTimeout(timer);
      outer?.removeEventListener("abort", forward);
    },
  };
}
