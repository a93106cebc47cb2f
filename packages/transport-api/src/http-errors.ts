import {
  AgentMailError,
  type AgentMailErrorCode,
  codeForStatus,
  describeNetworkFailure,
  ErrorBodySchema,
  isRetryableCode,
  Limits,
  networkFailure,
  parseRetryAfter,
  ResponseHeaders,
  readBodyCapped,
  redact,
} from "@assmbl/core";
import type { AttemptFailure } from "./retry.js";

/** Who answered: the AgentMail API (JSON errors) or the storage behind presigned URLs (S3 XML). */
export type Answerer = "api" | "storage";

// S3 error codes worth a code of their own; everything else is mapped by status.
const S3_CODES: Readonly<Record<string, AgentMailErrorCode>> = {
  EntityTooLarge: "payload_too_large",
};

/** Sentences appended to the message of an error with that code: what the code means for this call. */
export type ErrorHints = Readonly<Partial<Record<string, string>>>;

/**
 * Classifies a non-2xx response. API errors are `{"error": code, "message": ...}` (spec §5.2);
 * storage errors (presigned upload and download URLs) are S3 XML
 * (`<Error><Code>AccessDenied</Code>...`), mapped by status with the S3 code in the message. A
 * body that is neither is mapped by status too. 408, 429 and 5xx are retryable, and so is any code
 * core classifies as retryable; `Retry-After` is read for the retry loop. A 5xx other than 503
 * is `ambiguous` (see {@link answerMayFollowWork}). A `hints` entry for the
 * error's code is appended to its message.
 *
 * The body is read under `Limits.errorBodyBytes` and until `signal` aborts. One that is longer is
 * cut there (the rest cancelled, never read), one that does not arrive in time or breaks off is
 * dropped: either way the error keeps its status-based code, `body` holds no fragment of JSON or
 * text, and the message says the body was not read whole.
 *
 * @example
 * if (!response.ok) throw new AttemptError(await failureFromResponse(response, "send", "api", [token], Date.now(), { signal }));
 */
export async function failureFromResponse(
  response: Response,
  what: string,
  answerer: Answerer,
  secrets: readonly string[],
  now: number,
  options: { hints?: ErrorHints | undefined; signal?: AbortSignal | undefined } = {},
): Promise<AttemptFailure> {
  const { hints, signal } = options;
  const status = response.status;
  const { text, unread } = await readErrorBody(response, what, signal);
  const json = answerer === "api" && !unread ? parseJson(text) : undefined;
  const apiError = ErrorBodySchema.safeParse(json);
  let code: string;
  let detail: string | undefined;
  let body: unknown;
  if (apiError.success) {
    code = serverCode(apiError.data.error, status, secrets);
    detail = apiError.data.message;
    body = json;
  } else {
    const s3 = parseS3Error(text);
    code = (s3?.code && S3_CODES[s3.code]) || codeForStatus(status);
    detail = s3 ? [s3.code, s3.message].filter(Boolean).join(": ") : undefined;
    // Redacted before it is cut: a cut through a token would leave its head unrecognised.
    const kept = text && !unread ? redact(text, secrets).slice(0, 500) : undefined;
    body = s3 ?? (json === undefined ? kept : json);
  }
  const retryable =
    status === 408 || status === 429 || status >= 500 || isRetryableCode(code, status);
  const hint = hints && Object.hasOwn(hints, code) ? hints[code] : undefined;
  const error = new AgentMailError({
    code,
    message: `${what}: ${status} ${code}${detail ? ` (${detail})` : ""}${hint ? `. ${hint}` : ""}${unread ? ` (the error body ${unread}; the rest was not read)` : ""}`,
    status,
    body,
    retryable,
    secrets,
  });
  return {
    error,
    retryAfterMs: parseRetryAfter(response.headers.get(ResponseHeaders.retryAfter), now),
    ...(answerMayFollowWork(status) ? { ambiguous: true } : {}),
  };
}

// What a code the SDK passes on from a server looks like (every documented code does).
const SERVER_CODE = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * The `error` of an API error body as the error's `code`, when it looks like a code and is not
 * (an echo of) one of `secrets`; otherwise the code of the status. `code` is the one field of an
 * error that is never redacted, and code branches on it: a server must not be able to put a
 * token, a line break or a page of text there.
 *
 * @example
 * serverCode("rate_limited", 429, [token]); // "rate_limited"
 * serverCode(token, 401, [token]); // "unauthorized"
 */
