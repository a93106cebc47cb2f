import { AgentMailError, fullJitterDelay } from "@assmbl/core";
import { SESClient } from "@aws-sdk/client-ses";
import { capResponse, SES_RESPONSE_BYTES } from "./capped-response.js";
import { classifySesError } from "./errors.js";
import type { Runtime, TokenBucket } from "./retry.js";
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
  /** Also retry failures after which the message may have been sent (duplicates possible). */
  retryAmbiguous: boolean;
  runtime: Runtime;
  bucket?: TokenBucket | undefined;
  signal?: AbortSignal | undefined;
  /** Per attempt: from the request's start to the last byte of SES's answer (ms). */
  timeoutMs: number;
}

/** The per-attempt deadline when none is given: 60 s, from the request to the answer's end. */
export const DEFAULT_SES_TIMEOUT_MS = 60_000;

/**
 * Sends one SES command: waits for the rate limiter, calls `client.send`, retries throttling
 * and failures that provably sent nothing with full-jitter backoff, and maps every failure to
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
  // The first attempt whose request may have reached SES: from then on the message may have been
  // sent, whatever a later attempt says (a retry that gets throttled does not undo it).
  let ambiguous: { attempt: number; error: AgentMailError } | undefined;
  for (let attempt = 1; ; attempt++) {
    const wait = plan.bucket?.reserve() ?? 0;
    if (wait > 0) {
      await plan.runtime.sleep(wait, plan.signal).catch((error: unknown) => {
        throw settled(error, ambiguous, attempt - 1, operation);
      });
    }
    if (plan.signal?.aborted) {
      throw settled(abortedBeforeSending(plan.signal), ambiguous, attempt - 1, operation);
    }
    const deadline = attemptDeadline(plan.signal, plan.timeoutMs, operation);
    current = deadline.signal;
    try {
      return await send(command, { abortSignal: deadline.signal });
    } catch (shielded) {
      const caught = unshield(shielded);
      if (plan.signal?.aborted) {
        throw new AgentMailError({
          code: "aborted",
          message: `SES ${operation} was aborted while the request was in flight; the message may have been sent`,
          outcome: "unknown",
          cause: caught,
        });
      }
      const { kind, error } = deadline.timedOut()
        ? { kind: "ambiguous" as const, error: deadline.error(attempt) }
        : classifySesError(caught, operation, attempt);
      // A failure this package raised while reading SES's answer (too long, unreadable) came
      // after the request left: as ambiguous as a reset.
      const left =
        kind === "ambiguous" || error.outcome === "unknown" || error.outcome === undefined;
      if (left && ambiguous === undefined) ambiguous = { attempt, error };
      const retry =
        kind === "throttled" ||
        kind === "not_sent" ||
        (kind === "ambiguous" && plan.retryAmbiguous);
      if (!retry || attempt >= plan.maxAttempts)
        throw settled(error, ambiguous, attempt, operation);
      await plan.runtime
        .sleep(fullJitterDelay(attempt - 1, plan.runtime.random), plan.signal)
        .catch((sleepError: unknown) => {
          throw settled(sleepError, ambiguous, attempt, operation);
        });
    } finally {
      deadline.clear();
    }
  }
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
  ambiguous: { attempt: number; error: AgentMailError } | undefined,
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
    `SES ${operation}: the message may have been sent: attempt ${ambiguous.attempt} of ${attempts} failed after the request left (${ambiguous.error.message}), and the last attempt then failed with ${last}. SES has no idempotency key, so it was not retried further and a retry could deliver it twice`,
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
