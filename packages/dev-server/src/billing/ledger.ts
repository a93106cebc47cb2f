// The wallets and the usage rows: every agent's money in micro-units, the marketplace's open
// reservations, and the rows that record each movement (docs/wire-format.md, "Billing and the
// marketplace"). Exact integers only (see money.ts); the wire's decimals are made at the edge.
import { randomBytes } from "node:crypto";
import { AgentMailError, type BillingBalance, type SendUsage, type UsageRow } from "@assmbl/core";
import { chargeMicro, type MeteredPricing, WALLET_CURRENCY } from "./charge.js";
import { fromMicro, MAX_WALLET_MICRO, scaled } from "./money.js";

/** Where a ledger gets its starting balance and time. */
export interface LedgerOptions {
  /** What each wallet starts with, in units of {@link WALLET_CURRENCY}. */
  startingBalance: number;
  /** Epoch milliseconds, like `Date.now`. */
  now: () => number;
}

/** One page of usage rows, oldest first. */
export interface UsagePage {
  items: UsageRow[];
  next_cursor: string | null;
}

/** The largest page of `GET /billing/usage`, and the default. */
export const USAGE_PAGE_MAX = 100;
export const USAGE_PAGE_DEFAULT = 20;

interface Wallet {
  available: bigint;
  reserved: bigint;
  rows: Array<{ seq: number; row: UsageRow }>;
}

/** An open reservation: whose money, for which seller and request, how much, at what pricing. */
export interface Reservation {
  buyer: string;
  seller: string;
  requestId: string;
  held: bigint;
  pricing: MeteredPricing;
}

/**
 * Every agent's wallet (created on first use with the starting balance), the open marketplace
 * reservations, and the usage rows. The caller checks funds ({@link Ledger.available}) and
 * then reserves in the same synchronous step, so no other request moves money between the two.
 *
 * @example
 * const ledger = new Ledger({ startingBalance: 100, now: Date.now });
 * ledger.reserve({ buyer: "a", seller: "b", requestId: "mkt_1", pricing, held: 10_000n });
 * ledger.balance("a"); // { currency: "USD", available: 99.99, reserved: 0.01 }
 */
export class Ledger {
  readonly #startingMicro: bigint;
  readonly #now: () => number;
  readonly #wallets = new Map<string, Wallet>();
  readonly #open = new Map<string, Reservation>();
  /** Settled requests by (seller, buyer): the free quota counts them. */
  readonly #settled = new Map<string, number>();

  constructor(options: LedgerOptions) {
    this.#startingMicro = scaled(options.startingBalance, 6);
    this.#now = options.now;
  }

  /**
   * An agent's wallet as `GET /billing/balance` answers it.
   *
   * @example
   * ledger.balance("a").available; // 100
   */
  balance(agentId: string): BillingBalance {
    const wallet = this.#wallet(agentId);
    return {
      currency: WALLET_CURRENCY,
      available: fromMicro(wallet.available),
      reserved: fromMicro(wallet.reserved),
    };
  }

  /**
   * What an agent can still spend, in micro-units.
   *
   * @example
   * ledger.available("a") >= 10_000n;
   */
  available(agentId: string): bigint {
    return this.#wallet(agentId).available;
  }

  /**
   * The open reservation of `buyer`'s request `requestId` to `seller`, if any.
   *
   * @example
   * ledger.isOpen("a", "b", "mkt_1"); // true after reserve
   */
  isOpen(buyer: string, seller: string, requestId: string): boolean {
    return this.#open.has(key(buyer, seller, requestId));
  }

