import type { IncomingMessage } from "node:http";
import type { MiddlewareHandler } from "hono";
import type { FaultInjector } from "../faults.js";
import { STORAGE_PREFIX } from "../storage/download-url.js";
import { S3Error, s3ErrorResponse } from "../storage/s3-error.js";
import { problemResponse } from "./problem.js";

/**
 * Thrown out of the app (past `onError`) when a response is dropped in-process, where there is no
 * socket to cut: `app.request()` then rejects, as `fetch` does on a network error.
 */
export class DroppedResponseError extends Error {
  constructor() {
    super("the dev server dropped the response (fault injection)");
    this.name = "DroppedResponseError";
  }
}

// @hono/node-server writes nothing for a response with this header: the socket is already gone.
const ALREADY_SENT = "x-hono-already-sent";

/**
 * Applies the {@link FaultInjector}'s decision to each request: waits, then answers a 503 or 429
 * without running the handler, or runs the handler and cuts the connection instead of answering.
 * Storage URLs answer their faults in S3's XML, everything else in `{error, message}` JSON.
 */
export function faultMiddleware(
  injector: FaultInjector,
  isApiPath: (path: string) => boolean,
): MiddlewareHandler {
  return async (c, next) => {
    const path = new URL(c.req.url).pathname;
    const decision = injector.decide(path, isApiPath(path));
    if (!decision) return next();
    if (decision.latencyMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, decision.latencyMs));
    }
    const storage = path.startsWith(STORAGE_PREFIX);
    if (decision.action === "fail") {
      const headers = { "Retry-After": "0" };
      return storage
        ? s3ErrorResponse(
            new S3Error("ServiceUnavailable", "Please reduce your request rate.", 503, headers),
          )
        : problemResponse(
            c,
            "server_error",
            "the dev server failed this request (fault injection); nothing was done",
            503,
            headers,
          );
    }
    if (decision.action === "rate_limit") {
      const headers = { "Retry-After": String(decision.retryAfterSeconds) };
      return storage
        ? s3ErrorResponse(new S3Error("SlowDown", "Please reduce your request rate.", 429, headers))
        : problemResponse(
            c,
            "rate_limited",
            "too many requests (fault injection); nothing was done",
            429,
            headers,
          );
    }
    await next();
    if (decision.action === "drop") {
      const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
      if (!incoming?.socket) throw new DroppedResponseError();
      incoming.socket.destroy();
      c.res = new Response(null, { headers: { [ALREADY_SENT]: "true" } });
    }
  };
}
