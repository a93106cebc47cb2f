/**
 * Error codes (Node's sockets and DNS, undici) of failures that prove the request never left this
 * machine: no connection was made, so the peer cannot have done the work and a retry is as safe
 * as the first try.
 *
 * @example
 * NOT_SENT_NETWORK_CODES.has("ECONNREFUSED"); // true
 */
export const NOT_SENT_NETWORK_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  // Unreachable: only from a connect (see `networkFailure`: from a read or write, maybe sent).
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
  // The connection (TCP, and TLS with undici) was not made in time: no request byte was written.
  "UND_ERR_CONNECT_TIMEOUT",
  "ERR_SOCKET_CONNECTION_TIMEOUT",
]);

/**
 * Error codes of network failures after which the request may have reached the peer (a reset or
 * closed socket, a read timeout): it may have done the work even though no answer came.
 *
 * @example
 * MAYBE_SENT_NETWORK_CODES.has("ECONNRESET"); // true
 */
export const MAYBE_SENT_NETWORK_CODES: ReadonlySet<string> = new Set([
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ECONNABORTED",
  "ENETDOWN",
  "EPROTO",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "ERR_STREAM_PREMATURE_CLOSE",
]);

/**
 * A network failure, classified by {@link networkFailure}: its code (when one was found) and
 * whether the request may have reached the peer.
 *
 * @example
 * const failure: NetworkFailure = { code: "ECONNREFUSED", sent: "no" };
 */
export interface NetworkFailure {
  /** The first known network code down the cause chain, e.g. `ECONNRESET`. */
  code: string | undefined;
  /** `no`: provably nothing left this machine; `maybe`: the request may have reached the peer. */
  sent: "no" | "maybe";
}

// Deep enough for fetch's TypeError -> undici's error -> AggregateError -> socket errors.
const MAX_LINKS = 16;

/**
 * Every error in `error`'s chain, breadth first: the error, its `cause`, and the `errors` of an
 * `AggregateError` (Node's "happy eyeballs" connect, which tries each address), cycles skipped.
 *
 * @example
 * for (const link of errorChain(caught)) console.log((link as Error).name);
 */
export function errorChain(error: unknown): unknown[] {
  const links: unknown[] = [];
  const queue: unknown[] = [error];
  const seen = new Set<unknown>();
  while (queue.length > 0 && links.length < MAX_LINKS) {
    const link = queue.shift();
    if (link === undefined || link === null || seen.has(link)) continue;
    seen.add(link);
    links.push(link);
    if (typeof link !== "object") continue;
    const cause = read(link, "cause");
    const errors = read(link, "errors");
    queue.push(cause);
    if (Array.isArray(errors)) queue.push(...errors.slice(0, MAX_LINKS));
  }
  return links;
}

// These functions take anything a call threw, so there is no input to reject: instead they never
// throw themselves. A getter that throws (a proxy, a hostile error object) reads as absent.
function read(link: unknown, key: "cause" | "errors" | "code" | "name" | "syscall"): unknown {
  if (typeof link !== "object" || link === null) return undefined;
  try {
    return (link as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

const codeOf = (link: unknown) => {
  const code = read(link, "code");
  return typeof code === "string" ? code : undefined;
};
const nameOf = (link: unknown) => {
  const name = read(link, "name");
  return typeof name === "string" ? name : undefined;
};

/**
 * Classifies what a request threw as a network failure, or `undefined` when it is none. One
 * classification for every transport:
 *
 * - a known code anywhere down the chain ({@link errorChain}): undici's `fetch failed` with
 *   `cause.code`, a Node socket or DNS error (as the AWS SDK's HTTP handler throws it, with no
 *   `$metadata`), an `AggregateError` of connect attempts. `sent: "maybe"` when any link has one
 *   of {@link MAYBE_SENT_NETWORK_CODES} (or `EHOSTUNREACH`/`ENETUNREACH` from a `read` or `write`
 *   syscall, which an established connection reports); otherwise `sent: "no"` when a link has one
 *   of {@link NOT_SENT_NETWORK_CODES};
 * - otherwise a `TypeError` in the chain, which is what the Fetch standard rejects with on a
 *   network error (`fetch failed`, `Failed to fetch`, `terminated`, ...): `sent: "maybe"`, with
 *   no code. Call this on what `fetch` (or an HTTP client) threw, not on any error.
 *
 * @example
 * networkFailure(new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } })); // { code: "ECONNREFUSED", sent: "no" }
 * networkFailure(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })); // { code: "ECONNRESET", sent: "maybe" }
 * networkFailure(new Error("bad input")); // undefined
 */
export function networkFailure(error: unknown): NetworkFailure | undefined {
  const links = errorChain(error);
  let notSent: string | undefined;
  for (const link of links) {
    const code = codeOf(link);
    if (code === undefined) continue;
    // Any sign that the request may have left wins over a refusal found before it (a wrapper
    // that tried twice, an AggregateError of both): "no" must be proven by the whole chain.
    if (MAYBE_SENT_NETWORK_CODES.has(code) || sentBeforeFailing(link, code)) {
      return { code, sent: "maybe" };
    }
    if (NOT_SENT_NETWORK_CODES.has(code)) notSent ??= code;
  }
  if (notSent !== undefined) return { code: notSent, sent: "no" };
  if (links.some((link) => nameOf(link) === "TypeError")) return { code: undefined, sent: "maybe" };
  return undefined;
}

// Unreachable host or network: "nothing sent" when the connect failed, but Linux also reports
// an ICMP unreachable on an established connection as the socket's error once its
// retransmissions give up (`read EHOSTUNREACH`), after the request was written.
const UNREACHABLE_CODES: ReadonlySet<string> = new Set(["EHOSTUNREACH", "ENETUNREACH"]);

/** A not-sent code that Node's `syscall` shows came from a read or write, not a connect. */
function sentBeforeFailing(link: unknown, code: string): boolean {
  if (!UNREACHABLE_CODES.has(code)) return false;
  const syscall = read(link, "syscall");
  return typeof syscall === "string" && syscall !== "connect";
}

/**
 * The network code of a failed request (see {@link networkFailure}), e.g. `ECONNRESET`.
 *
 * @example
 * networkErrorCode(new TypeError("fetch failed", { cause: { code: "ENOTFOUND" } })); // "ENOTFOUND"
 */
export function networkErrorCode(error: unknown): string | undefined {
  return networkFailure(error)?.code;
}

/**
 * Whether what a request threw is a network failure (see {@link networkFailure}).
 *
 * @example
 * isNetworkError(new TypeError("fetch failed")); // true
 */
export function isNetworkError(error: unknown): boolean {
  return networkFailure(error) !== undefined;
}

/**
 * Whether what a request threw is a timeout: an error named `TimeoutError` down the chain
 * (`AbortSignal.timeout`'s DOMException, ky's `TimeoutError`, the AWS SDK's socket timeout).
 *
 * @example
 * isTimeoutError(new DOMException("late", "TimeoutError")); // true
 */
export function isTimeoutError(error: unknown): boolean {
  return errorChain(error).some((link) => nameOf(link) === "TimeoutError");
}
