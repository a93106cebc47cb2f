// The dev server's in-memory state: the agents and their keys (store-agents.ts), and here their
// inboxes, the messages in them and the stored objects attachments are delivered by reference in.
import { AgentMailError, Limits, parseInput } from "@assmbl/core";
import { z } from "zod";
import { Ledger } from "./billing/ledger.js";
import {
  copyInboxMessage,
  type DeliverOptions,
  type DevAttachmentStatus,
  type DevInboxMessage,
  inboxMessage,
  type StoredInboxMessage,
} from "./inbox.js";
import { type DevInboxPage, type InboxQuery, inboxPage } from "./inbox-page.js";
import { DEFAULTS } from "./options.js";
import { OutboundLog } from "./outbound.js";
import { type DevStoredObject, ObjectStore } from "./storage/object-store.js";
import { DevAgents } from "./store-agents.js";
import { TrustedPeers } from "./trusted-peers/peers.js";

export type {
  DevAgentKey,
  RegisterRequestWire,
  RegisterResponseWire,
  RevokeResponseWire,
} from "./registration.js";
export type { DevAgent } from "./store-agents.js";

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
  /** What each agent's wallet starts with, in USD; default 100. */
  startingBalance?: number | undefined;
  /**
   * The clock of rate-cap windows, trusted peers' `created_at` and usage rows, in epoch
   * milliseconds; default `Date.now`. A test moves it instead of sleeping through a window.
   */
  now?: (() => number) | undefined;
}

/** What each wallet starts with when the options do not say (USD). */
export const DEFAULT_STARTING_BALANCE = 100;

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

/** {@link DevStoreOptions}, checked. @internal */
export const StoreOptionsSchema = z.strictObject({
  mailDomain: z.string().min(1).optional(),
  attachmentProcessingMs: z.int().min(0).max(3_600_000).optional(),
  inlineMessageBytes: z.int().min(0).max(Limits.sesV2MessageBytes).optional(),
  startingBalance: z.number().finite().min(0).max(1_000_000_000).optional(),
  now: z
    .custom<() => number>((value) => typeof value === "function", {
      error: "expected a function returning epoch milliseconds",
    })
    .optional(),
});

/**
 * An inbox id a caller may ask for: what fits in a `/messages/{id}` path segment and a log line.
 * @internal
 */
export const MessageIdSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces")
  .refine((id) => !id.includes("/") && id !== "." && id !== "..", "no '/', '.' or '..'");

/** {@link DevMessageUpdate}, checked. @internal */
export const MessageUpdateSchema = z.strictObject({
  labels: z.array(z.string().min(1).max(256)).max(100).optional(),
  isRead: z.boolean().optional(),
  isArchived: z.boolean().optional(),
});

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
export class DevStore extends DevAgents {
  /** How long attachments of a new message stay `pending`. */
  readonly attachmentProcessingMs: number;
  /** The largest message `/send` composes with attachments inline; see {@link DevStoreOptions}. */
  readonly inlineMessageBytes: number;
  /** Uploaded objects and presigned-upload grants (the platform's storage). */
  readonly objects = new ObjectStore();
  /** Mail to domains this server does not serve, which the real platform would hand to SES. */
  readonly outbound = new OutboundLog();
  /** Wallets, marketplace reservations and usage rows (`/billing/...`). */
  readonly ledger: Ledger;
  /** Each agent's trusted peers and their rate caps (`/trusted-peers`). */
  readonly trustedPeers: TrustedPeers;
  /** The store's clock (epoch ms); see {@link DevStoreOptions.now}. */
  readonly now: () => number;
  readonly #messages = new Map<string, StoredInboxMessage>();
  #deliveries = 0;

  /**
   * @throws {AgentMailError} `invalid_options` for unknown or bad options.
   */
  constructor(options: DevStoreOptions = {}) {
    const parsed = parseInput(StoreOptionsSchema, options, "DevStore options");
    super((parsed.mailDomain ?? DEFAULTS.mailDomain).toLowerCase());
    this.attachmentProcessingMs = parsed.attachmentProcessingMs ?? 0;
    this.inlineMessageBytes = parsed.inlineMessageBytes ?? Limits.sesV2MessageBytes;
    const clock = parsed.now ?? Date.now;
    // A clock that answers something other than a finite number falls back to the real one.
    this.now = () => {
      const value = clock();
      return typeof value === "number" && Number.isFinite(value) ? value : Date.now();
    };
    this.ledger = new Ledger({
      startingBalance: parsed.startingBalance ?? DEFAULT_STARTING_BALANCE,
      now: this.now,
    });
    this.trustedPeers = new TrustedPeers(this.now);
  }

  /**
   * Puts a copy of a raw RFC 5322 message in an agent's inbox, as the platform does with mail it
   * receives (the SES endpoint and `POST /send` call this for each local recipient). `sender` and
   * `subject` are read from the message's headers; the sender counts as verified when it is a
   * known agent on the mail domain, unless `senderVerified` says otherwise.
   *
   * The message gets a new id, or `options.id` when given and no message has it yet: the send
   * that delivered it (`deliverMessage`) gives the first local recipient's copy the id the send
   * answered, so that id fetches it.
   *
   * @example
   * const message = store.deliver("my-agent", "From: peer@agents.localhost\r\nSubject: hi\r\n\r\nhello\r\n");
   * message.subject; // "hi"
   * @throws {AgentMailError} `agent_not_found` for an unknown agent; `invalid_options` for an
   * `id` that is not 1–256 printable characters without `/`, or is `.` or `..`.
   */
  deliver(
    agentId: string,
    raw: Uint8Array | string,
    options: DeliverOptions & { id?: string | undefined } = {},
  ): DevInboxMessage {
    const { id, ...deliverOptions } = options;
    const wantedId = id === undefined ? undefined : parseInput(MessageIdSchema, id, "deliver id");
    const state = this.requireAgent(agentId);
    const bytes = typeof raw === "string" ? new TextEncoder().encode(raw) : raw;
    const attachmentObjects = this.#referencedObjects(deliverOptions.attachmentObjects);
    this.#deliveries += 1;
    const message = inboxMessage(state.agentId, bytes, {
      ...deliverOptions,
      seq: this.#deliveries,
      isVerified: (sender) => this.isLocalAgent(sender),
      attachmentObjects,
    });
    // A taken id (never for a fresh send's id) falls back to the new one: ids stay unique.
    if (wantedId !== undefined && !this.#messages.has(wantedId)) message.id = wantedId;
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
    return (this.findAgent(agentId)?.inbox ?? []).map(copyInboxMessage);
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
    const page = inboxPage(this.findAgent(agentId)?.inbox ?? [], query);
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
    const state = this.findAgent(message.agentId);
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
}
