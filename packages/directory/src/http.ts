import {
  AgentMailError,
  authorizationHeader,
  codeForStatus,
  ErrorBodySchema,
  redact,
} from "@assmbl/core";
import ky, { HTTPError, type KyInstance, TimeoutError } from "ky";
import { cappedFetch, unreadableBody } from "./capped-fetch.js";

/** The HTTP side of the directory: one ky instance with the retry policy, and error mapping. */
export interface DirectoryHttp {
  client: KyInstance;
  token: string | undefined;
  /**
   * The ky options that bound one call: each attempt (headers and body) ends at `timeoutMs`, and
   * its body is read under `maxBytes` (error bodies under `Limits.errorBodyBytes`).
   */
  budget(maxBytes: number, what: string): { fetch: typeof fetch };
}

export function createHttp(options: {
  baseUrl: string;
  token: string | undefined;
  timeoutMs: number;
  retry: { limit: number; backoffLimitMs: number; maxRetryAfterMs: number };
  fetch: typeof fetch | undefined;
}): DirectoryHttp {
  const client = ky.create({
    prefixUrl: options.baseUrl,
    // ky's timeout ends at the headers; each call's `budget` fetch bounds the whole attempt.
    timeout: false,
    throwHttpErrors: true,
    retry: {
      limit: options.retry.limit,
      methods: ["get"],
      statusCodes: [408, 429, 500, 502, 503, 504],
      afterStatusCodes: [413, 429, 503],
      maxRetryAfter: options.retry.maxRetryAfterMs,
      backoffLimit: options.retry.backoffLimitMs,
      retryOnTimeout: true,
      // Full jitter: clients that failed together do not retry together.
      jitter: true,
      // An answer over its cap would be as large again: `response_too_large` is final.
      shouldRetry: ({ error }) =>
        AgentMailError.is(error) && !error.retryable ? false : undefined,
    },
  });
  // Looked up per call, so a fetch replaced after creation (tests, instrumentation) is used.
  const inner: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  return {
    client,
    token: options.token,
    budget: (maxBytes, what) => ({
      fetch: cappedFetch(inner, { timeoutMs: options.timeoutMs, maxBytes, what }),
    }),
  };
}

/** Headers of an authenticated call. */
export function authHeaders(http: DirectoryHttp, what: string): Record<string, string> {
  if (!http.token) {
    throw new AgentMailError({
      code: "invalid_options",
      message: `${what} needs a token: pass token to createDirectory`,
    });
  }
  return { authorization: authorizationHeader(http.token) };
}

/**
 * Turns what ky threw into an AgentMailError. Network failures, timeouts and 5xx (after the
 * retries ky already made) become `unavailableCode`, retryable; an error body's code is kept.
 */
export async function toAgentMailError(
  error: unknown,
  what: string,
  http: DirectoryHttp,
): Promise<AgentMailError> {
  const unavailableCode = "directory_unavailable";
  const secrets = http.token ? [http.token] : [];
  if (AgentMailError.is(error)) return error;
  if (error instanceof HTTPError) {
    const status = error.response.status;
    // The body was read (under its cap) by the budget fetch; this reads the buffered copy.
    const body = await error.response
      .clone()
      .json()
      .catch(() => undefined);
    const parsed = ErrorBodySchema.safeParse(body);
    const unreadable = unreadableBody(error.response);
    const note = unreadable ? ` (its error body ${unreadable}; the rest was not read)` : "";
    if (status >= 500) {
      return new AgentMailError({
        code: unavailableCode,
        message: `${what}: the directory answered ${status}${note}`,
        status,
        body,
        retryable: true,
        cause: error,
        secrets,
      });
    }
    const code = parsed.success
      ? serverCode(parsed.data.error, status, secrets)
      : codeForStatus(status);
    const detail = parsed.success && parsed.data.message ? `: ${parsed.data.message}` : "";
    return new AgentMailError({
      code,
      message: `${what}: ${status} ${code}${detail}${note}`,
      status,
      body,
      cause: error,
      secrets,
    });
  }
  if (error instanceof TimeoutError) {
    return new AgentMailError({
      code: unavailableCode,
      message: `${what}: the directory did not answer in time`,
      retryable: true,
      cause: error,
      secrets,
    });
  }
  if (error instanceof Error && error.name === "AbortError") {
    return new AgentMailError({
      code: "aborted",
      message: `${what}: aborted`,
      cause: error,
      secrets,
    });
  }
  return new AgentMailError({
    code: unavailableCode,
    message: `${what}: ${error instanceof Error ? error.message : String(error)}`,
    retryable: true,
    cause: error,
    secrets,
  });
}

// What a code the SDK passes on from a server looks like (every documented code does).
const SERVER_CODE = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * The `error` of a directory error body as the error's `code`, when it looks like a code and is
 * not (an echo of) the token; otherwise the code of the status. `code` is the one field of an
 * error that is never redacted, and code branches on it: a server must not be able to put a
 * token, a line break or a page of text there.
 *
 * @example
 * serverCode("agent_not_found", 404, [token]); // "agent_not_found"
 * serverCode(token, 401, [token]); // "unauthorized"
 */
export function serverCode(code: string, status: number, secrets: readonly string[]): string {
  return SERVER_CODE.test(code) && redact(code, secrets) === code ? code : codeForStatus(status);
}
