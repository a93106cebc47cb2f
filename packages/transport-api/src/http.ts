import {
  AgentMailError,
  AttemptError,
  authorizationHeader,
  cancelLateBody,
  describeIssues,
  Limits,
  type RouteDefinition,
  type Runtime,
  readTextCapped,
  routePath,
  untilAborted,
} from "@assmbl/core";
import ky, { type KyInstance, NetworkError } from "ky";
import type { z } from "zod";
import { isApiNotFound } from "./api-not-found.js";
import {
  type Answerer,
  type ErrorHints,
  failureFromResponse,
  failureFromThrown,
} from "./http-errors.js";
import type { RetryPolicy } from "./options.js";
import { type AttemptContext, type AttemptHistory, attemptDeadline, withRetries } from "./retry.js";

/** One call of the AgentMail API. */
export interface ApiCall<S extends z.ZodType> {
  route: RouteDefinition;
  params?: Record<string, string | number>;
  json?: unknown;
  query?: Record<string, string>;
  /** The success body's schema; omit for an empty answer (204). */
  schema?: S;
  /** Names the operation in errors, e.g. `send` or `getMessage(m1)`. */
  what: string;
  signal?: AbortSignal | undefined;
  /**
   * A retry that finds the resource gone after an ambiguous failure of any earlier attempt (that
   * attempt may have done the work) succeeds, when the 404 is the API's own `not_found` (a
   * proxy's 404 page says nothing about the resource): what makes a retried DELETE idempotent.
   */
  goneAfterAmbiguousIsSuccess?: boolean;
  /** Sentences appended to the message of an API error with that code. */
  hints?: ErrorHints;
  /**
   * The most bytes the success body may hold (default `Limits.jsonResponseBytes`); past it the
   * call fails with `response_too_large`, not retried. `GET /messages/{id}` passes
   * `Limits.messageResponseBytes`.
   */
  maxResponseBytes?: number;
  /**
   * Makes the error that ends the call, knowing every attempt (see `withRetries`): how `/send`
   * reports an earlier attempt that may have been committed.
   */
  finalize?: ((error: unknown, history: AttemptHistory) => unknown) | undefined;
}

/** A parsed success answer. */
export interface ApiAnswer<T> {
  body: T;
  headers: Headers;
}

/**
 * The client's HTTP layer: ky for requests (prefix URL), core's retry engine for the API and
 * storage alike, error mapping, and the token kept out of every error. Every attempt of `call`
 * is bounded: `timeoutMs` covers headers and body, and the body is read under its cap.
 */
export interface ApiHttp {
  readonly baseUrl: string;
  readonly policy: RetryPolicy;
  readonly runtime: Runtime;
  readonly secrets: readonly string[];
  /** The deadline of one attempt, in ms (also: how long storage may take to answer an upload). */
  readonly timeoutMs: number;
  /** The `fetch` given in the options, or the global one. */
  readonly fetch: typeof fetch;
  call<S extends z.ZodType>(call: ApiCall<S>): Promise<ApiAnswer<z.output<S>>>;
  /** Runs `attempt` with the retry policy; failures are classified as storage or API answers. */
  retrying<T>(
    attempt: (context: AttemptContext) => Promise<T>,
    options: {
      what: string;
      signal?: AbortSignal | undefined;
      replayable?: boolean;
      finalize?: ((error: unknown, history: AttemptHistory) => unknown) | undefined;
    },
  ): Promise<T>;
  /**
   * Throws the classified failure of a non-2xx answer. Its body is read under
   * `Limits.errorBodyBytes` and until `signal` aborts (default: `timeoutMs` from now).
   */
  fail(
    response: Response,
    what: string,
    answerer: Answerer,
    hints?: ErrorHints,
    signal?: AbortSignal,
  ): Promise<never>;
}

/**
 * Creates the HTTP layer of a client or transport.
 *
 * @example
 * const http = createApiHttp({ baseUrl, token, retry: policy, timeoutMs: 30_000 }, realRuntime);
 * const { body } = await http.call({ route: Routes.listInbox, schema: InboxPageSchema, what: "listInbox" });
 */
