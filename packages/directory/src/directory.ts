import {
  AgentMailError,
  type AgentRecord,
  DirectoryAlgorithmSchema,
  DirectoryRecordSchema,
  type DirectoryRecordWire,
  type KeyDirectory,
  type KeyLookupOptions,
  Limits,
  normalizeAgentId,
  PricingSchema,
  parseInput,
  RegisterResponseSchema,
  RevokeResponseSchema,
  Routes,
  routePath,
  toAgentRecord,
} from "@assmbl/core";
import { HTTPError } from "ky";
import { z } from "zod";
import { type CacheEntry, memoryCache, storeCache } from "./cache.js";
import { authHeaders, createHttp, toAgentMailError } from "./http.js";
import { KeyPins, sameKey } from "./key-pins.js";
import { type DirectoryOptions, DirectoryOptionsSchema } from "./options.js";
import {
  assertPgpyCanLoad,
  assertPublicKeyOnly,
  type RegisterOptions,
  RegisterOptionsSchema,
} from "./pgpy-guard.js";

/** A peer's pricing, as `GET /public/agents/{id}/pricing` returns it (extra keys kept). */
export type AgentPricing = z.output<typeof PricingSchema>;

/** What `register` sends: the agent's directory key and OpenPGP key, and the version it replaces. */
export interface RegisterInput {
  /** SPKI PEM of the directory key (`generateKeyPair().directoryPublicKeyPem`). */
  publicKey: string;
  algorithm: z.input<typeof DirectoryAlgorithmSchema>;
  /** The new version; greater than the current one. */
  keyVersion: number;
  /** The version being replaced; `null` for a first registration. */
  ifMatchVersion: number | null;
  openpgpPublicKey: string | null;
}

/** The cached directory client; it satisfies core's `KeyDirectory`, so `createMailer` takes it. */
export interface Directory extends KeyDirectory {
  /**
   * The record of an agent with a usable key, from the cache while fresh.
   * @throws {AgentMailError} `invalid_agent_id`, `agent_not_found`, `peer_missing_openpgp_public_key`,
   * `peer_key_revoked`, `key_too_large`, `invalid_directory_response`, `directory_unavailable`,
   * `peer_key_changed` (with `pinKeys`), `aborted`.
   */
  lookup(agentId: string, options?: KeyLookupOptions): Promise<AgentRecord>;
  /** A peer's pricing (not cached). */
  lookupPricing(agentId: string, options?: { signal?: AbortSignal }): Promise<AgentPricing>;
  /**
   * Registers or rotates this agent's keys (needs `token`). Before anything is sent it refuses an
   * `openpgpPublicKey` that is not only a public key (a private key: `invalid_public_key`, never
   * quoting it) and one agents on the Python SDK (PGPy 0.6) cannot use, unless
   * `allowPgpyIncompatibleKey`.
   * @throws {AgentMailError} `invalid_public_key`, `pgpy_incompatible_key` (repair the key with
   * `repairKeyForPgpy` from `@assmbl/crypto`), `key_version_conflict`, `invalid_options`, `unauthorized`,
   * `invalid_directory_response`, `directory_unavailable`.
   */
  register(
    input: RegisterInput,
    options?: RegisterOptions,
  ): Promise<{ agentId: string; keyVersion: number; keyFingerprintSha256: string }>;
  /** Revokes this agent's key (needs `token`). */
  revoke(options?: { signal?: AbortSignal }): Promise<{ agentId: string; revoked: true }>;
  /** With `pinKeys`: trusts the key an agent now presents, named by its `keyFingerprintSha256`. */
  acceptKey(agentId: string, fingerprint: string): void;
}

const LookupOptionsSchema = z
  .strictObject({ refresh: z.boolean().optional(), signal: z.instanceof(AbortSignal).optional() })
  .optional();
const SignalOptionsSchema = z
  .strictObject({ signal: z.instanceof(AbortSignal).optional() })
  .optional();
const RegisterInputSchema = z.strictObject({
  publicKey: z.string().min(1),
  algorithm: DirectoryAlgorithmSchema,
  keyVersion: z.int().positive(),
  ifMatchVersion: z.int().positive().nullable(),
  openpgpPublicKey: z.string().min(1).nullable(),
});

