import { AgentMailError, type AgentMailErrorCode, ERROR_CODES } from "@assmbl/core";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * An error the server answers with deliberately: a 4xx `{error, message}` response, with extra
 * headers (`Allow`, `WWW-Authenticate`) when the status calls for them.
 */
export class HttpProblem extends AgentMailError {
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    code: AgentMailErrorCode,
    message: string,
    init: { status?: number; headers?: Record<string, string> } = {},
  ) {
    super({ code, message, status: init.status ?? ERROR_CODES[code].status ?? 400 });
    this.headers = init.headers ?? {};
  }
}

/** The body of every non-2xx response (spec §5.2). */
export function errorBody(code: string, message: string): { error: string; message: string } {
  return { error: code, message };
}

/** A JSON `{error, message}` response. */
export function problemResponse(
  c: Context,
  code: string,
  message: string,
  status: number,
  headers: Record<string, string> = {},
): Response {
  return c.json(errorBody(code, message), status as ContentfulStatusCode, headers);
}

/**
 * `AgentMailError`s with a 4xx status are answers (thrown by the store or the helpers); anything
 * else is a bug and becomes a 500 that says nothing about its cause.
 */
export function errorResponse(c: Context, error: unknown): Response {
  if (AgentMailError.is(error) && error.status !== undefined) {
    if (error.status >= 400 && error.status < 500) {
      const headers = error instanceof HttpProblem ? { ...error.headers } : {};
      return problemResponse(c, error.code, error.message, error.status, headers);
    }
  }
  return serverErrorResponse(c, error);
}

/** The 500 answer: logs the cause on the server, tells the client nothing about it. */
export function serverErrorResponse(c: Context, error: unknown): Response {
  logServerError(error);
  return problemResponse(c, "server_error", SERVER_ERROR_MESSAGE, 500);
}

/** What a client sees for any unexpected failure. */
export const SERVER_ERROR_MESSAGE = "the dev server failed unexpectedly; see its console";

/** The dev server is a developer tool: an unexpected failure is worth a line on its console. */
export function logServerError(error: unknown): void {
  console.error("[agentmail-dev] unexpected error:", error);
}
