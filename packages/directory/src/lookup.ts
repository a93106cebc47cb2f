import {
  AgentMailError,
  type AgentRecord,
  DirectoryRecordSchema,
  type DirectoryRecordWire,
  Limits,
  normalizeAgentId,
  PricingSchema,
  parseInput,
  Routes,
  routePath,
  toAgentRecord,
} from "@assmbl/core";
import { HTTPError } from "ky";
import { z } from "zod";
import type { CacheEntry, EntryCache } from "./cache.js";
import { parseJson, SignalOptionsSchema } from "./call-helpers.js";
import type { Directory } from "./directory.js";
import { type DirectoryHttp, toAgentMailError } from "./http.js";
import { type KeyPins, sameKey } from "./key-pins.js";
import type { DirectoryOptionsSchema } from "./options.js";

/** Core's `KeyLookupOptions`, checked. @internal */
export const LookupOptionsSchema = z
  .strictObject({ refresh: z.boolean().optional(), signal: z.instanceof(AbortSignal).optional() })
  .optional();

/**
 * What the lookups share with the rest of the directory client.
 *
 * @internal
 * @example
 * const context: LookupContext = { config, clock: Date.now, cache, http, pins: undefined };
 */
export interface LookupContext {
  config: z.output<typeof DirectoryOptionsSchema>;
  clock: () => number;
  cache: EntryCache;
  http: DirectoryHttp;
  pins: KeyPins | undefined;
}

/**
 * The lookups of the directory client (see `Directory`): records through the cache, and pricing.
 *
 * @internal
 * @example
 * const { lookup } = lookupCalls({ config, clock: Date.now, cache, http, pins: undefined });
 * const peer = await lookup("other-agent");
 */
