import { assertSafeHeaderValue } from "./header-safety.js";

/**
 * Every AgentMail HTTP operation (spec §5): method, path template and whether it needs the bearer
 * token. Paths marked (ours) in the spec are our reading of the platform; change them here only.
 *
 * @example
 * const { method, path } = Routes.getAgent;
 * fetch(baseUrl + routePath(Routes.getAgent, { agent_id: "other-agent" }), { method });
 */
export const Routes = {
  getAgent: { method: "GET", path: "/public/agents/{agent_id}", auth: false },
  getPricing: { method: "GET", path: "/public/agents/{agent_id}/pricing", auth: false },
  register: { method: "POST", path: "/directory/register", auth: true },
  revoke: { method: "POST", path: "/directory/revoke", auth: true },
  send: { method: "POST", path: "/send", auth: true },
  requestUpload: { method: "POST", path: "/attachments/uploads", auth: true },
  requestDownload: { method: "POST", path: "/attachments/downloads", auth: true },
  listInbox: { method: "GET", path: "/inbox", auth: true },
  getMessage: { method: "GET", path: "/messages/{id}", auth: true },
  deleteMessage: { method: "DELETE", path: "/messages/{id}", auth: true },
  getAttachment: { method: "GET", path: "/messages/{id}/attachments/{index}", auth: true },
  downloadAttachment: {
    method: "POST",
    path: "/messages/{id}/attachments/{index}/download",
    auth: true,
  },
  getNotifications: { method: "GET", path: "/notifications", auth: true },
  putNotifications: { method: "PUT", path: "/notifications", auth: true },
  getWebhook: { method: "GET", path: "/webhook", auth: true },
  putWebhook: { method: "PUT", path: "/webhook", auth: true },
  deleteWebhook: { method: "DELETE", path: "/webhook", auth: true },
  listTrustedPeers: { method: "GET", path: "/trusted-peers", auth: true },
  putTrustedPeer: { method: "PUT", path: "/trusted-peers/{peer_agent_id}", auth: true },
  deleteTrustedPeer: { method: "DELETE", path: "/trusted-peers/{peer_agent_id}", auth: true },
  getBillingPricing: { method: "GET", path: "/billing/pricing", auth: true },
  putBillingPricing: { method: "PUT", path: "/billing/pricing", auth: true },
  getBillingBalance: { method: "GET", path: "/billing/balance", auth: true },
  getBillingUsage: { method: "GET", path: "/billing/usage", auth: true },
} as const satisfies Record<string, RouteDefinition>;

/** One HTTP operation. */
export interface RouteDefinition {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  auth: boolean;
}

/** The name of an operation in {@link Routes}. */
export type RouteName = keyof typeof Routes;

/**
 * The parameters a path template names, e.g. `{ agent_id: string | number }` for
 * `/public/agents/{agent_id}`.
 *
 * @example
 * const params: RoutePathParams<"/messages/{id}"> = { id: "m1" };
 */
export type RoutePathParams<P extends string> = P extends `${string}{${infer K}}${infer Rest}`
  ? { [key in K]: string | number } & RoutePathParams<Rest>
  : unknown;

/**
 * Fills a route's path template, percent-encoding every parameter so an id can never add a
 * path segment. `.` and `..` are refused: URL parsers would resolve them away.
 *
 * @example
 * routePath(Routes.getAttachment, { id: "m 1", index: 0 }); // "/messages/m%201/attachments/0"
 */
export function routePath<R extends RouteDefinition>(
  route: R,
  params: RoutePathParams<R["path"]>,
): string {
  return route.path.replace(/\{(\w+)\}/g, (_, key: string) => {
    const value = (params as Record<string, string | number | undefined>)[key];
    if (value === undefined)
      throw new TypeError(`routePath: missing parameter ${key} for ${route.path}`);
    const encoded = encodeURIComponent(String(value));
    // URL parsers resolve "." and ".." (even as %2E) as dot-segments: such a value can never
    // name a resource, so refuse it rather than address the parent path.
    if (encoded === "." || encoded === "..") {
      throw new TypeError(
        `routePath: ${JSON.stringify(encoded)} cannot be a path parameter of ${route.path}`,
      );
    }
    return encoded;
  });
}

/**
 * The `Authorization` header value for a token (ours: `Bearer <token>`).
 *
 * @example
 * headers.set("Authorization", authorizationHeader(process.env.AGENTMAIL_TOKEN ?? ""));
 */
export function authorizationHeader(token: string): string {
  // A token goes into an HTTP header: no control characters (the message never shows the token).
  assertSafeHeaderValue(token, "token");
  return `Bearer ${token}`;
}

/**
 * HTTP response headers of the AgentMail API that clients act on (spec §5.2).
 *
 * @example
 * const replayed = response.headers.get(ResponseHeaders.idempotentReplayed) === "true";
 */
export const ResponseHeaders = {
  /** `true` on a `/send` answered from an earlier request with the same idempotency key. */
  idempotentReplayed: "Idempotent-Replayed",
  /** Seconds (or an HTTP date) to wait before retrying a 429 or 503. */
  retryAfter: "Retry-After",
} as const;

/**
 * Environment variables the SDK and its examples read.
 *
 * @example
 * const baseUrl = process.env[EnvVars.apiBaseUrl];
 */
export const EnvVars = {
  apiBaseUrl: "AGENTMAIL_API_BASE_URL",
  token: "AGENTMAIL_TOKEN",
} as const;
