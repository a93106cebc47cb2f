import { randomUUID } from "node:crypto";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** The XML namespace of every SES v1 (query API) response. */
export const SES_V1_NAMESPACE = "http://ses.amazonaws.com/doc/2010-12-01/";

/**
 * Everything the SES endpoint refuses, with the code and status each API answers: v1 as
 * `<ErrorResponse><Error><Code>`, v2 as the `x-amzn-ErrorType` header. The AWS SDK v3 turns the
 * code into the exception's `name` (a modelled class such as `MessageRejected` where the service
 * model has one, else a generic `SESServiceException` / `SESv2ServiceException` with that name).
 *
 * Real SES answers `InvalidParameterValue` "Message length is more than 10485760 bytes long" and
 * "Recipient count exceeds 50." on v1. Its v2 answers for the same limits are not documented; ours
 * are `MessageRejected` (size) and `BadRequestException` (recipients).
 */
export const SES_ERRORS = {
  missingAuthentication: {
    v1: ["MissingAuthenticationToken", 403],
    v2: ["MissingAuthenticationTokenException", 403],
  },
  incompleteSignature: {
    v1: ["IncompleteSignature", 400],
    v2: ["IncompleteSignatureException", 400],
  },
  // AWS's answers to an unknown access key and to a bad or stale signature (v2 is a REST-JSON
  // service, which names them as its other REST-JSON services do).
  invalidClientToken: {
    v1: ["InvalidClientTokenId", 403],
    v2: ["UnrecognizedClientException", 403],
  },
  signatureMismatch: {
    v1: ["SignatureDoesNotMatch", 403],
    v2: ["InvalidSignatureException", 403],
  },
  // SES's answer to a From / Source identity the caller may not send as.
  messageRejected: { v1: ["MessageRejected", 400], v2: ["MessageRejected", 400] },
  invalidParameter: { v1: ["InvalidParameterValue", 400], v2: ["BadRequestException", 400] },
  missingParameter: { v1: ["ValidationError", 400], v2: ["BadRequestException", 400] },
  messageTooLarge: { v1: ["InvalidParameterValue", 400], v2: ["MessageRejected", 400] },
  tooManyRecipients: { v1: ["InvalidParameterValue", 400], v2: ["BadRequestException", 400] },
  unknownOperation: { v1: ["InvalidAction", 400], v2: ["UnknownOperationException", 404] },
  missingAction: { v1: ["MissingAction", 400], v2: ["UnknownOperationException", 404] },
  noSuchVersion: { v1: ["NoSuchVersion", 400], v2: ["BadRequestException", 400] },
  requestTooLarge: {
    v1: ["RequestEntityTooLarge", 413],
    v2: ["RequestEntityTooLargeException", 413],
  },
  // SES's answer to a sending rate over the account's limit: the dev server's rate caps of
  // trusted peers. The AWS SDKs retry both codes as throttling.
  throttling: { v1: ["Throttling", 400], v2: ["TooManyRequestsException", 429] },
  internalFailure: { v1: ["InternalFailure", 500], v2: ["InternalFailure", 500] },
} as const satisfies Record<string, Record<SesDialect, readonly [string, number]>>;

/** Which wire format an answer takes: v1 query API (XML) or v2 REST (JSON). */
export type SesDialect = "v1" | "v2";

/** A kind of refusal, named in {@link SES_ERRORS}. */
export type SesErrorKind = keyof typeof SES_ERRORS;

/** A refusal the SES endpoint answers in the caller's dialect. */
export class SesError extends Error {
  constructor(
    readonly kind: SesErrorKind,
    message: string,
  ) {
    super(message);
    this.name = "SesError";
  }
}

/** A fresh request id, as SES sends in `x-amzn-RequestId` and `<RequestId>`. */
export function newRequestId(): string {
  return randomUUID();
}

/** The SES-format answer to `error`, with the code and status of `dialect`. */
export function sesErrorResponse(
  c: Context,
  dialect: SesDialect,
  error: SesError,
  requestId: string,
): Response {
  const [code, status] = SES_ERRORS[error.kind][dialect];
  if (dialect === "v2") {
    return c.json({ message: error.message }, status as ContentfulStatusCode, {
      "x-amzn-RequestId": requestId,
      "x-amzn-ErrorType": code,
    });
  }
  const body =
    `<ErrorResponse xmlns="${SES_V1_NAMESPACE}">\n` +
    `  <Error>\n` +
    `    <Type>${status >= 500 ? "Receiver" : "Sender"}</Type>\n` +
    `    <Code>${code}</Code>\n` +
    `    <Message>${xmlText(error.message)}</Message>\n` +
    `  </Error>\n` +
    `  <RequestId>${requestId}</RequestId>\n` +
    `</ErrorResponse>\n`;
  return xmlResponse(c, body, status, requestId);
}

/**
 * A v1 success: `<{action}Response><{action}Result>{result}</...Result><ResponseMetadata>`.
 * `result` is XML the caller built with {@link xmlText} for every value.
 */
export function sesV1Response(
  c: Context,
  action: string,
  result: string,
  requestId: string,
): Response {
  const body =
    `<${action}Response xmlns="${SES_V1_NAMESPACE}">\n` +
    `  <${action}Result>${result}</${action}Result>\n` +
    `  <ResponseMetadata>\n    <RequestId>${requestId}</RequestId>\n  </ResponseMetadata>\n` +
    `</${action}Response>\n`;
  return xmlResponse(c, body, 200, requestId);
}

function xmlResponse(c: Context, body: string, status: number, requestId: string): Response {
  return c.body(body, status as ContentfulStatusCode, {
    "Content-Type": "text/xml",
    "x-amzn-RequestId": requestId,
  });
}

/**
 * Text as XML character data: markup escaped, and characters XML 1.0 cannot carry (controls,
 * lone surrogates) replaced with U+FFFD, so that any client input can be quoted safely.
 *
 * @example
 * xmlText("a < b\u0000"); // "a &lt; b\uFFFD"
 */
export function xmlText(text: string): string {
  return text
    .replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "\uFFFD")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** Client input quoted in a message: at most 100 characters, JSON-quoted. */
export function quote(value: string): string {
  return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}...` : value);
}
