import { errorChain, networkFailure } from "./network-errors.js";

/**
 * Where a request went, as `host:port` and nothing else: a URL may carry a token in its query
 * (presigned storage URLs do) or credentials in its user info, and an error message must name
 * the peer without them. `undefined` when `url` is not an absolute URL.
 *
 * @example
 * hostOf("https://s3.example.com/bucket/key?X-Amz-Signature=abc"); // "s3.example.com:443"
 * hostOf(new URL("http://127.0.0.1:8025/v1/send")); // "127.0.0.1:8025"
 */
export function hostOf(url: string | URL | undefined): string | undefined {
  if (url === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = typeof url === "string" ? new URL(url) : url;
  } catch {
    return undefined;
  }
  const port = parsed.port || DEFAULT_PORTS[parsed.protocol];
  if (!parsed.hostname) return undefined;
  return port ? `${parsed.hostname}:${port}` : parsed.hostname;
}

const DEFAULT_PORTS: Readonly<Record<string, string>> = { "http:": "80", "https:": "443" };

/**
 * A network failure as one clause for an error message: the peer (`host:port`) and the cause
 * code from core's one classification ({@link networkFailure}), e.g.
 * `could not connect to 127.0.0.1:8025 (ECONNREFUSED)`. The peer is `url`'s origin (never its
 * path, query or user info); without `url`, it is read from the socket error down the chain
 * (Node's `address` and `port`, or the `hostname` of a failed DNS lookup), which is what the AWS
 * SDK and undici attach. "could not connect" is said only when the classification proves nothing
 * was sent; otherwise "the connection to ... failed". It never throws: it takes whatever a
 * request threw.
 *
 * @example
 * describeNetworkFailure(new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } }), "http://127.0.0.1:8025/v1/send?token=t");
 * // "could not connect to 127.0.0.1:8025 (ECONNREFUSED)"
 */
export function describeNetworkFailure(error: unknown, url?: string | URL): string {
  const failure = networkFailure(error);
  const host = hostOf(url) ?? hostInChain(error) ?? "the server";
  const code = failure?.code ?? innermostMessage(error) ?? "network error";
  return failure?.sent === "no"
    ? `could not connect to ${host} (${code})`
    : `the connection to ${host} failed (${code})`;
}

// Node's socket errors carry `address` and `port`; a DNS failure carries `hostname`.
function hostInChain(error: unknown): string | undefined {
  for (const link of errorChain(error)) {
    const address = field(link, "address");
    if (typeof address === "string" && address) {
      const port = field(link, "port");
      const host = address.includes(":") ? `[${address}]` : address;
      return typeof port === "number" || typeof port === "string" ? `${host}:${port}` : host;
    }
    const hostname = field(link, "hostname");
    if (typeof hostname === "string" && hostname) return hostname;
  }
  return undefined;
}

// The deepest message (the socket's own, e.g. "other side closed") when no code was found: it
// says more than "fetch failed". Any URL in it is cut to its host (a query may hold a token),
// and it is capped: it is a peer-influenced string in a one-line message.
function innermostMessage(error: unknown): string | undefined {
  const chain = errorChain(error);
  for (let index = chain.length - 1; index >= 0; index -= 1) {
    const message = field(chain[index], "message");
    if (typeof message === "string" && message) {
      return message.replace(URL_IN_TEXT, (found) => hostOf(found) ?? "<url>").slice(0, 200);
    }
  }
  return undefined;
}

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/\S+/gi;

// A getter that throws (a proxy, a hostile error object) reads as absent.
function field(link: unknown, key: string): unknown {
  if (typeof link !== "object" || link === null) return undefined;
  try {
    return (link as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}
