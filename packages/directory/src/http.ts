import { AgentMailError, authorizationHeader, codeForStatus, ErrorBodySchema } from "@assmbl/core";
import ky, { HTTPError, type KyInstance, TimeoutError } from "ky";

/** The HTTP side of the directory: one ky instance with the retry policy, and error mapping. */
export interface DirectoryHttp {
  client: KyInstance;
  token: string | undefined;
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
    timeout: options.timeoutMs,
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
    },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  return { client, token: options.token };
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
    const body = await error.response
      .clone()
      .json()
      .catch(() => undefined);
    const parsed = ErrorBodySchema.safeParse(body);
    if (status >= 500) {
      return new AgentMailError({
        code: unavailableCode,
        message: `${what}: the directory answered ${status}`,
        status,
        body,
        retryable: true,
        cause: error,
        secrets,
      });
    }
    const code = parsed.success ? parsed.data.error : codeForStatus(status);
    const detail = parsed.success && parsed.data.message ? `: ${parsed.data.message}` : "";
    return new AgentMailError({
      code,
      message: `${what}: ${status} ${code}${detail}`,
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