export function lookupCalls(context: LookupContext): Pick<Directory, "lookup" | "lookupPricing"> {
  const { config, clock, cache, http, pins } = context;
  const inFlight = new Map<string, Promise<CacheEntry>>();

  const isFresh = (entry: CacheEntry, now: number) =>
    now - entry.fetchedAt < (entry.kind === "record" ? config.ttlMs : config.negativeTtlMs);
  const keepMs = (entry: CacheEntry) =>
    entry.kind === "record" ? config.ttlMs + config.staleIfErrorMs : config.negativeTtlMs;

  // One request per agent at a time; the cache and the key-change hook are updated once per fetch.
  function refreshEntry(agentId: string, previous: CacheEntry | undefined): Promise<CacheEntry> {
    const running = inFlight.get(agentId);
    if (running) return running;
    const flight = (async () => {
      const entry = await fetchEntry(agentId);
      if (entry.kind === "record" && previous?.kind === "record" && config.onKeyChange) {
        const before = toAgentRecord(previous.record);
        const now = toAgentRecord(entry.record);
        if (now.openpgpPublicKey && before.openpgpPublicKey && !sameKey(before, now)) {
          // A throwing hook vetoes the new key: the cache keeps the old record.
          config.onKeyChange({ agentId, previous: before, current: now });
        }
      }
      await cache.set(agentId, entry, keepMs(entry));
      return entry;
    })().finally(() => inFlight.delete(agentId));
    inFlight.set(agentId, flight);
    return flight;
  }

  async function fetchEntry(agentId: string): Promise<CacheEntry> {
    const what = `directory lookup of ${agentId}`;
    let body: string;
    try {
      body = await http.client
        .get(
          routePath(Routes.getAgent, { agent_id: agentId }).slice(1),
          http.budget(Limits.directoryRecordBytes, what),
        )
        .text();
    } catch (error) {
      if (error instanceof HTTPError && error.response.status === 404)
        return { kind: "missing", fetchedAt: clock() };
      throw await toAgentMailError(error, what, http);
    }
    const parsed = DirectoryRecordSchema.safeParse(parseJson(body));
    if (!parsed.success) {
      throw new AgentMailError({
        code: "invalid_directory_response",
        message: `${what}: the response is not a directory record`,
      });
    }
    const record: DirectoryRecordWire = parsed.data;
    if (record.agent_id.toLowerCase() !== agentId) {
      throw new AgentMailError({
        code: "invalid_directory_response",
        message: `${what}: the directory answered with the record of ${record.agent_id}`,
      });
    }
    if ((record.openpgp_public_key?.length ?? 0) > Limits.armoredKeyBytes) {
      throw new AgentMailError({
        code: "key_too_large",
        message: `${what}: the armored key is ${record.openpgp_public_key?.length} bytes; at most ${Limits.armoredKeyBytes} are accepted`,
      });
    }
    return { kind: "record", record, fetchedAt: clock() };
  }

  function usable(agentId: string, entry: CacheEntry): AgentRecord {
    if (entry.kind === "missing") {
      throw new AgentMailError({
        code: "agent_not_found",
        message: `no agent ${agentId} in the directory`,
      });
    }
    const record = toAgentRecord(entry.record);
    if (record.keyStatus === "revoked") {
      throw new AgentMailError({
        code: "peer_key_revoked",
        message: `agent ${agentId} has revoked its key`,
      });
    }
    if (!record.openpgpPublicKey) {
      throw new AgentMailError({
        code: "peer_missing_openpgp_public_key",
        message: `agent ${agentId} has registered no OpenPGP public key, so nothing can be encrypted to it`,
      });
    }
    pins?.check(record);
    return record;
  }

  return {
    async lookup(agentId, lookupOptions) {
      const { refresh, signal } =
        parseInput(LookupOptionsSchema, lookupOptions, "lookup options") ?? {};
      const id = normalizeAgentId(agentId);
      if (signal?.aborted) throw abortedError();
      const cached = await abortable(cache.get(id), signal);
      const now = clock();
      if (!refresh && cached && isFresh(cached, now)) return usable(id, cached);
      let entry: CacheEntry;
      try {
        entry = await abortable(refreshEntry(id, cached), signal);
      } catch (error) {
        // The last known record stands in while the directory is down; `usable` refuses it if
        // that record was a revocation, so a revoked key is never served. Never for `refresh`:
        // a caller that asked for the current record (a `freshKeys` send) must not get an old
        // one, which may have been revoked since.
        const stale =
          !refresh &&
          AgentMailError.is(error, "directory_unavailable") &&
          cached?.kind === "record" &&
          now - cached.fetchedAt < config.ttlMs + config.staleIfErrorMs;
        if (stale) return usable(id, cached);
        throw error;
      }
      return usable(id, entry);
    },
    async lookupPricing(agentId, pricingOptions) {
      const { signal } =
        parseInput(SignalOptionsSchema, pricingOptions, "lookupPricing options") ?? {};
      const id = normalizeAgentId(agentId);
      const what = `pricing lookup of ${id}`;
      let json: unknown;
      try {
        json = parseJson(
          await http.client
            .get(routePath(Routes.getPricing, { agent_id: id }).slice(1), {
              ...http.budget(Limits.directoryRecordBytes, what),
              ...(signal ? { signal } : {}),
            })
            .text(),
        );
      } catch (error) {
        const mapped = await toAgentMailError(error, what, http);
        throw mapped.status === 404
          ? new AgentMailError({
              code: "agent_not_found",
              message: `no agent ${id} in the directory`,
            })
          : mapped;
      }
      const parsed = PricingSchema.safeParse(json);
      if (!parsed.success)
        throw new AgentMailError({
          code: "invalid_directory_response",
          message: `${what}: the response is not a pricing record`,
        });
      return parsed.data;
    },
  };
}

/** Races a shared promise against one caller's signal, without cancelling it for the others. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortedError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortedError());
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function abortedError(): AgentMailError {
  return new AgentMailError({ code: "aborted", message: "the lookup was aborted" });
}
