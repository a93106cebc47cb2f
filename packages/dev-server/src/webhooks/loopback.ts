import { HttpProblem } from "../http/problem.js";

/**
 * Whether a webhook URL names this machine by a loopback address: `localhost`, an IPv4 address
 * in 127.0.0.0/8 or `[::1]`. The dev server delivers webhooks only there, so a test or a demo
 * never makes it send anything off the machine (docs/wire-format.md, "Webhook"). `0.0.0.0`,
 * `*.localhost` and IPv4-mapped IPv6 are refused: what they reach depends on the resolver or
 * the socket stack, not on the URL.
 *
 * @example
 * isLoopbackUrl("http://127.0.0.1:8080/hooks"); // true
 * isLoopbackUrl("https://hooks.example.com/"); // false
 */
export function isLoopbackUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return false;
  // The WHATWG parser has already normalised the host: `127.1` and `2130706433` are 127.0.0.1.
  const host = url.hostname.toLowerCase();
  return host === "localhost" || host === "[::1]" || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * The URL as the WHATWG parser writes it (`new URL(value).href`), when it is on loopback: what is
 * stored, answered and POSTed to, so what was checked is what is used (`http://127.0.0.1\@x/`
 * becomes `http://127.0.0.1/@x/`). Refuses anything else, naming where the value came from (never
 * the URL, which may carry a token in its path or query).
 *
 * @example
 * requireLoopbackUrl("http://127.1:8080/hooks", "url"); // "http://127.0.0.1:8080/hooks"
 * @throws {HttpProblem} 400 `invalid_request`.
 */
export function requireLoopbackUrl(value: string, field: string): string {
  if (isLoopbackUrl(value)) return new URL(value).href;
  throw new HttpProblem(
    "invalid_request",
    `${field}: the dev server delivers webhooks to loopback URLs only (localhost, 127.0.0.0/8 or [::1])`,
  );
}