export function serverCode(code: string, status: number, secrets: readonly string[]): string {
  return SERVER_CODE.test(code) && redact(code, secrets) === code ? code : codeForStatus(status);
}

/**
 * Whether an error answer with this status may come after the work was done: a 5xx other than
 * 503. A 500 can come from a handler that failed after committing, a 502 or 504 from a proxy
 * that lost the upstream's answer; a 503 (like a 429 or any 4xx) is a refusal before the work
 * (the platform's and the dev server's say "nothing was done").
 *
 * @example
 * answerMayFollowWork(504); // true
 * answerMayFollowWork(503); // false
 */
export function answerMayFollowWork(status: number): boolean {
  return status >= 500 && status !== 503;
}

/**
 * Classifies what `fetch` (or ky) threw: timeouts, aborts and network failures. A failure after
 * the request may have reached the server (connection reset, timeout) is `ambiguous`; one that
 * core's `networkFailure` says sent nothing (a refused connection, a failed DNS lookup) is not.
 * A network failure is read from the whole chain of any error (a custom `fetch` may reject with
 * the socket's own error, not a TypeError); anything else is `transport_failed`, ambiguous.
 * A network failure's message names the peer (`url`'s host and port, or the socket error's
 * address when no `url` is given) and the cause code, e.g. `send: could not connect to
 * 127.0.0.1:8025 (ECONNREFUSED)` (core's `describeNetworkFailure`).
 *
 * @example
 * const failure = failureFromThrown(error, "send", [token], "https://api.example.com/v1/send");
 */
export function failureFromThrown(
  thrown: unknown,
  what: string,
  secrets: readonly string[],
  url?: string | URL,
): AttemptFailure {
  if (AgentMailError.is(thrown)) return { error: thrown };
  const name = thrown instanceof Error || thrown instanceof DOMException ? thrown.name : "";
  // ky's TimeoutError and a DOMException from a deadline's signal both carry this name.
  if (name === "TimeoutError") {
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
  // Core's one network classification, for whatever a fetch rejects with: undici's TypeError,
  // or the socket's own error from a fetch built on node:http (the `fetch` option).
  const network = networkFailure(thrown);
  if (network !== undefined) {
    return {
      error: new AgentMailError({
        code: "network_error",
        // The peer (host:port, never a path or query: presigned URLs carry signatures) and the
        // cause code, from core's one description; the thrown error stays the `cause`.
        message: `${what}: ${describeNetworkFailure(thrown, url)}`,
        cause: thrown,
        secrets,
      }),
      ambiguous: network.sent !== "no",
    };
  }
  // Anything else a fetch threw may have come after the request was written: not retried
  // (`transport_failed` is not retryable), but a `/send` that ends with it says `unknown`.
  return {
    error: new AgentMailError({
      code: "transport_failed",
      message: `${what}: ${thrown instanceof Error ? thrown.message : String(thrown)}`,
      cause: thrown,
      secrets,
    }),
    ambiguous: true,
  };
}

/**
 * An error body's text, at most `Limits.errorBodyBytes` of it (the rest cancelled, never read),
 * and why it was not read whole, if it was not: its beginning still carries an S3 `<Code>`, but
 * JSON cut short is not parsed.
 */
async function readErrorBody(
  response: Response,
  what: string,
  signal: AbortSignal | undefined,
): Promise<{ text: string; unread?: string }> {
  const max = Limits.errorBodyBytes;
  try {
    const bytes = await readBodyCapped(response, { maxBytes: max, what, signal, truncate: true });
    const text = new TextDecoder().decode(bytes);
    // Exactly full counts as cut: finding out would cost reading past the cap.
    return bytes.byteLength === max ? { text, unread: `was cut at ${max} bytes` } : { text };
  } catch {
    // Late (the deadline or the caller's signal) or broken: the status says enough, and the
    // retry loop turns the caller's abort into `aborted`.
    return { text: "", unread: "did not arrive in time or broke off" };
  }
}

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
