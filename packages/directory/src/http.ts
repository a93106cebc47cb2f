import {
  AgentMailError,
  authorizationHeader,
  codeForStatus,
  describeNetworkFailure,
  ErrorBodySchema,
  isNetworkError,
  type Runtime,
  realRuntime,
  redact,
} from "@assmbl/core";
import ky, { HTTPError, type KyInstance, NetworkError, TimeoutError } from "ky";
import { cappedFetch, errorBodyBytes, unreadableBody } from "./capped-fetch.js";
import {
  type DirectoryRetry,
  directoryRetryPolicy,
  notRetriedBecause,
  retryingFetch,
} from "./retrying-fetch.js";

/**
 * The HTTP side of the directory: one ky instance (its own retry off), each call's fetch bounded
 * and retried by core's engine, and error mapping.
 */
export interface DirectoryHttp {
  client: KyInstance;
  token: string | undefined;
  /** The directory's base URL: its host and port name the peer in a network failure. */
  baseUrl?: string | undefined;
  /**
   * The ky options of one call: its GET retried by core's engine (see `retryingFetch`), each
   * attempt (headers and body) ending at `timeoutMs` with its body read under `maxBytes` (error
   * bodies under `Limits.errorBodyBytes`).
   */
  budget(maxBytes: number, what: string): { fetch: typeof fetch };
}

/**
 * Creates the directory's HTTP side. `runtime` (clock, randomness, sleep) is core's
 * `realRuntime` unless a test injects one.
 *
 * @example
 * const http = createHttp({ baseUrl, token, timeoutMs: 10_000, retry: { limit: 2, backoffLimitMs: 5_000, maxRetryAfterMs: 30_000, maxElapsedMs: 20_000 }, fetch: undefined });
 * const text = await http.client.get("public/agents/bob", http.budget(Limits.directoryRecordBytes, "lookup of bob")).text();
 */
export function createHttp(
  options: {
    baseUrl: string;
    token: string | undefined;
    timeoutMs: number;
    retry: DirectoryRetry;
    fetch: typeof fetch | undefined;
  },
  runtime: Runtime = realRuntime,
): DirectoryHttp {
  const client = ky.create({
    // `prefix` joins the base URL and a route with exactly one "/".
    prefix: options.baseUrl,
    // ky's timeout ends at the headers; each call's `budget` fetch bounds the whole attempt.
    timeout: false,
    throwHttpErrors: true,
    // Retries are core's engine's (one formula and classification for every package): see budget.
    retry: 0,
  });
  const policy = directoryRetryPolicy(options.retry);
  // Looked up per call, so a fetch replaced after creation (tests, instrumentation) is used.
  const inner: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  return {
    client,
    token: options.token,
    baseUrl: options.baseUrl,
    budget: (maxBytes, what) => ({
      fetch: retryingFetch(cappedFetch(inner, { timeoutMs: options.timeoutMs, maxBytes, what }), {
        policy,
        runtime,
        what,
      }),
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
 * retries the engine already made) become `directory_unavailable`, retryable; an error body's
 * code is kept. A network failure's message names the directory's host and port and the cause
 * code (core's `describeNetworkFailure`); the thrown error stays the `cause`.
 *
 * @example
 * try { await http.client.get(path, http.budget(max, what)); } catch (error) { throw await toAgentMailError(error, what, http); }
 */
export async function toAgentMailError(
  error: unknown,
  what: string,
  http: DirectoryHttp,
): Promise<AgentMailError> {
  const unavailableCode = "directory_unavailable";
  const secrets = http.token ? [http.token] : [];
  if (AgentMailError.is(error)) return error;
  // ky wraps the fetch's own network failure in a NetworkError whose message holds the full URL;
  // the retry engine saw (and noted) the fetch's error, and the message names only host and port.
  const raw = error instanceof NetworkError ? error.cause : error;
  // A retryable failure the retry budget stopped: the message says why it was the last.
  const why = notRetriedBecause(error instanceof HTTPError ? error.response : raw);
  const stopped = why ? ` (${why})` : "";
  if (error instanceof HTTPError) {
    const status = error.response.status;
    // The budget fetch read the body under its cap and kept its bytes: parsed here as UTF-8
    // JSON, once, whatever charset or type the peer named (ky's own `error.data` follows them).
    const body = parseJsonOrUndefined(new TextDecoder().decode(errorBodyBytes(error.response)));
    const parsed = ErrorBodySchema.safeParse(body);
    const unreadable = unreadableBody(error.response);
    const note = unreadable ? ` (its error body ${unreadable}; the rest was not read)` : "";
    if (status >= 500) {
      return new AgentMailError({
        code: unavailableCode,
        message: `${what}: the directory answered ${status}${note}${stopped}`,
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
      message: `${what}: ${status} ${code}${detail}${note}${stopped}`,
      status,
      body,
      cause: error,
      secrets,
    });
  }
  if (error instanceof TimeoutError) {
    return new AgentMailError({
      code: unavailableCode,
      message: `${what}: the directory did not answer in time${stopped}`,
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
  // Core's one network classification and description: the directory's host:port (never the
  // path or query) and the cause code, e.g. "could not connect to 127.0.0.1:8025 (ECONNREFUSED)".
  const text = isNetworkError(raw)
    ? describeNetworkFailure(raw, http.baseUrl)
    : raw instanceof Error
      ? raw.message
      : String(raw);
  return new AgentMailError({
    code: unavailableCode,
    message: `${what}: ${text}${stopped}`,
    retryable: true,
    cause: raw,
    secrets,
  });
}

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
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
