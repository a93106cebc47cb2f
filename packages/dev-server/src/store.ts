import { randomBytes } from "node:crypto";
import {
  AgentMailError,
  type AgentMailErrorCode,
  type AgentRecord,
  type DirectoryAlgorithm,
  type DirectoryRecordWire,
  Limits,
  normalizeAgentId,
  parseInput,
  type RegisterRequestSchema,
  type RegisterResponseSchema,
  type RevokeResponseSchema,
} from "@assmbl/core";
import { z } from "zod";
import {
  copyInboxMessage,
  type DeliverOptions,
  type DevAttachmentStatus,
  type DevInboxMessage,
  inboxMessage,
  type StoredInboxMessage,
} from "./inbox.js";
import { type DevInboxPage, type InboxQuery, inboxPage } from "./inbox-page.js";
import { KeyClaims, openpgpFingerprints } from "./key-claims.js";
import { algorithmFits, inspectSpkiPem } from "./keys.js";
import { DEFAULTS, type DevPricing, type SeedAgent, SeedAgentSchema } from "./options.js";
import { type DevSesCredentials, generateSesCredentials } from "./ses/credentials.js";
import { type DevStoredObject, ObjectStore } from "./storage/object-store.js";

/**
 * `POST /directory/register` body, as validated by core's `RegisterRequestSchema`.
 *
 * @example
 * const request: RegisterRequestWire = { public_key: pem, algorithm: "Ed25519", key_version: 1,
 *   if_match_version: null, openpgp_public_key: null };
 */
export type RegisterRequestWire = z.output<typeof RegisterRequestSchema>;
/**
 * `POST /directory/register` response.
 *
 * @example
 * const { key_version, key_fingerprint_sha256 }: RegisterResponseWire = store.register(id, request);
 */
export type RegisterResponseWire = z.output<typeof RegisterResponseSchema>;
/**
 * `POST /directory/revoke` response.
 *
 * @example
 * const { revoked }: RevokeResponseWire = store.revoke("peer"); // true
 */
export type RevokeResponseWire = z.output<typeof RevokeResponseSchema>;

/**
 * The key an agent registered: core's camelCase directory record without the agent id
 * (`openpgpPublicKey` is null when none was registered, and always after revocation).
 *
 * @example
 * store.agent("peer")?.key?.keyVersion; // 1
 */
export type DevAgentKey = Omit<AgentRecord, "agentId">;

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

/**
 * Options of {@link DevStore}.
 *
 * @example
 * new DevStore({ mailDomain: "agents.test" });
 */
export interface DevStoreOptions {
  /** The domain of agents' addresses; default `agents.localhost`. */
  mailDomain?: string | undefined;
  /**
   * How long a delivered message's attachments report `pending` before `ready`; default 0.
   */
  attachmentProcessingMs?: number | undefined;
  /**
   * The largest MIME message `POST /send` composes with its attachments inline (estimated);
   * a larger one is delivered by reference: each attachment part is left empty and its bytes
   * are downloaded from storage. Default and maximum `Limits.sesV2MessageBytes` (40 MiB, SES's
   * limit); a test sets it low to exercise delivery by reference with small files.
   */
  inlineMessageBytes?: number | undefined;
}

/**
 * What {@link DevStore.updateMessage} changes; absent fields stay as they are.
 *
 * @example
 * store.updateMessage(messageId, { labels: ["invoices"], isArchived: true });
 */
export interface DevMessageUpdate {
  labels?: string[] | undefined;
  isRead?: boolean | undefined;
  isArchived?: boolean | undefined;
}

const StoreOptionsSchema = z.strictObject({
  mailDomain: z.string().min(1).optional(),
  attachmentProcessingMs: z.int().min(0).max(3_600_000).optional(),
  inlineMessageBytes: z.int().min(0).max(Limits.sesV2MessageBytes).optional(),
});

const MessageUpdateSchema = z.strictObject({
  labels: z.array(z.string().min(1).max(256)).max(100).optional(),
  isRead: z.boolean().optional(),
  isArchived: z.boolean().optional(),
});

interface AgentState {
  agentId: string;
  token: string;
  ses: DevSesCredentials;
  pricing: DevPricing;
  key: DevAgentKey | null;
  /** Oldest first. */
  inbox: StoredInboxMessage[];
}

const DEFAULT_PRICING: DevPricing = { pricing_model: "free", base_price: 0 };

