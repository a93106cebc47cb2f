import {
  AgentMailError,
  type AgentMailErrorCode,
  describeNetworkFailure,
  networkFailure,
} from "@assmbl/core";

/** How a failed SES call is handled. */
export type FailureKind =
  /** SES refused for rate: retried with backoff, then `throttled`. */
  | "throttled"
  /** The request never left (connection refused, DNS): safe to retry, then `network_error`. */
  | "not_sent"
  /** The request may have reached SES: never retried unless asked, `transport_failed`. */
  | "ambiguous"
  /** SES answered with an error that a retry cannot fix. */
  | "final";

/** An SES failure, classified, with the error to throw when no retry is left. */
export interface ClassifiedFailure {
  kind: FailureKind;
  error: AgentMailError;
}

interface ServiceErrorShape {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown; requestId?: unknown; extendedRequestId?: unknown };
}

const THROTTLING_NAMES = new Set(["Throttling", "ThrottlingException", "TooManyRequestsException"]);
const PAUSED_NAMES = new Set([
  "AccountSendingPausedException",
  "ConfigurationSetSendingPausedException",
  "SendingPausedException",
  "AccountSuspendedException",
]);

/**
 * Classifies what an AWS SDK v3 SES or SESv2 client threw and builds the `AgentMailError` for
 * it, naming SES's error code and request id (`$metadata.requestId`):
 *
 * | SES says | code | retried |
 * |---|---|---|
 * | `Throttling`, `ThrottlingException`, `TooManyRequestsException`, HTTP 429, "Maximum sending rate exceeded" | `throttled` | yes, with backoff |
 * | "Daily message quota exceeded" | `ses_error` | no: waiting seconds does not help |
 * | `MessageRejected` | `message_rejected` (`mail_from_not_verified` when it says "Email address is not verified") | no |
 * | `MailFromDomainNotVerifiedException` (any `...NotVerified...` error) | `mail_from_not_verified` | no |
 * | `AccountSendingPausedException`, `ConfigurationSetSendingPausedException`, `SendingPausedException`, `AccountSuspendedException` | `sending_paused` | no |
 * | any other service error | `ses_error` | no |
 * | connection refused, DNS failure (nothing left this machine: core's `networkFailure` says `sent: "no"`) | `network_error` | yes |
 * | any other failure (reset, timeout, ...) | `transport_failed`: "the message may have been sent" | no |
 *
 * Every error says what the send did (`outcome`): `not_sent` for throttling, a refused
 * connection, missing credentials and any 4xx (SES validates before it accepts a message);
 * `unknown`, and never retryable, for a failure after the request left (reset, timeout) and for
 * an SES 5xx (`InternalFailure`, `ServiceUnavailable`: SES documents no guarantee that nothing
 * was accepted, and it has no idempotency key to make a retry safe).
 *
 * @example
 * const { kind, error } = classifySesError(caught, "SendRawEmail");
 * if (kind !== "throttled") throw error;
 */
export function classifySesError(
  caught: unknown,
  operation: string,
  attempts = 1,
): ClassifiedFailure {
  if (AgentMailError.is(caught)) return { kind: "final", error: caught };
  const shape = (typeof caught === "object" && caught !== null ? caught : {}) as ServiceErrorShape;
  const name = typeof shape.name === "string" ? shape.name : "Error";
  const text = typeof shape.message === "string" ? shape.message : String(caught);
  const status =
    typeof shape.$metadata?.httpStatusCode === "number"
      ? shape.$metadata.httpStatusCode
      : undefined;
  const requestId =
    typeof shape.$metadata?.requestId === "string" ? shape.$metadata.requestId : undefined;
  const isServiceError = status !== undefined || shape.$fault !== undefined;

  const tries = attempts === 1 ? "1 attempt" : `${attempts} attempts`;
  if (!isServiceError) return classifyLocal(caught, name, text, operation, tries);

  // Over SES a 5xx may come after SES accepted the message, and nothing makes a retry safe.
  const serverSide = status !== undefined ? status >= 500 : shape.$fault === "server";
  const make = (code: AgentMailErrorCode, what: string, retryable?: boolean) =>
    new AgentMailError({
      code,
      message: `SES ${operation} failed: ${what} (${name}: ${text}; request id ${requestId ?? "none"})`,
      ...(status === undefined ? {} : { status }),
      body: { sesError: name, sesMessage: text, requestId: requestId ?? null, operation },
      ...(retryable === undefined ? {} : { retryable }),
      outcome: serverSide && code !== "throttled" ? "unknown" : "not_sent",
      cause: caught,
    });

  if (/daily message quota exceeded/i.test(text)) {
    return {
      kind: "final",
      error: make("ses_error", "the account's sending quota is used up; nothing was sent"),
    };
  }
  if (THROTTLING_NAMES.has(name) || status === 429 || /maximum sending rate exceeded/i.test(text)) {
    return {
      kind: "throttled",
      error: make("throttled", `SES throttled the request (${tries}); nothing was sent`),
    };
  }
  if (/NotVerified/.test(name) || /\bnot verified\b/i.test(text)) {
    return {
      kind: "final",
      error: make("mail_from_not_verified", "the sending identity is not verified in SES"),
    };
  }
  if (name === "MessageRejected") {
    return { kind: "final", error: make("message_rejected", "SES rejected the message") };
  }
  if (PAUSED_NAMES.has(name)) {
    return {
      kind: "final",
      error: make("sending_paused", "sending is paused for this account or configuration set"),
    };
  }
  if (serverSide) {
    return {
      kind: "final",
      error: make(
        "ses_error",
        "SES answered with a server error, which does not say that it did not accept the message; the message may have been sent, so it was not retried (SES has no idempotency key: a retry could deliver it twice)",
        false,
      ),
    };
  }
  return { kind: "final", error: make("ses_error", "SES returned an error; nothing was sent") };
}

function classifyLocal(
  caught: unknown,
  name: string,
  text: string,
  operation: string,
  tries: string,
): ClassifiedFailure {
  const code = (caught as { code?: unknown }).code;
  // Core's one network classification: a refusal anywhere down the cause chain sent nothing.
  const network = networkFailure(caught);
  if (network?.sent === "no") {
    return {
      kind: "not_sent",
      error: new AgentMailError({
        code: "network_error",
        // The peer (host:port, from the socket error the AWS SDK's handler throws) and the cause
        // code, in core's one wording for every transport.
        message: `SES ${operation}: ${describeNetworkFailure(caught)} after ${tries}; nothing was sent`,
        outcome: "not_sent",
        cause: caught,
      }),
    };
  }
  if (name === "CredentialsProviderError") {
    return {
      kind: "final",
      error: new AgentMailError({
        code: "ses_error",
        message: `SES ${operation}: the SES client found no AWS credentials (${text}); nothing was sent`,
        outcome: "not_sent",
        cause: caught,
      }),
    };
  }
  const label = typeof code === "string" ? `${name} ${code}` : name;
  // A network failure names the peer and the cause code; anything else, SES's error name.
  const what = network ? `${describeNetworkFailure(caught)}: ${text}` : `${label}: ${text}`;
  return {
    kind: "ambiguous",
    error: new AgentMailError({
      code: "transport_failed",
      message: `SES ${operation} failed after the request may have left (${what}); the message may have been sent, so it was not retried (retrying could deliver it twice)`,
      outcome: "unknown",
      retryable: false,
      cause: caught,
    }),
  };
}
