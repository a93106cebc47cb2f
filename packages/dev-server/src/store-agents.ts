// Over 300 lines on purpose: one class whose indexes (id, token, SES key) change together.
// The agents half of the dev server's store: who the agents are (ids, bearer tokens, SES
// credentials, pricing) and the directory keys they registered, with the rule that a key belongs
// to one agent. DevStore (store.ts) adds the inboxes on top.
import { randomBytes } from "node:crypto";
import {
  AgentMailError,
  type BillingPricing,
  type DirectoryRecordWire,
  normalizeAgentId,
  parseInput,
} from "@assmbl/core";
import { checkSeedPricing, mergePricing } from "./billing/pricing.js";
import type { StoredInboxMessage } from "./inbox.js";
import { KeyClaims } from "./key-claims.js";
import { type DevPricing, type SeedAgent, SeedAgentSchema } from "./options.js";
import {
  checkedKey,
  checkKeyVersion,
  type DevAgentKey,
  directoryRecordOf,
  type RegisterRequestWire,
  type RegisterResponseWire,
  type RevokeResponseWire,
  seedKey,
} from "./registration.js";
import { type DevSesCredentials, generateSesCredentials } from "./ses/credentials.js";

/**
 * A snapshot of one agent the server knows.
 *
 * @example
 * const { token, key } = store.agent("peer") ?? {};
 */
export interface DevAgent {
  agentId: string;
  token: string;
  /** The SES credentials the SES endpoint accepts from this agent (and only for its address). */
  ses: DevSesCredentials;
  pricing: DevPricing;
  /** `null` until the agent registers a key (or is seeded with one). */
  key: DevAgentKey | null;
}

const DEFAULT_PRICING: DevPricing = { pricing_model: "free", base_price: 0 };

/** One agent as the store holds it (snapshots are copies of this). */
export interface AgentState {
  agentId: string;
  token: string;
  ses: DevSesCredentials;
  pricing: DevPricing;
  key: DevAgentKey | null;
  /** Oldest first. */
  inbox: StoredInboxMessage[];
}

/**
 * The agents and their directory keys; `DevStore` extends it with inboxes, and is what
 * routes and tests use.
 *
 * @example
 * const store = new DevStore();
 * (await store.addAgent({ agentId: "peer" })).token; // "amdev_..."
 */
export class DevAgents {
  /** The domain of agents' addresses (lower-case). */
  readonly mailDomain: string;
  readonly #agentsById = new Map<string, AgentState>();
  readonly #byToken = new Map<string, AgentState>();
  readonly #bySesKey = new Map<string, AgentState>();
  readonly #keyClaims = new KeyClaims();

  constructor(mailDomain: string) {
    this.mailDomain = mailDomain;
  }

