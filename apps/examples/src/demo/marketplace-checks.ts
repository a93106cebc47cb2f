import type { BillingBalance, BillingPricing, UsageRow } from "@assmbl/transport-api";
import type { MarketplaceFacts } from "../08-marketplace.js";
import { type Check, expectEqual, type ReportBlock } from "./report.js";

// Amounts are compared as the platform rounds them (6 decimals), never as raw floats.
const money = (amount: number) => Number(amount.toFixed(6));

/**
 * What the seller's pricing holds a buyer's request at: `max(base_price, minimum_charge)`.
 *
 * @example
 * expectedReservation({ basePrice: 0.01 }); // 0.01
 */
export function expectedReservation(pricing: BillingPricing): number {
  return money(Math.max(pricing.basePrice ?? 0, pricing.minimumCharge ?? 0));
}

/**
 * What a token-based pricing charges for this usage: the base price plus input and output tokens
 * per million, at least the minimum charge, rounded to 6 decimals (docs/wire-format.md).
 *
 * @example
 * expectedTokenCharge({ basePrice: 0.01, tokenPriceInput: 0.1, tokenPriceOutput: 0.3 }, { tokensInput: 1200, tokensOutput: 300 }); // 0.01021
 */
export function expectedTokenCharge(
  pricing: BillingPricing,
  usage: { tokensInput?: number | undefined; tokensOutput?: number | undefined },
): number {
  const tokens =
    ((usage.tokensInput ?? 0) * (pricing.tokenPriceInput ?? 0) +
      (usage.tokensOutput ?? 0) * (pricing.tokenPriceOutput ?? 0)) /
    1_000_000;
  return money(Math.max((pricing.basePrice ?? 0) + tokens, pricing.minimumCharge ?? 0));
}

const wallet = (balance: BillingBalance) =>
  `available ${money(balance.available)}, reserved ${money(balance.reserved)} ${balance.currency}`;
const rows = (items: UsageRow[]) =>
  items.map((row) => `${row.kind} ${money(row.amount)}`).join(", ") || "none";

/**
 * The checks of example 8: the pricing the buyer read is the seller's, the request got an id and
 * a reservation, the seller read that id, the response settled at the price the pricing and the
 * usage give, the buyer's wallet moved by exactly that, and both ledgers hold the request's rows.
 *
 * @example
 * const block = marketplaceBlock(facts);
 */
export function marketplaceBlock(facts: MarketplaceFacts): ReportBlock {
  const { pricing, published, request, response, balances, usage } = facts;
  const id = request.result.marketplaceRequestId;
  const held = expectedReservation(pricing);
  const charge = expectedTokenCharge(pricing, response.usage);
  const { before, reserved, settled } = balances;
  const checks: Check[] = [
    expectEqual(
      "pricing (directory.lookupPricing)",
      `${published.pricing_model}, base ${published.base_price}, tokens ${published.token_price_input} / ${published.token_price_output}`,
      `${pricing.pricingModel}, base ${pricing.basePrice}, tokens ${pricing.tokenPriceInput} / ${pricing.tokenPriceOutput}`,
      `${published.pricing_model}: ${published.base_price} ${published.currency} + ${published.token_price_input} / ${published.token_price_output} per M tokens in / out`,
    ),
    expectEqual("marketplace request id", /^mkt_/.test(id), true, `${id} (generated)`),
    expectEqual(
      "request: result.billing",
      request.result.billing?.linked ? request.result.billing.marketplace?.status : undefined,
      "reserved",
    ),
    expectEqual(
      "buyer's wallet after the request",
      money(reserved.reserved - before.reserved),
      held,
      `${wallet(reserved)} (held ${held})`,
    ),
    expectEqual("seller read the id", facts.requestIdSeenBySeller, id, "same id, from its header"),
    expectEqual(
      "response: result.billing",
      response.result.billing?.linked
        ? `${response.result.billing.marketplace?.status}, charge ${response.result.billing.marketplace?.charge}`
        : undefined,
      `settled, charge ${charge}`,
    ),
    expectEqual(
      "buyer's wallet after the response",
      `${money(before.available - settled.available)} spent, reserved ${money(settled.reserved)}`,
      `${charge} spent, reserved ${money(before.reserved)}`,
      `${money(before.available)} → ${money(settled.available)} available, reserved ${money(settled.reserved)}`,
    ),
    expectEqual(
      "buyer's usage rows (this id)",
      rows(usage.buyer),
      `reservation ${held}, charge ${charge}, release ${money(Math.max(held - charge, 0))}`,
    ),
    expectEqual(
      "seller's usage rows (this id)",
      usage.seller
        .map(
          (row) =>
            `${rows([row])}, tokens ${row.usage?.tokensInput} in / ${row.usage?.tokensOutput} out`,
        )
        .join("; "),
      `earning ${charge}, tokens ${response.usage.tokensInput} in / ${response.usage.tokensOutput} out`,
    ),
  ];
  return { heading: `"${request.message.subject}" → "${response.message.subject}"`, checks };
}
