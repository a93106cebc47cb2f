import {
  AgentMailError,
  authorizationHeader,
  describeIssues,
  type RouteDefinition,
  routePath,
} from "@assmbl/core";
import ky, { type KyInstance } from "ky";
import type { z } from "zod";
import {
  type Answerer,
  type ErrorHints,
  failureFromResponse,
  failureFromThrown,
} from "./http-errors.js";
import type { RetryPolicy } from "./options.js";
import { type AttemptContext, AttemptError, type Runtime, withRetries } from "./retry.js";

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
   * attempt may have done the work) succeeds: what makes a retried DELETE idempotent.
   */
  goneAfterAmbiguousIsSuccess?: boolean;
  /** Sentences appended to the message of an API error with that code. */
  hints?: ErrorHints;
}

/** A parsed success answer. */
export interface ApiAnswer<T> {
  body: T;
  headers: Headers;
}

/**
 * The client's HTTP layer: ky for requests (prefix URL, per-request timeout), one retry loop
 * for the API and storage alike, error mapping, and the token kept out of every error.
 */
export interface ApiHttp {
  readonly baseUrl: string;
  readonly policy: RetryPolicy;
  readonly runtime: Runtime;
  readonly secrets: readonly string[];
  /** The `fetch` given in the options, or the global one. */
  readonly fetch: typeof fetch;
  call<S extends z.ZodType>(call: ApiCall<S>): Promise<ApiAnswer<z.output<S>>>;
  /** Runs `attempt` with the retry policy; failures are classified as storage or API answers. */
  retrying<T>(
    attempt: (context: AttemptContext) => Promise<T>,
    options: { what: string; signal?: AbortSignal | undefined; replayable?: boolean },
  ): Promise<T>;
  /** Throws the classified failure of a non-2xx answer. */
  fail(response: Response, what: string, answerer: Answerer, hints?: ErrorHints): Promise<never>;
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
    timeout: options.timeoutMs,
    // Retries are ours (one loop for API and storage, with Retry-After and idempotency in view).
    retry: 0,
    throwHttpErrors: false,
    fetch: fetchFn,
  } as const;
  const api: KyInstance = ky.create({ ...common, prefixUrl: `${baseUrl}/` });
  const authorization = authorizationHeader(options.token);

  const http: ApiHttp = {
    baseUrl,
    policy: options.retry,
    runtime,
    secrets,
    fetch: fetchFn,
    retrying(attempt, { what, signal, replayable }) {
      return withRetries(attempt, {
        policy: options.retry,
        runtime,
        signal,
        replayable,
        classify: (thrown) => failureFromThrown(thrown, what, secrets),
      });
    },
    async fail(response, what, answerer, hints) {
      throw new AttemptError(
        await failureFromResponse(response, what, answerer, secrets, runtime.now(), hints),
      );
    },
    async call<S extends z.ZodType>(call: ApiCall<S>): Promise<ApiAnswer<z.output<S>>> {
      const path = call.params ? pathOf(call.route, call.params, call.what) : call.route.path;
      return http.retrying(
        async ({ earlierAmbiguous }) => {
          const response = await api(path.slice(1), {
            method: call.route.method,
            headers: {
              accept: "application/json",
              ...(call.route.auth ? { authorization } : {}),
            },
            ...(call.json === undefined ? {} : { json: call.json }),
            ...(call.query ? { searchParams: call.query } : {}),
            ...(call.signal ? { signal: call.signal } : {}),
          });
          // Any earlier ambiguous attempt counts, not only the last one: a dropped answer, then a
          // 503, then a 404 still means the first attempt deleted it.
          if (response.status === 404 && call.goneAfterAmbiguousIsSuccess && earlierAmbiguous) {
            await response.body?.cancel();
            return { body: undefined as z.output<S>, headers: response.headers };
          }
          if (!response.ok) return http.fail(response, call.what, "api", call.hints);
          if (!call.schema) {
            await response.body?.cancel();
            return { body: undefined as z.output<S>, headers: response.headers };
          }
          const parsed = call.schema.safeParse(await readJson(response, call.what));
          if (!parsed.success) {
            throw new AgentMailError({
              code: "invalid_response",
              message: `${call.what}: the response does not match the contract (${describeIssues(parsed.error.issues)})`,
            });
          }
          return { body: parsed.data, headers: response.headers };
        },
        { what: call.what, signal: call.signal },
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

async function readJson(response: Response, what: string): Promise<unknown> {
  const text = await response.text();
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
