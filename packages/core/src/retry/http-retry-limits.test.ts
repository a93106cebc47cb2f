import { expect, it } from "vitest";
import { HTTP_RETRY_BASE_DELAY_MS, httpRetryPolicy } from "./http-retry-limits.js";
import { retryDelay } from "./policy.js";

it("maps an HTTP client's retry settings onto the engine, with the client's own choices", () => {
  const policy = httpRetryPolicy(
    { limit: 2, backoffLimitMs: 1_000, maxRetryAfterMs: 30_000, maxElapsedMs: 9_000 },
    { retryOn: { statuses: [503] }, retryAfterBeyondCap: "cap" },
  );
  expect(policy).toEqual({
    retries: 2,
    maxElapsedMs: 9_000,
    backoff: { baseDelayMs: HTTP_RETRY_BASE_DELAY_MS, maxDelayMs: 1_000 },
    maxRetryAfterMs: 30_000,
    retryAfterBeyondCap: "cap",
    retryOn: { statuses: [503] },
  });
  // The backoff ceiling starts at 300 ms and stops at backoffLimitMs.
  expect(retryDelay(0, () => 0.5, policy)).toBe(150);
  expect(retryDelay(5, () => 0.5, policy)).toBe(500);
});
