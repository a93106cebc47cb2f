import { createHash } from "node:crypto";
import { AgentMailHeaders } from "@assmbl/core";
import { headerFields, headerValues } from "./mime/headers.js";
import type { DevStore } from "./store.js";

/**
 * How long and how many idempotency keys the mail processor remembers: a key is forgotten 24
 * hours after the first delivery under it, and past 100,000 keys the oldest goes first. Each is
 * kept as a SHA-256 (whatever the header's length) with the inbox id of each recipient's copy,
 * so memory stays bounded (tens of MB at the cap) however much mail a long-running server sees.
 */
export const MAIL_IDEMPOTENCY_LIMITS = { ttlMs: 24 * 60 * 60 * 1000, maxKeys: 100_000 } as const;

interface Entry {
  /** When the first copy under the key was delivered (the store's clock). */
  at: number;
  /** The inbox id of each recipient agent's copy, by agent id. */
  copies: Map<string, string>;
}

/**
 * What the platform's mail processor does with `X-AgentMail-Idempotency-Key` ("records the key
 * and skips re-notification for duplicates"): per sending agent and key, the inbox id of each
 * recipient agent's copy, so a repeat is not delivered again to an agent that has it. Keyed by
 * (sender, key, recipient): a repeat that names a recipient the first did not reach still
 * reaches it, so no message is dropped for sharing a key, and no inbox gets two copies.
 *
 * @example
 * const ledger = mailIdempotency(store);
 * ledger.copies("my-agent", "idem-1")?.get("other-agent"); // the inbox id of its copy
 */
export class MailIdempotencyLedger {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** The copies delivered under (sender, key) within the last 24 hours, by recipient agent. */
  copies(senderId: string, key: string): ReadonlyMap<string, string> | undefined {
    this.#prune();
    return this.#entries.get(id(senderId, key))?.copies;
  }

  /** Records the copy delivered to `agentId` under (sender, key). */
  record(senderId: string, key: string, agentId: string, inboxId: string): void {
    const entryId = id(senderId, key);
    let entry = this.#entries.get(entryId);
    if (entry === undefined) {
      entry = { at: this.#now(), copies: new Map() };
      this.#entries.set(entryId, entry);
      this.#prune();
    }
    entry.copies.set(agentId, inboxId);
  }

  /** How many keys are remembered now. */
  size(): number {
    this.#prune();
    return this.#entries.size;
  }

  // Entries are in insertion order, so the oldest are first; a clock moved backwards stops the
  // age sweep early, and the count cap still holds.
  #prune(): void {
    const oldest = this.#now() - MAIL_IDEMPOTENCY_LIMITS.ttlMs;
    for (const [entryId, entry] of this.#entries) {
      if (this.#entries.size > MAIL_IDEMPOTENCY_LIMITS.maxKeys || entry.at <= oldest) {
        this.#entries.delete(entryId);
      } else break;
    }
  }
}

function id(senderId: string, key: string): string {
  return createHash("sha256")
    .update(JSON.stringify([senderId, key]))
    .digest("base64");
}

// One ledger per store, beside it rather than in it: the mail processor's memory, which every
// path that delivers (`POST /send`, the SES endpoint) reaches through `deliverMessage`.
const ledgers = new WeakMap<DevStore, MailIdempotencyLedger>();

/**
 * The store's mail-processor idempotency ledger (created on first use, on the store's clock).
 *
 * @example
 * mailIdempotency(server.store).size(); // keys remembered
 */
export function mailIdempotency(store: DevStore): MailIdempotencyLedger {
  let ledger = ledgers.get(store);
  if (ledger === undefined) {
    ledger = new MailIdempotencyLedger(store.now);
    ledgers.set(store, ledger);
  }
  return ledger;
}

/**
 * The message's `X-AgentMail-Idempotency-Key` (the first such header, unfolded and trimmed), or
 * `undefined` when it has none or an empty one.
 *
 * @example
 * idempotencyKeyOf(raw); // "idem_5f0c..."
 */
export function idempotencyKeyOf(raw: Uint8Array): string | undefined {
  const value = headerValues(headerFields(raw), AgentMailHeaders.idempotencyKey)[0];
  const key = value?.replace(/\r?\n(?=[ \t])/g, "").trim();
  return key === undefined || key === "" ? undefined : key;
}