  /**
   * Holds `held` micro-units of the buyer's money for a request that reached the seller, and
   * writes the buyer's `reservation` row. The caller has checked the funds.
   *
   * @example
   * ledger.reserve({ buyer: "a", seller: "b", requestId: "mkt_1", pricing, held: 10_000n });
   */
  reserve(reservation: Reservation): void {
    const wallet = this.#wallet(reservation.buyer);
    if (reservation.held > wallet.available) {
      throw new AgentMailError({ code: "insufficient_funds", message: "insufficient funds" });
    }
    wallet.available -= reservation.held;
    wallet.reserved += reservation.held;
    this.#open.set(key(reservation.buyer, reservation.seller, reservation.requestId), {
      ...reservation,
    });
    this.#row(reservation.buyer, "reservation", reservation, reservation.seller, reservation.held);
  }

  /**
   * Settles the open reservation of `buyer`'s request to `seller`: charges the buyer (the held
   * money first, then the wallet's available money), releases what was held beyond the charge,
   * pays the seller. Writes the buyer's `charge` and `release` rows and the seller's `earning`
   * row, all with the request id. Returns the charge in micro-units, or `undefined` when no
   * reservation is open.
   *
   * The charge is capped twice, whatever the pricing and usage say: at what the buyer has (held
   * plus available), so its exposure is bounded by its wallet and it never goes below zero; and
   * at what the seller's wallet can still take below `MAX_WALLET_MICRO`, so every amount
   * on the wire is an exact JSON number. Money is conserved: what the buyer pays, the seller gets.
   *
   * @example
   * ledger.settle("a", "b", "mkt_1", { tokens_input: 1200 }); // 10000n
   */
  settle(
    buyer: string,
    seller: string,
    requestId: string,
    usage: SendUsage | null,
  ): bigint | undefined {
    const id = key(buyer, seller, requestId);
    const reservation = this.#open.get(id);
    if (reservation === undefined) return undefined;
    this.#open.delete(id);
    const pair = `${seller}\n${buyer}`;
    const settledBefore = this.#settled.get(pair) ?? 0;
    this.#settled.set(pair, settledBefore + 1);
    const buyerWallet = this.#wallet(buyer);
    const sellerWallet = this.#wallet(seller);
    // A hostile price times a hostile usage is far beyond any wallet: BigInt computes it
    // exactly, then it is cut to what can move (see above).
    let charge = chargeMicro(reservation.pricing, usage, settledBefore);
    const payable = reservation.held + (buyerWallet.available > 0n ? buyerWallet.available : 0n);
    if (charge > payable) charge = payable;
    const room = MAX_WALLET_MICRO - sellerWallet.available - sellerWallet.reserved;
    if (charge > room) charge = room > 0n ? room : 0n;
    const released = reservation.held > charge ? reservation.held - charge : 0n;
    buyerWallet.reserved -= reservation.held;
    buyerWallet.available += reservation.held - charge;
    sellerWallet.available += charge;
    this.#row(buyer, "charge", reservation, seller, charge, usage);
    this.#row(buyer, "release", reservation, seller, released);
    this.#row(seller, "earning", reservation, buyer, charge, usage);
    return charge;
  }

  /**
   * One page of an agent's usage rows, oldest first, after the row `after` (a cursor's number:
   * the agent's own row count, so a cursor says nothing about other agents' activity).
   *
   * @example
   * ledger.usage("a", { limit: 2 }).items.map((row) => row.kind); // ["reservation", "charge"]
   */
  usage(agentId: string, page: { limit: number; after?: number | undefined }): UsagePage {
    const after = page.after ?? -1;
    const rows = this.#wallet(agentId).rows.filter((entry) => entry.seq > after);
    const items = rows.slice(0, page.limit);
    const last = items[items.length - 1];
    return {
      items: items.map((entry) => ({
        ...entry.row,
        usage: entry.row.usage && structuredClone(entry.row.usage),
      })),
      next_cursor: rows.length > page.limit && last ? encodeUsageCursor(last.seq) : null,
    };
  }

  #wallet(agentId: string): Wallet {
    let wallet = this.#wallets.get(agentId);
    if (wallet === undefined) {
      wallet = { available: this.#startingMicro, reserved: 0n, rows: [] };
      this.#wallets.set(agentId, wallet);
    }
    return wallet;
  }

  #row(
    agentId: string,
    kind: UsageRow["kind"],
    reservation: Reservation,
    counterparty: string,
    amount: bigint,
    usage: SendUsage | null = null,
  ): void {
    const { rows } = this.#wallet(agentId);
    rows.push({
      // Numbered per wallet, and ids random: neither counts other agents' rows.
      seq: rows.length + 1,
      row: {
        id: `use_${randomBytes(12).toString("hex")}`,
        kind,
        marketplace_request_id: reservation.requestId,
        amount: fromMicro(amount),
        currency: WALLET_CURRENCY,
        counterparty_agent_id: counterparty,
        created_at: new Date(this.#now()).toISOString(),
        usage: usage && structuredClone(usage),
      },
    });
  }
}

function key(buyer: string, seller: string, requestId: string): string {
  return `${buyer}\n${seller}\n${requestId}`;
}

/**
 * An opaque usage cursor: base64url of `{"after": <row number>}`.
 *
 * @example
 * decodeUsageCursor(encodeUsageCursor(7)); // 7
 */
export function encodeUsageCursor(seq: number): string {
  return Buffer.from(JSON.stringify({ after: seq })).toString("base64url");
}

/**
 * The row number in a cursor this server issued, or `undefined` for anything else.
 *
 * @example
 * decodeUsageCursor("bm9wZQ"); // undefined
 */
export function decodeUsageCursor(cursor: string): number | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const entries = Object.entries(value);
  const after = entries[0]?.[1];
  if (entries.length !== 1 || entries[0]?.[0] !== "after") return undefined;
  return typeof after === "number" && Number.isSafeInteger(after) && after >= 0 ? after : undefined;
}
