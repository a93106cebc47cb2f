// The marketplace's part in a `/send` with `marketplace_request_id`: a buyer's request that
// reaches a seller with enabled pricing reserves; the seller's reply with the same id settles
// (docs/wire-format.md, "Billing and the marketplace"). Planned before anything is delivered
// (a short wallet refuses the send), committed right after the delivery, in the same
// synchronous step, so no other request moves the money in between.
import type { SendUsage } from "@assmbl/core";
import { HttpProblem } from "../http/problem.js";
import type { DevStore } from "../store.js";
import { meteredPricing, reservationMicro } from "./charge.js";
import type { Reservation } from "./ledger.js";
import { fromMicro } from "./money.js";

/** A `/send` as the marketplace sees it. */
export interface MarketplaceSend {
  /** The sending agent. */
  sender: string;
  /** `marketplace_request_id`; nothing is metered without one. */
  requestId: string | null;
  /** The seller's `usage` on a reply. */
  usage: SendUsage | null;
  /** The local agents the send reaches (ids, each once). */
  recipients: readonly string[];
}

/**
 * What `/send` answers in `marketplace`: `reserved`, `settled` (with the charge), or
 * `not_settled` (a reply, i.e. a send with `usage`, with no open reservation between the two).
 *
 * @example
 * const outcome: MarketplaceOutcome = { status: "settled", charge: 0.01 };
 */
export type MarketplaceOutcome =
  | { status: "reserved" }
  | { status: "settled"; charge: number }
  | { status: "not_settled" };

/**
 * What a send will do to billing, checked: the buyers whose open reservation it settles, the
 * sellers it reserves with, and whether it is a reply with nothing to settle.
 */
export interface MarketplacePlan {
  send: MarketplaceSend;
  settle: string[];
  reserve: Array<Omit<Reservation, "buyer" | "requestId">>;
  /** A request already reserved (a resend of the same id): answered `reserved`, held once. */
  alreadyReserved: boolean;
  notSettled: boolean;
}

/**
 * Plans the marketplace side of a send. For each recipient: an open reservation of its request
 * to the sender is settled; else a send with `usage` is a reply with nothing to settle; else a
 * recipient whose pricing is `enabled` is a seller, and the sender's request reserves
 * `max(base_price, minimum_charge)`. A send to oneself is never metered.
 *
 * @example
 * const plan = planMarketplace(store, { sender: "buyer", requestId: "mkt_1", usage: null, recipients: ["seller"] });
 * @throws {HttpProblem} 402 `insufficient_funds` when the sender's available balance is short of
 * what its request would hold.
 */
export function planMarketplace(store: DevStore, send: MarketplaceSend): MarketplacePlan {
  const plan: MarketplacePlan = {
    send,
    settle: [],
    reserve: [],
    alreadyReserved: false,
    notSettled: false,
  };
  const { requestId } = send;
  if (requestId === null) return plan;
  for (const recipient of send.recipients) {
    if (recipient === send.sender) continue;
    if (store.ledger.isOpen(recipient, send.sender, requestId)) {
      plan.settle.push(recipient);
      continue;
    }
    if (send.usage !== null) {
      plan.notSettled = true;
      continue;
    }
    const pricing = meteredPricing(store.pricing(recipient));
    if (pricing === undefined) continue;
    if (store.ledger.isOpen(send.sender, recipient, requestId)) {
      plan.alreadyReserved = true;
      continue;
    }
    plan.reserve.push({ seller: recipient, held: reservationMicro(pricing), pricing });
  }
  const needed = plan.reserve.reduce((sum, entry) => sum + entry.held, 0n);
  const available = store.ledger.available(send.sender);
  if (needed > available) {
    throw new HttpProblem(
      "insufficient_funds",
      `marketplace request ${JSON.stringify(requestId.slice(0, 80))} needs ${fromMicro(needed)} USD held; ` +
        `the available balance is ${fromMicro(available)} USD (GET /billing/balance)`,
    );
  }
  return plan;
}

/**
 * Carries out a plan once the message is delivered: reserves and settles, and says what
 * happened, or `undefined` when the send touched no money.
 *
 * @example
 * commitMarketplace(store, plan); // { status: "reserved" }
 */
export function commitMarketplace(
  store: DevStore,
  plan: MarketplacePlan,
): MarketplaceOutcome | undefined {
  const { requestId, sender, usage } = plan.send;
  if (requestId === null) return undefined;
  let charge = 0n;
  for (const buyer of plan.settle) {
    charge += store.ledger.settle(buyer, sender, requestId, usage) ?? 0n;
  }
  for (const entry of plan.reserve) {
    store.ledger.reserve({ ...entry, buyer: sender, requestId });
  }
  if (plan.settle.length > 0) return { status: "settled", charge: fromMicro(charge) };
  if (plan.reserve.length > 0 || plan.alreadyReserved) return { status: "reserved" };
  if (plan.notSettled) return { status: "not_settled" };
  return undefined;
}