  /**
   * Adds an agent, with a generated token and SES credentials unless they are given; with
   * `publicKey`, the agent is registered at `key_version` 1 (the same rules as
   * `POST /directory/register`: a key no other agent holds, an OpenPGP key whose user ids all name
   * `<agentId>@<mailDomain>` and are certified by it).
   *
   * @example
   * const { agentId, token, ses } = await store.addAgent({ agentId: "Other-Agent", publicKey: pem });
   * // agentId: "other-agent"; ses.accessKeyId: "AKIADEV..."
   * @throws {AgentMailError} `invalid_options` for a bad seed, a duplicate id, a shared token or
   * SES access key, or a key that is another agent's or does not name this agent.
   */
  async addAgent(seed: SeedAgent): Promise<DevAgent> {
    const parsed = parseInput(SeedAgentSchema, seed, "seed agent");
    const fail = (message: string) =>
      new AgentMailError({
        code: "invalid_options",
        message: `seed agent "${parsed.agentId}": ${message}`,
      });
    if (this.#agentsById.has(parsed.agentId)) throw fail("an agent with this id already exists");
    const token = parsed.token ?? `amdev_${randomBytes(24).toString("base64url")}`;
    if (this.#byToken.has(token)) throw fail("its token is already another agent's token");
    if ((parsed.sesAccessKeyId === undefined) !== (parsed.sesSecretAccessKey === undefined)) {
      throw fail("give both sesAccessKeyId and sesSecretAccessKey, or neither");
    }
    const ses =
      parsed.sesAccessKeyId !== undefined && parsed.sesSecretAccessKey !== undefined
        ? { accessKeyId: parsed.sesAccessKeyId, secretAccessKey: parsed.sesSecretAccessKey }
        : generateSesCredentials();
    if (this.#bySesKey.has(ses.accessKeyId)) {
      throw fail("its sesAccessKeyId is already another agent's");
    }
    checkSeedPricing(parsed.pricing, fail);
    const { key, fingerprints } = await seedKey(parsed, `${parsed.agentId}@${this.mailDomain}`);
    // Checked again after the await: another addAgent may have taken the id, token or key.
    if (this.#agentsById.has(parsed.agentId)) throw fail("an agent with this id already exists");
    if (this.#byToken.has(token)) throw fail("its token is already another agent's token");
    if (this.#bySesKey.has(ses.accessKeyId)) {
      throw fail("its sesAccessKeyId is already another agent's");
    }
    if (key !== null) {
      this.#keyClaims.check(
        parsed.agentId,
        fingerprints,
        "invalid_options",
        `seed agent "${parsed.agentId}": `,
      );
    }
    const state: AgentState = {
      agentId: parsed.agentId,
      token,
      ses,
      pricing: { ...(parsed.pricing ?? DEFAULT_PRICING) },
      key,
      inbox: [],
    };
    this.#agentsById.set(state.agentId, state);
    this.#byToken.set(token, state);
    this.#bySesKey.set(ses.accessKeyId, state);
    this.#keyClaims.claim(state.agentId, fingerprints);
    return snapshot(state);
  }

  /**
   * The agent with this id (case-insensitive), or `undefined`, also for an invalid id.
   *
   * @example
   * store.agent("PEER")?.agentId; // "peer"
   */
  agent(agentId: string): DevAgent | undefined {
    const state = this.findAgent(agentId);
    return state && snapshot(state);
  }

  /**
   * The agent a bearer token belongs to, or `undefined`.
   *
   * @example
   * store.agentByToken(token)?.agentId;
   */
  agentByToken(token: string): DevAgent | undefined {
    const state = this.#byToken.get(token);
    return state && snapshot(state);
  }

  /**
   * The agent SES credentials with this access key id belong to, or `undefined`.
   *
   * @example
   * store.agentBySesAccessKey(server.agents["my-agent"].ses.accessKeyId)?.agentId; // "my-agent"
   */
  agentBySesAccessKey(accessKeyId: string): DevAgent | undefined {
    const state = typeof accessKeyId === "string" ? this.#bySesKey.get(accessKeyId) : undefined;
    return state && snapshot(state);
  }

  /**
   * Every agent, in the order they were added.
   *
   * @example
   * store.agents().map((agent) => agent.agentId);
   */
  agents(): DevAgent[] {
    return [...this.#agentsById.values()].map(snapshot);
  }

  /**
   * The directory record (spec §6) of an agent with a registered key, or `undefined`.
   *
   * @example
   * store.directoryRecord("peer")?.key_status; // "active"
   */
  directoryRecord(agentId: string): DirectoryRecordWire | undefined {
    const state = this.findAgent(agentId);
    if (!state?.key) return undefined;
    return directoryRecordOf(state.agentId, state.key);
  }

  /**
   * An agent's pricing (wire form), or `undefined` for an unknown agent.
   *
   * @example
   * store.pricing("peer"); // { pricing_model: "free", base_price: 0 }
   */
  pricing(agentId: string): DevPricing | undefined {
    const state = this.findAgent(agentId);
    return state && { ...state.pricing };
  }

  /**
   * Changes an agent's pricing (`PUT /billing/pricing`): the fields given replace the stored
   * ones, absent fields keep theirs (a new agent's pricing is `{pricing_model: "free",
   * base_price: 0}`). Answers the whole pricing, which is what `GET /billing/pricing` and the
   * public `GET /public/agents/{id}/pricing` answer from now on. The dev server's wallets hold
   * USD: another `currency` is refused.
   *
   * @example
   * store.setPricing("seller", { pricing_model: "per_request", enabled: true, base_price: 0.01 });
   * @throws {AgentMailError} `agent_not_found`; `invalid_request` for a pricing that is not a
   * `BillingPricingPayload` or names a currency other than USD.
   */
  setPricing(agentId: string, pricing: BillingPricing): DevPricing {
    const state = this.requireAgent(agentId);
    const next = mergePricing(state.pricing, pricing);
    state.pricing = next;
    return { ...state.pricing };
  }

  /**
   * Registers or rotates an agent's key with optimistic concurrency: `if_match_version` must be the
   * current `key_version` (`null` when there is none) and `key_version` must be greater than it.
   * Registering after a revocation re-activates the agent.
   *
   * @example
   * await store.register("peer", { public_key: pem, algorithm: "Ed25519", key_version: 2,
   *   if_match_version: 1, openpgp_public_key: armored });
   * @throws {AgentMailError} `agent_not_found`; `invalid_request` for a key that is not an SPKI PEM
   * or does not match `algorithm`, or an OpenPGP key that is not one readable public key;
   * `key_too_large` for an OpenPGP key over 64 KiB; `key_identity_mismatch` (400) for an OpenPGP
   * key with a user id that does not name `<agent_id>@<mail_domain>` or is not certified by the
   * key; `key_in_use` (409) for a key (SPKI, OpenPGP primary or subkey: by fingerprint or by
   * key material) another agent holds or held;
   * `key_version_conflict` (409).
   */
  async register(agentId: string, request: RegisterRequestWire): Promise<RegisterResponseWire> {
    const state = this.requireAgent(agentId);
    const { key, fingerprints } = await checkedKey(
      {
        publicKey: request.public_key,
        algorithm: request.algorithm,
        openpgpPublicKey: request.openpgp_public_key,
        keyVersion: request.key_version,
        address: `${state.agentId}@${this.mailDomain}`,
      },
      "invalid_request",
      ["public_key", "algorithm", "openpgp_public_key"],
    );
    this.#keyClaims.check(state.agentId, fingerprints);
    checkKeyVersion(state.key?.keyVersion ?? null, request);
    state.key = key;
    this.#keyClaims.claim(state.agentId, fingerprints);
    return {
      agent_id: state.agentId,
      key_version: key.keyVersion,
      key_fingerprint_sha256: key.keyFingerprintSha256,
    };
  }

  /**
   * Revokes an agent's key: its record stays, with `key_status: "revoked"` and no OpenPGP key.
   * Revoking twice is harmless.
   *
   * @example
   * store.revoke("peer"); // { agent_id: "peer", revoked: true }
   * @throws {AgentMailError} `agent_not_found` for an unknown agent or one without a key.
   */
  revoke(agentId: string): RevokeResponseWire {
    const state = this.requireAgent(agentId);
    if (!state.key) {
      throw new AgentMailError({
        code: "agent_not_found",
        message: `agent ${state.agentId} has no registered key to revoke`,
      });
    }
    state.key = { ...state.key, keyStatus: "revoked", openpgpPublicKey: null };
    return { agent_id: state.agentId, revoked: true };
  }

  /** Whether `sender` is the address of a known agent on the mail domain. @internal */
  protected isLocalAgent(sender: string): boolean {
    const at = sender.lastIndexOf("@");
    if (at < 1 || sender.slice(at + 1).toLowerCase() !== this.mailDomain) return false;
    return this.findAgent(sender.slice(0, at)) !== undefined;
  }

  /** The state of an agent (case-insensitive id), or `undefined`, also for an invalid id. @internal */
  protected findAgent(agentId: string): AgentState | undefined {
    if (typeof agentId !== "string") return undefined;
    let id: string;
    try {
      id = normalizeAgentId(agentId);
    } catch {
      return undefined;
    }
    return this.#agentsById.get(id);
  }

  /** The state of an agent, or `agent_not_found`. @internal */
  protected requireAgent(agentId: string): AgentState {
    const state = this.findAgent(agentId);
    if (!state) {
      throw new AgentMailError({
        code: "agent_not_found",
        message: `agent ${JSON.stringify(String(agentId).slice(0, 80))} is not known to this server`,
      });
    }
    return state;
  }
}

function snapshot(state: AgentState): DevAgent {
  return {
    agentId: state.agentId,
    token: state.token,
    ses: { ...state.ses },
    pricing: { ...state.pricing },
    key: state.key && { ...state.key },
  };
}
