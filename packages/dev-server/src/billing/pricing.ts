// A seller's stored pricing: what `PUT /billing/pricing` makes of it, and which seeded pricings
// the marketplace can meter.
import { AgentMailError, type BillingPricing, BillingPricingSchema } from "@assmbl/core";
import type { DevPricing } from "../options.js";
import { WALLET_CURRENCY } from "./charge.js";

/**
 * The pricing after a `PUT /billing/pricing`: the given fields replace the stored ones, absent
 * fields keep theirs. An `enabled` result is metered, so it must be a whole
 * `BillingPricingPayload` (a seeded `per_message` model cannot be enabled as it is) in USD, the
 * wallets' currency.
 *
 * @example
 * mergePricing({ pricing_model: "free", base_price: 0 }, { pricing_model: "per_request", base_price: 0.01, enabled: true });
 * @throws {AgentMailError} `invalid_request` naming what to change.
 */
export function mergePricing(current: DevPricing, given: BillingPricing): DevPricing {
  const parsed = BillingPricingSchema.safeParse(given);
  if (!parsed.success) {
    throw invalid("expected a BillingPricingPayload (pricing_model, currency, enabled, prices)");
  }
  // Absent fields were dropped, so the required pair stays as stored.
  const next = { ...current, ...withoutUndefined(parsed.data) } as DevPricing;
  const problem = meteringProblem(next);
  if (problem !== undefined) throw invalid(problem);
  return next;
}

/**
 * Refuses a seeded pricing the marketplace could not meter: an enabled one that is not a
 * `BillingPricingPayload` in USD (a disabled one is only published, and may say anything).
 *
 * @example
 * checkSeedPricing({ pricing_model: "per_request", base_price: 0.01, enabled: true }, (m) => new Error(m));
 * @throws whatever `fail` makes of the problem.
 */
export function checkSeedPricing(
  pricing: DevPricing | undefined,
  fail: (message: string) => Error,
): void {
  if (pricing === undefined) return;
  const problem = meteringProblem(pricing);
  if (problem !== undefined) throw fail(problem);
}

function meteringProblem(pricing: DevPricing): string | undefined {
  if ((pricing as { enabled?: unknown }).enabled !== true) return undefined;
  const parsed = BillingPricingSchema.safeParse(pricing);
  if (!parsed.success) {
    return "an enabled pricing must be a BillingPricingPayload: pricing_model free, per_request, token_based or dynamic, numeric prices, no other fields";
  }
  if (parsed.data.currency !== undefined && parsed.data.currency !== WALLET_CURRENCY) {
    return `currency ${parsed.data.currency} is not served: the dev server's wallets hold ${WALLET_CURRENCY}`;
  }
  return undefined;
}

function invalid(message: string): AgentMailError {
  return new AgentMailError({ code: "invalid_request", message: `pricing: ${message}` });
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, entry]) => entry !== undefined),
  ) as Partial<T>;
}
