// Who may see the web inbox: a developer's browser on this machine, holding the per-server UI
// token that agentmail-dev prints. Every message of every agent is on the page, so no agent
// token grants it, and nothing on it (tokens, SES secrets, keys) is a credential.
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { problemResponse } from "../http/problem.js";
import type { DevStore } from "../store.js";

/** The query parameter of the URL agentmail-dev prints; swapped for a cookie on first use. */
export const WEB_INBOX_TOKEN_PARAM = "token";

// One token and one base path per store: the app and the CLI that printed its URL reach the
// same ones without the server handing them around.
const tokens = new WeakMap<DevStore, string>();
const basePaths = new WeakMap<DevStore, string>();

/**
 * The web inbox's UI token for a dev server's store: random, made on first use, the same for
 * the life of the store. It opens the web inbox only; it is no agent's token.
 *
 * @example
 * const token = webInboxToken(server.store); // "amui_3f0c..."
 */
export function webInboxToken(store: DevStore): string {
  let token = tokens.get(store);
  if (token === undefined) {
    token = `amui_${randomBytes(24).toString("base64url")}`;
    tokens.set(store, token);
  }
  return token;
}

/**
 * Where a dev server's web inbox lives: `/_inbox/<random>/`, made on first use, the same for the
 * life of the store. The UI cookie is scoped to this path: browsers keep cookies per host, not
 * per port, so a cookie on `/` would also go to every other server on localhost (and into its
 * logs); one scoped to an unguessable path goes only to requests for that path.
 *
 * @example
 * webInboxBasePath(server.store); // "/_inbox/Jx3v0c.../"
 */
export function webInboxBasePath(store: DevStore): string {
  let base = basePaths.get(store);
  if (base === undefined) {
    base = `/_inbox/${randomBytes(16).toString("base64url")}/`;
    basePaths.set(store, base);
  }
  return base;
}

/**
 * The URL that opens a running dev server's web inbox in a browser on this machine (the one
 * agentmail-dev prints): `<server url>/?token=<UI token>`.
 *
 * @example
 * const server = await startDevServer({ agents: [{ agentId: "my-agent" }] });
 * console.log(webInboxUrl(server)); // http://127.0.0.1:40123/?token=amui_...
 */
export function webInboxUrl(server: { url: string; store: DevStore }): string {
  return `${server.url}/?${WEB_INBOX_TOKEN_PARAM}=${webInboxToken(server.store)}`;
}

/** The cookie's name: one per port, since browsers share cookies between a host's ports. */
export function webInboxCookieName(c: Context): string {
  const url = new URL(c.req.url);
  return `agentmail_dev_inbox_${url.port || (url.protocol === "https:" ? "443" : "80")}`;
}

/**
 * Sets the UI cookie (HttpOnly, SameSite=Strict, scoped to {@link webInboxBasePath}; the page's
 * scripts never see it) when the query carries the right token; `true` when it did.
 */
export function acceptTokenParam(c: Context, store: DevStore): boolean {
  const given = c.req.query(WEB_INBOX_TOKEN_PARAM);
  if (given === undefined || !sameSecret(given, webInboxToken(store))) return false;
  // A browser may still hold the cookie an earlier version set on `/`, which it sends to every
  // server on localhost: drop it.
  deleteCookie(c, webInboxCookieName(c), { path: "/" });
  setCookie(c, webInboxCookieName(c), given, {
    httpOnly: true,
    sameSite: "Strict",
    path: webInboxBasePath(store),
  });
  return true;
}

/**
 * Lets a request through to the web inbox only from loopback (peer address, when the Node
 * adapter knows it, and a loopback `Host`, against DNS rebinding), and then: at `/`, only with
 * the UI token in the query (which becomes the cookie); under the base path, only with the UI
 * cookie. Refusals are the API's `{error, message}` JSON: 403 for anything not on loopback, 404
 * without the token (as if the page were not there).
 */
export function webInboxAuth(store: DevStore): MiddlewareHandler {
  return async (c, next) => {
    if (!isLoopbackPeer(c) || !isLoopbackHost(c.req.header("host"))) {
      return problemResponse(
        c,
        "forbidden",
        "the web inbox is served to loopback clients only (http://127.0.0.1:<port>/ or http://localhost:<port>/)",
        403,
      );
    }
    const allowed =
      c.req.path === "/"
        ? acceptTokenParam(c, store)
        : sameSecret(getCookie(c, webInboxCookieName(c)), webInboxToken(store));
    if (!allowed) {
      return problemResponse(
        c,
        "not_found",
        "no such route on the AgentMail dev server; the web inbox opens at the URL agentmail-dev prints (/?token=...)",
        404,
      );
    }
    await next();
  };
}

/** Whether the TCP peer is on loopback; in-process requests (no socket) count as local. */
function isLoopbackPeer(c: Context): boolean {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  const address = incoming?.socket?.remoteAddress;
  if (incoming === undefined) return true;
  if (address === undefined) return false;
  return address === "::1" || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address);
}

/**
 * Whether a `Host` header names this machine: `127.x.x.x`, `[::1]`, `localhost` or a
 * `*.localhost` name (which browsers resolve to loopback themselves), with any port.
 *
 * @example
 * isLoopbackHost("127.0.0.1:8025"); // true
 * isLoopbackHost("attacker.example:8025"); // false
 */
export function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined) return false;
  const name = host
    .toLowerCase()
    .replace(/:\d{1,5}$/, "")
    .replace(/\.$/, "");
  return (
    name === "[::1]" ||
    name === "localhost" ||
    name.endsWith(".localhost") ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)
  );
}

function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
