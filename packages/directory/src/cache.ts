import { DirectoryRecordSchema, type DirectoryRecordWire } from "@assmbl/core";
import { z } from "zod";
import type { KeyvLike } from "./options.js";

/** What the cache remembers about one agent: its last record, or that it does not exist. */
export type CacheEntry =
  | { kind: "record"; record: DirectoryRecordWire; fetchedAt: number }
  | { kind: "missing"; fetchedAt: number };

const CacheEntrySchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("record"), record: DirectoryRecordSchema, fetchedAt: z.number() }),
  z.object({ kind: z.literal("missing"), fetchedAt: z.number() }),
]);

/** Where entries live: in this process, or in a store shared by several. */
export interface EntryCache {
  get(agentId: string): Promise<CacheEntry | undefined>;
  /** `keepMs`: how long the entry is worth keeping at all (TTL plus the stale-if-error window). */
  set(agentId: string, entry: CacheEntry, keepMs: number): Promise<void>;
  delete(agentId: string): Promise<void>;
}

/**
 * A bounded least-recently-used cache in this process.
 *
 * @example
 * const cache = memoryCache(1000, Date.now);
 */
export function memoryCache(maxEntries: number, clock: () => number): EntryCache {
  const entries = new Map<string, { entry: CacheEntry; keepUntil: number }>();
  return {
    async get(agentId) {
      const found = entries.get(agentId);
      if (!found) return undefined;
      if (found.keepUntil <= clock()) {
        entries.delete(agentId);
        return undefined;
      }
      // Re-insert to mark it most recently used.
      entries.delete(agentId);
      entries.set(agentId, found);
      return found.entry;
    },
    async set(agentId, entry, keepMs) {
      entries.delete(agentId);
      entries.set(agentId, { entry, keepUntil: clock() + keepMs });
      while (entries.size > maxEntries) {
        const oldest = entries.keys().next().value;
        if (oldest === undefined) break;
        entries.delete(oldest);
      }
    },
    async delete(agentId) {
      entries.delete(agentId);
    },
  };
}

const PREFIX = "agentmail:directory:";

/** How long one call to a shared store may take before it counts as a miss (or a lost write). */
export const STORE_DEADLINE_MS = 1_000;

/**
 * Entries in a Keyv-compatible store, so that processes sharing it share lookups. What comes
 * back is validated: a store is outside this process's control.
 *
 * The shared store is an optimisation, never a reason for a lookup to fail or hang: a call that
 * fails (Redis down; Keyv 6 rejects a store error nobody listens for) or takes longer than
 * `deadlineMs` (a client queueing commands while offline) counts as a miss, and the lookup asks
 * the directory. Store errors are not kept, logged or rethrown: a store's message may carry its
 * connection string. A Keyv store also gets an `error` listener, since Keyv 6 throws an `error`
 * event its adapter emits (a lost connection) when nobody listens, which would end the process.
 *
 * @example
 * const cache = storeCache(new Keyv(new KeyvRedis(url)));
 */
export function storeCache(store: KeyvLike, deadlineMs = STORE_DEADLINE_MS): EntryCache {
  const events = store as { on?: unknown };
  if (typeof events.on === "function") {
    (events.on as (event: string, listener: () => void) => unknown).call(store, "error", () => {});
  }
  const call = <T>(operation: () => Promise<T> | T) => bestEffort(operation, deadlineMs);
  return {
    async get(agentId) {
      const stored = await call(() => store.get(PREFIX + agentId));
      const parsed = CacheEntrySchema.safeParse(stored);
      return parsed.success ? parsed.data : undefined;
    },
    async set(agentId, entry, keepMs) {
      await call(() => store.set(PREFIX + agentId, entry, keepMs));
    },
    async delete(agentId) {
      await call(() => store.delete(PREFIX + agentId));
    },
  };
}

/** The operation's result, or `undefined` when it throws, rejects or outlasts `deadlineMs`. */
async function bestEffort<T>(
  operation: () => Promise<T> | T,
  deadlineMs: number,
): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, deadlineMs, undefined);
  });
  try {
    const pending = Promise.resolve()
      .then(operation)
      .catch(() => undefined);
    return await Promise.race([pending, late]);
  } finally {
    clearTimeout(timer);
  }
}