/**
 * A directory client with a cache (the Python SDK's `lookup_public_agent_cached`): fresh records
 * come from memory (or a shared Keyv store), concurrent lookups of one agent share one request,
 * "no such agent" is remembered briefly, and while the directory is down the last good record is
 * served for `staleIfErrorMs`, never one that was revoked. Every record is validated with core's
 * schemas; a key that changes is reported to `onKeyChange`, and with `pinKeys` refused until accepted.
 *
 * @example
 * const directory = createDirectory({ baseUrl: process.env.AGENTMAIL_API_BASE_URL ?? "", ttlMs: 60_000 });
 * const peer = await directory.lookup("other-agent");
 * console.log(peer.keyVersion, peer.openpgpPublicKey?.slice(0, 36));
 * @throws {AgentMailError} `invalid_options` for unknown or malformed options.
 */
export function createDirectory(options: DirectoryOptions): Directory {
  const config = parseInput(DirectoryOptionsSchema, options, "createDirectory options");
  const clock = config.clock ?? Date.now;
  const cache = config.store ? storeCache(config.store) : memoryCache(config.maxEntries, clock);
  const http = createHttp({
    baseUrl: config.baseUrl.replace(/\/+$/, ""),
    token: config.token,
    timeoutMs: config.timeoutMs,
    retry: config.retry,
    fetch: config.fetch,
  });
  const pins = config.pinKeys ? new KeyPins() : undefined;
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
    specificationVersion: "v1",
    async lookup(agentId, lookupOptions) {
      const { refresh, signal } =
        parseInput(LookupOptionsSchema, lookupOptions, "lookup options") ?? {};
      const id = normalizeAgentId(agentId);
      if (signal?.aborted) throw abortedError();
      const cached = await cache.get(id);
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
    async register(input, registerOptions) {
      const { signal, allowPgpyIncompatibleKey } =
        parseInput(RegisterOptionsSchema, registerOptions, "register options") ?? {};
      const body = parseInput(RegisterInputSchema, input, "register input");
      if (body.openpgpPublicKey !== null) {
        assertPublicKeyOnly(body.openpgpPublicKey);
        if (!allowPgpyIncompatibleKey) assertPgpyCanLoad(body.openpgpPublicKey);
      }
      const json = await postJson(
        Routes.register.path,
        {
          public_key: body.publicKey,
          algorithm: body.algorithm,
          key_version: body.keyVersion,
          if_match_version: body.ifMatchVersion,
          openpgp_public_key: body.openpgpPublicKey,
        },
        "register",
        signal,
      );
      const parsed = RegisterResponseSchema.safeParse(json);
      if (!parsed.success)
        throw new AgentMailError({
          code: "invalid_directory_response",
          message: "register: unexpected response",
        });
      await cache.delete(parsed.data.agent_id.toLowerCase());
      return {
        agentId: parsed.data.agent_id,
        keyVersion: parsed.data.key_version,
        keyFingerprintSha256: parsed.data.key_fingerprint_sha256,
      };
    },
    async revoke(revokeOptions) {
      const { signal } = parseInput(SignalOptionsSchema, revokeOptions, "revoke options") ?? {};
      const parsed = RevokeResponseSchema.safeParse(
        await postJson(Routes.revoke.path, {}, "revoke", signal),
      );
      if (!parsed.success)
        throw new AgentMailError({
          code: "invalid_directory_response",
          message: "revoke: unexpected response",
        });
      await cache.delete(parsed.data.agent_id.toLowerCase());
      return { agentId: parsed.data.agent_id, revoked: true };
    },
    acceptKey(agentId, fingerprint) {
      if (!pins)
        throw new AgentMailError({
          code: "invalid_options",
          message: "acceptKey: the directory was created without pinKeys",
        });
      pins.accept(normalizeAgentId(agentId), fingerprint);
    },
  };

  async function postJson(
    path: string,
    json: unknown,
    what: string,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    let text: string;
    try {
      text = await http.client
        .post(path.slice(1), {
          ...http.budget(Limits.jsonResponseBytes, what),
          json,
          headers: authHeaders(http, what),
          ...(signal ? { signal } : {}),
        })
        .text();
    } catch (error) {
      throw await toAgentMailError(error, what, http);
    }
    // Malformed JSON is the caller's schema check to report (invalid_directory_response), not
    // a transport failure.
    return parseJson(text);
  }
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

/** JSON.parse that answers undefined for malformed text, so the schema check reports it. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
