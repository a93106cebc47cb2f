import {
  AgentMailError,
  type AgentMailErrorCode,
  codeForStatus,
  concatBytes,
  ErrorBodySchema,
  isRetryableCode,
  parseRetryAfter,
  ResponseHeaders,
} from "@assmbl/core";
import { TimeoutError } from "ky";
import type { AttemptFailure } from "./retry.js";

/** Who answered: the AgentMail API (JSON errors) or the storage behind presigned URLs (S3 XML). */
export type Answerer = "api" | "storage";

// S3 error codes worth a code of their own; everything else is mapped by status.
const S3_CODES: Readonly<Record<string, AgentMailErrorCode>> = {
  EntityTooLarge: "payload_too_large",
};

// Error bodies are small; a server that streams megabytes (or never ends) on an error gets cut
// off here: the rest of the body is cancelled, never read.
const MAX_ERROR_BODY_BYTES = 16 * 1024;

/** Sentences appended to the message of an error with that code: what the code means for this call. */
export type ErrorHints = Readonly<Partial<Record<string, string>>>;

/**
 * Classifies a non-2xx response. API errors are `{"error": code, "message": ...}` (spec §5.2);
 * storage errors (presigned upload and download URLs) are S3 XML
 * (`<Error><Code>AccessDenied</Code>...`), mapped by status with the S3 code in the message. A
 * body that is neither is mapped by status too. 408, 429 and 5xx are retryable, and so is any code
 * core classifies as retryable; `Retry-After` is read for the retry loop. A `hints` entry for the
 * error's code is appended to its message.
 *
 * @example
 * if (!response.ok) throw new AttemptError(await failureFromResponse(response, "send", "api", [token], Date.now()));
 */
export async function failureFromResponse(
  response: Response,
  what: string,
  answerer: Answerer,
  secrets: readonly string[],
  now: number,
  hints?: ErrorHints,
): Promise<AttemptFailure> {
  const status = response.status;
  const text = await readCapped(response, MAX_ERROR_BODY_BYTES);
  const json = answerer === "api" ? parseJson(text) : undefined;
  const apiError = ErrorBodySchema.safeParse(json);
  let code: string;
  let detail: string | undefined;
  let body: unknown;
  if (apiError.success) {
    code = apiError.data.error;
    detail = apiError.data.message;
    body = json;
  } else {
    const s3 = parseS3Error(text);
    code = (s3?.code && S3_CODES[s3.code]) || codeForStatus(status);
    detail = s3 ? [s3.code, s3.message].filter(Boolean).join(": ") : undefined;
    body = s3 ?? (json === undefined ? (text ? text.slice(0, 500) : undefined) : json);
  }
  const retryable =
    status === 408 || status === 429 || status >= 500 || isRetryableCode(code, status);
  const hint = hints && Object.hasOwn(hints, code) ? hints[code] : undefined;
  const error = new AgentMailError({
    code,
    message: `${what}: ${status} ${code}${detail ? ` (${detail})` : ""}${hint ? `. ${hint}` : ""}`,
    status,
    body,
    retryable,
    secrets,
  });
  return {
    error,
    retryAfterMs: parseRetryAfter(response.headers.get(ResponseHeaders.retryAfter), now),
  };
}

/**
 * Classifies what `fetch` (or ky) threw: timeouts, aborts and network failures. A failure after
 * the request may have reached the server (connection reset, timeout) is `ambiguous`; a refused
 * connection or a failed DNS lookup is not.
 *
 * @example
 * const failure = failureFromThrown(error, "send", [token]);
 */
export function failureFromThrown(
  thrown: unknown,
  what: string,
  secrets: readonly string[],
): AttemptFailure {
  if (AgentMailError.is(thrown)) return { error: thrown };
  const name = thrown instanceof Error || thrown instanceof DOMException ? thrown.name : "";
  if (thrown instanceof TimeoutError || name === "TimeoutError") {
    return {
      error: new AgentMailError({
        code: "timeout",
        message: `${what}: no answer in time`,
        cause: thrown,
        secrets,
      }),
      ambiguous: true,
    };
  }
  if (name === "AbortError") {
    return {
      error: new AgentMailError({
        code: "aborted",
        message: `${what}: aborted`,
        cause: thrown,
        secrets,
      }),
    };
  }
  if (thrown instanceof TypeError) {
    const cause = (thrown as { cause?: { code?: unknown; message?: unknown } }).cause;
    const causeCode = typeof cause?.code === "string" ? cause.code : undefined;
    const never = causeCode !== undefined && NOT_SENT.has(causeCode);
    const reason = causeCode ?? (typeof cause?.message === "string" ? cause.message : undefined);
    return {
      error: new AgentMailError({
        code: "network_error",
        message: `${what}: ${thrown.message}${reason ? ` (${reason})` : ""}`,
        cause: thrown,
        secrets,
      }),
      ambiguous: !never,
    };
  }
  return {
    error: new AgentMailError({
      code: "transport_failed",
      message: `${what}: ${thrown instanceof Error ? thrown.message : String(thrown)}`,
      cause: thrown,
      secrets,
    }),
  };
}

/**
 * At most `maxBytes` of a response body as text (UTF-8, a character cut at the cap replaced);
 * the rest is cancelled, so an endless body neither hangs the caller nor fills its memory. A body
 * that fails mid-read gives what arrived before.
 *
 * @example
 * const text = await readCapped(response, 16 * 1024);
 */
export async function readCapped(response: Response, maxBytes: number): Promise<string> {
  const body = response.body;
  if (!body) return "";
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    while (length < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      const room = maxBytes - length;
      const chunk = value.length > room ? value.subarray(0, room) : value;
      chunks.push(chunk);
      length += chunk.length;
    }
  } catch {
    // A broken body: keep what arrived.
  } finally {
    // Whatever is left is not wanted; cancelling also releases the connection.
    reader.cancel().catch(() => {});
  }
  return new TextDecoder().decode(concatBytes(...chunks));
}

// Failures that prove the request never left this machine.
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The `Code` and `Message` of an S3 XML error body, or `undefined` when the text is not one.
 *
 * @example
 * parseS3Error("<Error><Code>AccessDenied</Code><Message>Policy expired</Message></Error>");
 * // { code: "AccessDenied", message: "Policy expired" }
 */
export function parseS3Error(text: string): { code: string; message?: string } | undefined {
  if (!/<Error>/.test(text)) return undefined;
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1]?.trim();
  if (!code) return undefined;
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1]?.trim();
  return { code: unescapeXml(code), ...(message ? { message: unescapeXml(message) } : {}) };
}

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}