/**
 * The dev server's in-memory state: agents, their tokens, directory keys and inboxes. Routes call it; tests
 * may call it directly to arrange or inspect state without HTTP. Every method that can fail throws
 * an `AgentMailError` whose code and status are what the HTTP API answers.
 *
 * @example
 * const store = new DevStore();
 * const { token } = store.addAgent({ agentId: "my-agent" });
 * store.register("my-agent", { public_key: pem, algorithm: "Ed25519", key_version: 1,
 *   if_match_version: null, openpgp_public_key: null });
 * store.directoryRecord("MY-AGENT")?.key_version; // 1
 */
export class DevStore {
  /** The domain of agents' addresses (lower-case). */
  readonly mailDomain: string;
  /** How long attachments of a new message stay `pending`. */
  readonly attachmentProcessingMs: number;
  /** The largest message `/send` composes with attachments inline; see {@link DevStoreOptions}. */
  readonly inlineMessageBytes: number;
  /** Uploaded objects and presigned-upload grants (the platform's storage). */
  readonly objects = new ObjectStore();
  readonly #agents = new Map<string, AgentState>();
  readonly #byToken = new Map<string, AgentState>();
  readonly #bySesKey = new Map<string, AgentState>();
  readonly #keyClaims = new KeyClaims();
  readonly #messages = new Map<string, StoredInboxMessage>();
  #deliveries = 0;

  /**
   * @throws {AgentMailError} `invalid_options` for unknown or bad options.
   */
  constructor(options: DevStoreOptions = {}) {
    const parsed = parseInput(StoreOptionsSchema, options, "DevStore options");
    this.mailDomain = (parsed.mailDomain ?? DEFAULTS.mailDomain).toLowerCase();
    this.attachmentProcessingMs = parsed.attachmentProcessingMs ?? 0;
    this.inlineMessageBytes = parsed.inlineMessageBytes ?? Limits.sesV2MessageBytes;
  }

