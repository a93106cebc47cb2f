import { type AgentRecord, ApiBaseUrlSchema, ApiTokenSchema } from "@assmbl/core";
import { z } from "zod";

const isFunction = (value: unknown) => typeof value === "function";
const isKeyvLike = (value: unknown) =>
  typeof value === "object" &&
  value !== null &&
  ["get", "set", "delete"].every(
    (method) => typeof (value as Record<string, unknown>)[method] === "function",
  );

export const DirectoryOptionsSchema = z.strictObject({
  baseUrl: ApiBaseUrlSchema,
  token: ApiTokenSchema.optional(),
  ttlMs: z
    .int()
    .nonnegative()
    .default(5 * 60_000),
  negativeTtlMs: z.int().nonnegative().default(30_000),
  staleIfErrorMs: z
    .int()
    .nonnegative()
    .default(60 * 60_000),
  maxEntries: z.int().positive().default(1000),
  timeoutMs: z.int().positive().default(10_000),
  retry: z
    .strictObject({
      limit: z.int().nonnegative().default(2),
      backoffLimitMs: z.int().nonnegative().default(5_000),
      maxRetryAfterMs: z.int().nonnegative().default(30_000),
      maxElapsedMs: z.int().nonnegative().optional(),
    })
    .default({ limit: 2, backoffLimitMs: 5_000, maxRetryAfterMs: 30_000 }),
  fetch: z.custom<typeof fetch>(isFunction, "expected a fetch function").optional(),
  store: z
    .custom<KeyvLike>(isKeyvLike, "expected a Keyv-compatible store with get, set and delete")
    .optional(),
  storeTimeoutMs: z.int().positive().max(60_000).default(1_000),
  pinKeys: z.boolean().default(false),
  onKeyChange: z.custom<(change: KeyChange) => void>(isFunction, "expected a function").optional(),
  clock: z
    .custom<() => number>(isFunction, "expected a function returning milliseconds")
    .optional(),
});

/** A store several processes can share: Keyv, or anything with its `get` / `set` / `delete`. */
export interface KeyvLike {
  get(key: string): Promise<unknown> | unknown;
  /** `ttl` in milliseconds, as Keyv takes it. */
  set(key: string, value: unknown, ttl?: number): Promise<unknown> | unknown;
  delete(key: string): Promise<unknown> | unknown;
}

/** What {@link DirectoryOptions.onKeyChange} receives when a peer's key differs from the cached one. */
export interface KeyChange {
  agentId: string;
  previous: AgentRecord;
  current: AgentRecord;
}

/** Options of `createDirectory`. */
export interface DirectoryOptions {
  /** The AgentMail API base URL (`AGENTMAIL_API_BASE_URL`). */
  baseUrl: string;
  /** Bearer token (`AGENTMAIL_TOKEN`); needed for `register` and `revoke` only. */
  token?: string | undefined;
  /** How long a record stays fresh (default 5 minutes). */
  ttlMs?: number | undefined;
  /** How long "no such agent" is remembered (default 30 s). */
  negativeTtlMs?: number | undefined;
  /** How long past its TTL the last good record may be served while the directory is down (default 1 hour). */
  staleIfErrorMs?: number | undefined;
  /** Bound of the in-memory cache (default 1000 agents). */
  maxEntries?: number | undefined;
  /** Deadline of each attempt, headers and body together (default 10 s); a GET that misses it is retried. */
  timeoutMs?: number | undefined;
  /**
   * GET retries on 429, 5xx, network errors and timeouts: jittered exponential backoff honouring
   * `Retry-After`. `maxElapsedMs` (no default) bounds the time one call spends, attempts and
   * waits together: a retry whose wait would end past it is not made, and the error says so.
   */
  retry?:
    | { limit?: number; backoffLimitMs?: number; maxRetryAfterMs?: number; maxElapsedMs?: number }
    | undefined;
  /** A `fetch` to use instead of the global one. */
  fetch?: typeof fetch | undefined;
  /** Share the cache between processes (a Keyv instance, or any store with the same methods). */
  store?: KeyvLike | undefined;
  /**
   * How long one call to `store` may take (default 1000 ms); a slower, failing or throwing call
   * counts as a miss (a lost write), so a store that is down never fails or hangs a lookup.
   */
  storeTimeoutMs?: number | undefined;
  /** Trust on first use: fail with `peer_key_changed` when a peer's key changes, until `acceptKey`. */
  pinKeys?: boolean | undefined;
  /** Called when a fresh record's key differs from the cached one. */
  onKeyChange?: ((change: KeyChange) => void) | undefined;
  /** Milliseconds since the epoch; for tests (default `Date.now`). */
  clock?: (() => number) | undefined;
}
