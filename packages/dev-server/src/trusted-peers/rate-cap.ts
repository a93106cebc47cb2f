import { HttpProblem } from "../http/problem.js";
import type { DevStore } from "../store.js";

/**
 * Refuses a `/send` that a recipient's rate cap on the sender does not let through: 429
 * `rate_limited` with `Retry-After` (seconds until the oldest counted message leaves the
 * window). Called before anything of the send is delivered.
 *
 * @example
 * checkRateCaps(store, "buyer", ["seller"]);
 * @throws {HttpProblem} 429 `rate_limited`.
 */
export function checkRateCaps(
  store: DevStore,
  sender: string,
  recipients: readonly string[],
): void {
  const wait = store.trustedPeers.retryAfterSeconds(sender, recipients);
  if (wait === undefined) return;
  throw new HttpProblem(
    "rate_limited",
    `a recipient's rate cap on mail from ${sender} is reached; retry in ${wait} s`,
    { headers: { "Retry-After": String(wait) } },
  );
}
