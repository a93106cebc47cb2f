// Trusted peers (docs/wire-format.md, "Trusted peers"): each agent's list of in-domain agents it
// trusts, and the rate cap a peer's mail to it is held to. The cap counts deliveries in a
// sliding window: the newest `max_messages` delivery times of a capped peer are all it needs.
import type { TrustedPeer } from "@assmbl/core";

/** A rate cap, wire spelling. */
export interface RateCap {
  max_messages: number;
  window_seconds: number;
}

interface Row {
  peer: string;
  rateCap: RateCap | null;
  createdAt: number;
  /** Delivery times (epoch ms) of the peer's messages to the owner, oldest first; capped peers only. */
  deliveries: number[];
}

/**
 * Every agent's trusted peers, with rate-cap counting. Agent ids are the store's (lower-case);
 * the routes check that they name agents.
 *
 * @example
 * const peers = new TrustedPeers(Date.now);
 * peers.put("seller", "buyer", { max_messages: 2, window_seconds: 60 });
 * peers.isTrusted("seller", "buyer"); // true
 */
export class TrustedPeers {
  readonly #now: () => number;
  readonly #byOwner = new Map<string, Map<string, Row>>();

  constructor(now: () => number) {
    this.#now = now;
  }

  /**
   * Trusts `peer` (again), with a rate cap or none; a row keeps its `created_at` and the
   * deliveries already counted.
   *
   * @example
   * peers.put("seller", "buyer", null).rate_cap; // null
   */
  put(owner: string, peer: string, rateCap: RateCap | null): TrustedPeer {
    let rows = this.#byOwner.get(owner);
    if (rows === undefined) {
      rows = new Map();
      this.#byOwner.set(owner, rows);
    }
    const row = rows.get(peer) ?? { peer, rateCap: null, createdAt: this.#now(), deliveries: [] };
    row.rateCap = rateCap && { ...rateCap };
    if (rateCap === null) row.deliveries = [];
    else row.deliveries = row.deliveries.slice(-rateCap.max_messages);
    rows.set(peer, row);
    return wire(row);
  }

  /**
   * An agent's trusted peers, oldest first.
   *
   * @example
   * peers.list("seller").map((peer) => peer.peer_agent_id); // ["buyer"]
   */
  list(owner: string): TrustedPeer[] {
    return [...(this.#byOwner.get(owner)?.values() ?? [])].map(wire);
  }

  /**
   * Stops trusting `peer`; `false` when it was not trusted.
   *
   * @example
   * peers.delete("seller", "buyer"); // true
   */
  delete(owner: string, peer: string): boolean {
    return this.#byOwner.get(owner)?.delete(peer) ?? false;
  }

  /**
   * Whether `owner` trusts `peer` (the `trusted` tier of notification rules).
   *
   * @example
   * peers.isTrusted("seller", "buyer"); // false
   */
  isTrusted(owner: string, peer: string): boolean {
    return this.#byOwner.get(owner)?.has(peer) ?? false;
  }

  /**
   * When a message from `sender` to these recipients would pass a recipient's cap on it: seconds
   * until the oldest counted message leaves the window (the longest wait of all recipients), or
   * `undefined` when every recipient accepts it now.
   *
   * @example
   * peers.retryAfterSeconds("buyer", ["seller"]); // 60 after two messages with a cap of 2/60 s
   */
  retryAfterSeconds(sender: string, recipients: readonly string[]): number | undefined {
    const now = this.#now();
    let wait: number | undefined;
    for (const recipient of recipients) {
      const row = this.#byOwner.get(recipient)?.get(sender);
      if (!row?.rateCap) continue;
      const windowMs = row.rateCap.window_seconds * 1000;
      const counted = row.deliveries.filter((at) => now - at < windowMs);
      if (counted.length < row.rateCap.max_messages) continue;
      const oldest = counted[counted.length - row.rateCap.max_messages] as number;
      const seconds = Math.max(1, Math.ceil((oldest + windowMs - now) / 1000));
      wait = Math.max(wait ?? 0, seconds);
    }
    return wait;
  }

  /**
   * Counts a message from `sender` delivered to these recipients, for the caps they hold it to.
   *
   * @example
   * peers.recordDelivery("buyer", ["seller"]);
   */
  recordDelivery(sender: string, recipients: readonly string[]): void {
    const now = this.#now();
    for (const recipient of recipients) {
      const row = this.#byOwner.get(recipient)?.get(sender);
      if (!row?.rateCap) continue;
      row.deliveries.push(now);
      // Only the newest max_messages can decide a refusal.
      if (row.deliveries.length > row.rateCap.max_messages) row.deliveries.shift();
    }
  }
}

function wire(row: Row): TrustedPeer {
  return {
    peer_agent_id: row.peer,
    rate_cap: row.rateCap && { ...row.rateCap },
    created_at: new Date(row.createdAt).toISOString(),
  };
}