export function createApiHttp(
  options: {
    baseUrl: string;
    token: string;
    retry: RetryPolicy;
    timeoutMs: number;
    fetch?: typeof fetch | undefined;
  },
  runtime: Runtime,
): ApiHttp {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const secrets = [options.token];
  const fetchFn: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const common = {
    // ky's timeout ends at the headers; each attempt's deadline (attemptDeadline) covers the body too.
    timeout: false,
    // Retries are core's engine's (via ./retry.js: one loop for API and storage, with
    // Retry-After and idempotency in view, and the formula every package shares).
    retry: 0,
    throwHttpErrors: false,
    fetch: fetchFn,
  } as const;
  // `prefix` joins the base URL and a route with exactly one "/".
  const api: KyInstance = ky.create({ ...common, prefix: baseUrl });
  const authorization = authorizationHeader(options.token);

  const http: ApiHttp = {
    baseUrl,
    policy: options.retry,
    runtime,
    secrets,
    timeoutMs: options.timeoutMs,
    fetch: fetchFn,
    retrying(attempt, { what, signal, replayable, finalize }) {
      return withRetries(attempt, {
        policy: options.retry,
        runtime,
        signal,
        replayable,
        finalize,
        classify: (thrown) => failureFromThrown(thrown, what, secrets),
      });
    },
    async fail(response, what, answerer, hints, signal) {
      // Storage answers (uploads, downloads) come without a deadline of their own.
      const own = signal ? undefined : attemptDeadline(undefined, options.timeoutMs, what);
      try {
        throw new AttemptError(
          await failureFromResponse(response, what, answerer, secrets, runtime.now(), {
            hints,
            signal: signal ?? own?.signal,
          }),
        );
      } finally {
        own?.clear();
      }
    },
    async call<S extends z.ZodType>(call: ApiCall<S>): Promise<ApiAnswer<z.output<S>>> {
      const path = call.params ? pathOf(call.route, call.params, call.what) : call.route.path;
      const maxBytes = call.maxResponseBytes ?? Limits.jsonResponseBytes;
      return http.retrying(
        async ({ earlierAmbiguous }) => {
          const deadline = attemptDeadline(call.signal, options.timeoutMs, call.what);
          const { signal } = deadline;
          try {
            const response = await untilAborted(
              api(path.slice(1), {
                method: call.route.method,
                headers: {
                  accept: "application/json",
                  ...(call.route.auth ? { authorization } : {}),
                },
                ...(call.json === undefined ? {} : { json: call.json }),
                ...(call.query ? { searchParams: call.query } : {}),
                signal,
              }),
              signal,
              cancelLateBody,
            );
            // Any earlier ambiguous attempt counts, not only the last one: a dropped answer, then
            // a 503, then a 404 still means the first attempt deleted it.
            // Only the API's own not_found says the resource is gone: a proxy's 404 page says
            // nothing about it.
            if (response.status === 404 && call.goneAfterAmbiguousIsSuccess && earlierAmbiguous) {
              const failure = await http
                .fail(response, call.what, "api", call.hints, signal)
                .catch((thrown: unknown) => thrown);
              const error = failure instanceof AttemptError ? failure.failure.error : failure;
              if (isApiNotFound(error)) {
                return { body: undefined as z.output<S>, headers: response.headers };
              }
              throw failure;
            }
            if (!response.ok)
              return await http.fail(response, call.what, "api", call.hints, signal);
            if (!call.schema) {
              await response.body?.cancel();
              return { body: undefined as z.output<S>, headers: response.headers };
            }
            try {
              const json = await readJson(response, call.what, maxBytes, signal);
              const parsed = call.schema.safeParse(json);
              if (!parsed.success) {
                throw new AgentMailError({
                  code: "invalid_response",
                  message: `${call.what}: the response does not match the contract (${describeIssues(parsed.error.issues)})`,
                });
              }
              return { body: parsed.data, headers: response.headers };
            } catch (error) {
              // The server said 2xx: it did the work, whatever became of the answer.
              if (AgentMailError.is(error)) throw new AttemptError({ error, ambiguous: true });
              throw error;
            }
          } catch (error) {
            // Whatever the fetch or the body stream made of the deadline's abort, it is the
            // timeout a late header gives (retryable). Classified failures stand as they are.
            const classified = error instanceof AttemptError || AgentMailError.is(error);
            if (deadline.timedOut() && !call.signal?.aborted && !classified) throw deadline.reason;
            // ky wraps the fetch's own network failure in a NetworkError whose message holds the
            // full URL (query included): pass on the fetch's error, which the classifier reads.
            throw error instanceof NetworkError ? error.cause : error;
          } finally {
            deadline.clear();
          }
        },
        { what: call.what, signal: call.signal, finalize: call.finalize },
      );
    },
  };
  return http;
}

/** The route's path with its parameters; any refusal of `routePath` is an `invalid_options` error. */
function pathOf(
  route: RouteDefinition,
  params: Record<string, string | number>,
  what: string,
): string {
  try {
    return routePath(route, params as never);
  } catch (cause) {
    throw new AgentMailError({
      code: "invalid_options",
      message: `${what}: the path parameters of ${route.path} are invalid (${cause instanceof Error ? cause.message : String(cause)})`,
      cause,
    });
  }
}

async function readJson(
  response: Response,
  what: string,
  maxBytes: number,
  signal: AbortSignal,
): Promise<unknown> {
  const text = await readTextCapped(response, { maxBytes, what, signal });
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new AgentMailError({
      code: "invalid_response",
      message: `${what}: the response is not JSON`,
      status: response.status,
      cause,
    });
  }
}