  /**
   * Adds an agent, with a generated token and SES credentials unless they are given; with
   * `publicKey`, the agent is registered at `key_version` 1 (the same rules as
   * `POST /directory/register`: a key no other agent holds, an OpenPGP key whose user ids name
   * `<agentId>@<mailDomain>`).
   *
   * @example
   * const { agentId, token, ses } = store.addAgent({ agentId: "Other-Agent", publicKey: pem });
   * // agentId: "other-agent"; ses.accessKeyId: "AKIADEV..."
   * @throws {AgentMailError} `invalid_options` for a bad seed, a duplicate id, a shared token or
   * SES access key, or a key that is another agent's or does not name this agent.
   */
  addAgent(seed: SeedAgent): DevAgent {
    const parsed = parseInput(SeedAgentSchema, seed, "seed agent");
    const fail = (message: string) =>
      new AgentMailError({
        code: "invalid_options",
        message: `seed agent "${parsed.agentId}": ${message}`,
      });
    if (this.#agents.has(parsed.agentId)) throw fail("an agent with this id already exists");
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
    if (
      parsed.publicKey === undefined &&
      (parsed.algorithm !== undefined || parsed.openpgpPublicKey)
    ) {
      throw fail("algorithm and openpgpPublicKey need a publicKey");
    }
    let key: DevAgentKey | null = null;
    let fingerprints: string[] = [];
    if (parsed.publicKey !== undefined) {
      ({ key, fingerprints } = checkedKey(
        {
          publicKey: parsed.publicKey,
          algorithm: parsed.algorithm,
          openpgpPublicKey: parsed.openpgpPublicKey ?? null,
          keyVersion: 1,
          address: `${parsed.agentId}@${this.mailDomain}`,
        },
        "invalid_options",
        ["publicKey", "algorithm", "openpgpPublicKey"],
        `seed agent "${parsed.agentId}": `,
      ));
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
    this.#agents.set(state.agentId, state);
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
    const state = this.#find(agentId);
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
    return [...this.#agents.values()].map(snapshot);
  }

  /**
   * The directory record (spec §6) of an agent with a registered key, or `undefined`.
   *
   * @example
   * store.directoryRecord("peer")?.key_status; // "active"
   */
  directoryRecord(agentId: string): DirectoryRecordWire | undefined {
    const state = this.#find(agentId);
    if (!state?.key) return undefined;
    const { key } = state;
    return {
      agent_id: state.agentId,
      public_key: key.publicKey,
      algorithm: key.algorithm,
      key_fingerprint_sha256: key.keyFingerprintSha256,
      key_version: key.keyVersion,
      key_status: key.keyStatus,
      openpgp_public_key: key.openpgpPublicKey,
    };
  }

  /**
   * An agent's pricing (wire form), or `undefined` for an unknown agent.
   *
   * @example
   * store.pricing("peer"); // { pricing_model: "free", base_price: 0 }
   */
  pricing(agentId: string): DevPricing | undefined {
    const state = this.#find(agentId);
    return state && { ...state.pricing };
  }

  /**
   * Registers or rotates an agent's key with optimistic concurrency: `if_match_version` must be the
   * current `key_version` (`null` when there is none) and `key_version` must be greater than it.
   * Registering after a revocation re-activates the agent.
   *
   * @example
   * store.register("peer", { public_key: pem, algorithm: "Ed25519", key_version: 2,
   *   if_match_version: 1, openpgp_public_key: armored });
   * @throws {AgentMailError} `agent_not_found`; `invalid_request` for a key that is not an SPKI PEM
   * or does not match `algorithm`, or an OpenPGP key that is not one readable public key;
   * `key_too_large` for an OpenPGP key over 64 KiB; `key_identity_mismatch` (400) for an OpenPGP
   * key none of whose user ids names `<agent_id>@<mail_domain>`; `key_in_use` (409) for a key
   * (SPKI, OpenPGP primary or subkey fingerprint) another agent holds or held;
   * `key_version_conflict` (409).
   */
  register(agentId: string, request: RegisterRequestWire): RegisterResponseWire {
    const state = this.#require(agentId);
    const { key, fingerprints } = checkedKey(
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
    const current = state.key?.keyVersion ?? null;
    if (request.if_match_version !== current) {
      throw new AgentMailError({
        code: "key_version_conflict",
        message: `if_match_version ${String(request.if_match_version)} does not match the current key_version ${String(current)}`,
      });
    }
    if (current !== null && request.key_version <= current) {
      throw new AgentMailError({
        code: "key_version_conflict",
        message: `key_version ${request.key_version} must be greater than the current key_version ${current}`,
      });
    }
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
    const state = this.#require(agentId);
    if (!state.key) {
      throw new AgentMailError({
        code: "agent_not_found",
        message: `agent ${state.agentId} has no registered key to revoke`,
      });
    }
    state.key = { ...state.key, keyStatus: "revoked", openpgpPublicKey: null };
    return { agent_id: state.agentId, revoked: true };
  }

  /**
   * Puts a copy of a raw RFC 5322 message in an agent's inbox, as the platform does with mail it
   * receives (the SES endpoint and `POST /send` call this for each local recipient). `sender` and
   * `subject` are read from the message's headers; the sender counts as verified when it is a
   * known agent on the mail domain, unless `senderVerified` says otherwise.
   *
   * @example
   * const message = store.deliver("my-agent", "From: peer@agents.localhost\r\nSubject: hi\r\n\r\nhello\r\n");
   * message.subject; // "hi"
   * @throws {AgentMailError} `agent_not_found` for an unknown agent.
   */
  deliver(
    agentId: string,
    raw: Uint8Array | string,
    options: DeliverOptions = {},
  ): DevInboxMessage {
    const state = this.#require(agentId);
    const bytes = typeof raw === "string" ? new TextEncoder().encode(raw) : raw;
    const attachmentObjects = this.#referencedObjects(options.attachmentObjects);
    this.#deliveries += 1;
    const message = inboxMessage(state.agentId, bytes, {
      ...options,
      seq: this.#deliveries,
      isVerified: (sender) => this.#isLocalAgent(sender),
      attachmentObjects,
    });
    state.inbox.push(message);
    this.#messages.set(message.id, message);
    return copyInboxMessage(message);
  }

  /**
   * The messages in an agent's inbox, oldest first (copies); empty for an unknown agent.
   *
   * @example
   * store.inbox("my-agent").map((message) => message.subject);
   */
  inbox(agentId: string): DevInboxMessage[] {
    return (this.#find(agentId)?.inbox ?? []).map(copyInboxMessage);
  }

  /**
   * One page of an agent's inbox as `GET /inbox` answers it: oldest first, filtered, with the
   * cursor of the next page (`null` on the last).
   *
   * @example
   * const { messages, nextCursor } = store.inboxPage("my-agent", { limit: 2, label: "invoices" });
   * @throws {AgentMailError} `invalid_request` for a cursor this server did not issue.
   */
  inboxPage(agentId: string, query: InboxQuery = {}): DevInboxPage<DevInboxMessage> {
    const page = inboxPage(this.#find(agentId)?.inbox ?? [], query);
    return { messages: page.messages.map(copyInboxMessage), nextCursor: page.nextCursor };
  }

  /**
   * Any agent's message by id (a copy), or `undefined` (also once deleted).
   *
   * @example
   * store.message(messageId)?.isRead; // false
   */
  message(messageId: string): DevInboxMessage | undefined {
    const message = this.#messages.get(messageId);
    return message && copyInboxMessage(message);
  }

  /**
   * Changes a message's labels, read or archived state, as a test arranges an inbox.
   *
   * @example
   * store.updateMessage(messageId, { labels: ["invoices"], isRead: true });
   * @throws {AgentMailError} `not_found` for an unknown message, `invalid_options` for a bad update.
   */
  updateMessage(messageId: string, update: DevMessageUpdate): DevInboxMessage {
    const parsed = parseInput(MessageUpdateSchema, update, "message update");
    const message = this.#requireMessage(messageId);
    if (parsed.labels !== undefined) message.labels = [...new Set(parsed.labels)];
    if (parsed.isRead !== undefined) message.isRead = parsed.isRead;
    if (parsed.isArchived !== undefined) message.isArchived = parsed.isArchived;
    return copyInboxMessage(message);
  }

  /**
   * Removes a message from its inbox; `false` when there is no such message (any more).
   *
   * @example
   * store.deleteMessage(messageId); // true
   */
  deleteMessage(messageId: string): boolean {
    const message = this.#messages.get(messageId);
    if (!message) return false;
    this.#messages.delete(messageId);
    const state = this.#agents.get(message.agentId);
    if (state) state.inbox = state.inbox.filter((entry) => entry.id !== messageId);
    return true;
  }

  /**
   * Sets the status attachment `index` of a message reports, e.g. `"failed"` to test a client's
   * handling of a 422; `null` goes back to the computed one.
   *
   * @example
   * store.setAttachmentStatus(messageId, 0, "failed");
   * @throws {AgentMailError} `not_found` for an unknown message, `invalid_options` for a bad index or status.
   */
  setAttachmentStatus(messageId: string, index: number, status: DevAttachmentStatus | null): void {
    const parsed = parseInput(
      z.strictObject({
        index: z.int().min(0),
        status: z.enum(["pending", "ready", "failed"]).nullable(),
      }),
      { index, status },
      "setAttachmentStatus",
    );
    const message = this.#requireMessage(messageId);
    if (parsed.status === null) message.attachmentStatus.delete(parsed.index);
    else message.attachmentStatus.set(parsed.index, parsed.status);
  }

  /**
   * The status attachment `index` of a message reports: the one a test set, else `pending` for
   * the first `attachmentProcessingMs` after delivery, then `ready`. (Whether the message has
   * that many attachments is the MIME's business; the routes check it.)
   *
   * @example
   * store.attachmentStatus(messageId, 0); // "ready"
   * @throws {AgentMailError} `not_found` for an unknown message.
   */
  attachmentStatus(messageId: string, index: number): DevAttachmentStatus {
    const message = this.#requireMessage(messageId);
    const set = message.attachmentStatus.get(index);
    if (set !== undefined) return set;
    return Date.now() - message.deliveredAtMs < this.attachmentProcessingMs ? "pending" : "ready";
  }

  /**
   * The stored object that holds attachment `index` of a message delivered by reference (the
   * object as it was at delivery; its bytes are shared, not copied: do not modify them), or
   * `undefined` when that attachment is in the MIME itself.
   *
   * @example
   * store.referencedAttachment(messageId, 0)?.bytes.byteLength; // 1468006400
   * @throws {AgentMailError} `not_found` for an unknown message.
   */
  referencedAttachment(messageId: string, index: number): Readonly<DevStoredObject> | undefined {
    return this.#requireMessage(messageId).attachmentObjects.get(index);
  }

  /** `DeliverOptions.attachmentObjects`, checked and resolved to the objects they name now. */
  #referencedObjects(
    given: ReadonlyMap<number, string | Readonly<DevStoredObject>> | undefined,
  ): Map<number, Readonly<DevStoredObject>> {
    const out = new Map<number, Readonly<DevStoredObject>>();
    if (given === undefined) return out;
    if (!(given instanceof Map)) {
      throw new AgentMailError({
        code: "invalid_options",
        message:
          "deliver: attachmentObjects must be a Map of attachment index to a stored object or its key",
      });
    }
    for (const [index, key] of given) {
      const object =
        typeof key === "string"
          ? this.objects.view(key)
          : typeof key === "object" && key !== null && key.bytes instanceof Uint8Array
            ? key
            : undefined;
      if (!Number.isSafeInteger(index) || index < 0 || object === undefined) {
        throw new AgentMailError({
          code: "invalid_options",
          message: `deliver: attachmentObjects entry ${String(index).slice(0, 20)} is not an attachment index with the key of a stored object`,
        });
      }
      out.set(index, object);
    }
    return out;
  }

  #requireMessage(messageId: string): StoredInboxMessage {
    const message = typeof messageId === "string" ? this.#messages.get(messageId) : undefined;
    if (!message) {
      throw new AgentMailError({ code: "not_found", message: "no message with this id" });
    }
    return message;
  }

  /** Whether `sender` is the address of a known agent on the mail domain. */
  #isLocalAgent(sender: string): boolean {
    const at = sender.lastIndexOf("@");
    if (at < 1 || sender.slice(at + 1).toLowerCase() !== this.mailDomain) return false;
    return this.#find(sender.slice(0, at)) !== undefined;
  }

  #find(agentId: string): AgentState | undefined {
    if (typeof agentId !== "string") return undefined;
    let id: string;
    try {
      id = normalizeAgentId(agentId);
    } catch {
      return undefined;
    }
    return this.#agents.get(id);
  }

  #require(agentId: string): AgentState {
    const state = this.#find(agentId);
    if (!state) {
      throw new AgentMailError({
        code: "agent_not_found",
        message: `agent ${JSON.stringify(String(agentId).slice(0, 80))} is not known to this server`,
      });
    }
    return state;
  }
}

interface KeyInput {
  publicKey: string;
  algorithm: DirectoryAlgorithm | undefined;
  openpgpPublicKey: string | null;
  keyVersion: number;
  /** The registering agent's address, which the OpenPGP key's user ids must name. */
  address: string;
}

/**
 * Validates a key for registration and returns it with the fingerprints it is known by;
 * `names` are the field names the caller's input uses, `prefix` starts every message.
 */
function checkedKey(
  input: KeyInput,
  code: AgentMailErrorCode,
  names: readonly [publicKey: string, algorithm: string, openpgpPublicKey: string],
  prefix = "",
): { key: DevAgentKey; fingerprints: string[] } {
  const [publicKeyName, algorithmName, openpgpName] = names;
  const fail = (message: string) => new AgentMailError({ code, message: `${prefix}${message}` });
  const spki = inspectSpkiPem(input.publicKey);
  if (!spki.ok) throw fail(`${publicKeyName} ${spki.reason}`);
  const algorithm = input.algorithm ?? spki.key.algorithm;
  if (!algorithmFits(algorithm, spki.key.algorithm)) {
    throw fail(
      `${algorithmName} ${algorithm} does not match ${publicKeyName}, a ${spki.key.description} key`,
    );
  }
  const fingerprints = [`spki:${spki.key.fingerprint}`];
  const openpgp = input.openpgpPublicKey;
  if (openpgp !== null) {
    const bytes = Buffer.byteLength(openpgp, "utf8");
    if (bytes > Limits.armoredKeyBytes) {
      throw new AgentMailError({
        code: "key_too_large",
        message: `${prefix}${openpgpName} is ${bytes} bytes; the limit is ${Limits.armoredKeyBytes}`,
      });
    }
    try {
      fingerprints.push(...openpgpFingerprints(openpgp, input.address, openpgpName, code));
    } catch (error) {
      if (!AgentMailError.is(error) || prefix === "") throw error;
      throw new AgentMailError({ code: error.code, message: `${prefix}${error.message}` });
    }
  }
  const key: DevAgentKey = {
    publicKey: input.publicKey,
    algorithm,
    keyFingerprintSha256: spki.key.fingerprint,
    keyVersion: input.keyVersion,
    keyStatus: "active",
    openpgpPublicKey: openpgp,
  };
  return { key, fingerprints };
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
