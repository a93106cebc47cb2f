// The clock is core's one `Runtime` (the retry engine's); re-exported for the files and tests
// that import it from here. Pacing is core's `RateLimiter` (see rate-limit.ts); the token bucket
// that was here is core's `localRateLimiter` now.
export { type Runtime, realRuntime } from "@assmbl/core";
