// What a marketplace request holds and what its settlement charges (docs/wire-format.md, "Billing
// and the marketplace"): the arithmetic only, on exact integers.
import { type BillingPricing, BillingPricingSchema, type SendUsage } from "@assmbl/core";
import { MICRO, PICO, picoToMicro, scaled } from "./money.js";

/** The wallets' currency: the dev server keeps every wallet in USD. */
export const WALLET_CURRENCY = "USD";

/**
 * A seller's pricing as the marketplace meters it: only an `enabled` pricing is metered.
 *
 * @example
 * meteredPricing({ pricing_model: "per_request", enabled: true, base_price: 0.01 })?.model; // "per_request"
 */
export interface MeteredPricing {
  model: NonNullable<BillingPricing["pricing_model"]>;
  /** Prices in pico-units (1e-12 of the currency). */
  basePrice: bigint;
  tokenPriceInput: bigint;
  tokenPriceOutput: bigint;
  outcomePrice: bigint;
  minimumCharge: bigint;
  freeQuota: number;
}

/**
 * The metered form of an agent's stored pricing, or `undefined` when it is not `enabled` (or is
 * a seeded pricing that is not a `BillingPricingPayload`: the seed check refuses an enabled one).
 * An absent `pricing_model` is `free`.
 *
 * @example
 * meteredPricing({ pricing_model: "free", base_price: 0 }); // undefined: not enabled
 */
export function meteredPricing(pricing: unknown): MeteredPricing | undefined {
  const parsed = BillingPricingSchema.safeParse(pricing);
  if (!parsed.success || parsed.data.enabled !== true) return undefined;
  const p = parsed.data;
  const pico = (value: number | undefined) => scaled(value ?? 0, 12);
  return {
    model: p.pricing_model ?? "free",
    basePrice: pico(p.base_price),
    tokenPriceInput: pico(p.token_price_input),
    tokenPriceOutput: pico(p.token_price_output),
    outcomePrice: pico(p.outcome_price),
    minimumCharge: pico(p.minimum_charge),
    freeQuota: p.free_quota ?? 0,
  };
}

/**
 * What a request to this seller holds in the buyer's wallet, in micro-units:
 * `max(base_price, minimum_charge)`, and nothing for a `free` model.
 *
 * @example
 * reservationMicro(pricing); // 10000n for base_price 0.01
 */
export function reservationMicro(pricing: MeteredPricing): bigint {
  if (pricing.model === "free") return 0n;
  // Math.max does not take BigInt.
  let held = pricing.basePrice;
  if (pricing.minimumCharge > held) held = pricing.minimumCharge;
  return picoToMicro(held);
}

/**
 * The charge of a settlement, in micro-units: `base_price`, plus per million `tokens_input` /
 * `tokens_output` at the token prices (`token_based`) or `outcomes_returned × outcome_price`
 * (`dynamic`), at least `minimum_charge`, rounded once to 6 decimals; 0 for a `free` model and
 * for the buyer's first `free_quota` settled requests (`settledBefore` counts them).
 *
 * @example
 * chargeMicro(pricing, { tokens_input: 1_000_000 }, 0); // base + one million input tokens
 */
export function chargeMicro(
  pricing: MeteredPricing,
  usage: SendUsage | null,
  settledBefore: number,
): bigint {
  if (pricing.model === "free" || settledBefore < pricing.freeQuota) return 0n;
  // Summed in units of 1e-18 (a pico price times a token count, per million), rounded once.
  const perPico = MICRO;
  let total = pricing.basePrice * perPico;
  if (pricing.model === "token_based") {
    total += BigInt(usage?.tokens_input ?? 0) * pricing.tokenPriceInput;
    total += BigInt(usage?.tokens_output ?? 0) * pricing.tokenPriceOutput;
  } else if (pricing.model === "dynamic") {
    total += BigInt(usage?.outcomes_returned ?? 0) * pricing.outcomePrice * perPico;
  }
  const minimum = pricing.minimumCharge * perPico;
  if (total < minimum) total = minimum;
  // 1e-18 → 1e-6: divide by 1e12, half up.
  const perMicro = (PICO * perPico) / MICRO;
  return (total + perMicro / 2n) / perMicro;
}
