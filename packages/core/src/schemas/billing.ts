// Billing and the marketplace: the seller's pricing, the wallet, usage rows, and the `usage` a
// seller reports on a marketplace response. Field names are the platform's
// (`BillingPricingPayload`, `SendUsagePayload`); the balance and usage shapes are ours (see
// docs/wire-format.md, "Billing and the marketplace"). Amounts are decimal numbers in `currency`.
import { z } from "zod";
import { httpUrlField, nameField } from "./text-checks.js";

const Money = z.number().finite().min(0).max(1_000_000_000);
/** The most of one custom unit a send may report, as the token and compute counts are bounded. */
const CUSTOM_UNIT_MAX = 1_000_000_000_000;
const Currency = z.string().regex(/^[A-Z]{3}$/, "expected an ISO 4217 code such as USD");
// Ids the platform hands back, shown and compared by callers: bounded, no control characters.
const WireId = nameField(256);

/**
 * `BillingPricingPayload`: every field optional, as the platform documents it.
 * `token_price_input` / `token_price_output` are per million tokens; `outcome_price` (ours) per
 * outcome returned; `free_quota` is a number of requests charged nothing.
 *
 * @example
 * BillingPricingSchema.parse({ pricing_model: "token_based", currency: "USD", enabled: true, base_price: 0.01, token_price_input: 0.1, token_price_output: 0.3 });
 */
export const BillingPricingSchema = z.strictObject({
  pricing_model: z.enum(["free", "per_request", "token_based", "dynamic"]).optional(),
  currency: Currency.optional(),
  enabled: z.boolean().optional(),
  base_price: Money.optional(),
  token_price_input: Money.optional(),
  token_price_output: Money.optional(),
  outcome_price: Money.optional(),
  free_quota: z.number().int().min(0).max(1_000_000_000).optional(),
  minimum_charge: Money.optional(),
  listing_summary: z.string().max(2000).optional(),
  request_payload_docs: z.string().max(20_000).optional(),
  support_url: httpUrlField({ credentials: false }).optional(),
});

/** A seller's pricing, as sent and as answered. */
export type BillingPricing = z.output<typeof BillingPricingSchema>;

/**
 * `SendUsagePayload`: what a seller reports on its marketplace response, all optional.
 *
 * @example
 * SendUsageSchema.parse({ tokens_input: 1200, tokens_output: 300 });
 */
export const SendUsageSchema = z.strictObject({
  outcomes_returned: z.number().int().min(0).max(1_000_000_000).optional(),
  tokens_input: z.number().int().min(0).max(1_000_000_000_000).optional(),
  tokens_output: z.number().int().min(0).max(1_000_000_000_000).optional(),
  compute_ms: z.number().int().min(0).max(1_000_000_000_000).optional(),
  custom_units: z
    .record(nameField(64), z.number().finite().min(0).max(CUSTOM_UNIT_MAX))
    .refine((units) => Object.keys(units).length <= 50, "expected at most 50 custom units")
    .optional(),
});

/** A send's `usage`, wire spelling. */
export type SendUsage = z.output<typeof SendUsageSchema>;

/**
 * `GET /billing/balance` answer (ours): money available to spend and money held by open
 * marketplace reservations.
 *
 * @example
 * BillingBalanceSchema.parse({ currency: "USD", available: 99.99, reserved: 0.01 });
 */
export const BillingBalanceSchema = z.object({
  currency: Currency,
  available: z.number().finite(),
  reserved: z.number().finite().min(0),
});

/** A wallet balance. */
export type BillingBalance = z.output<typeof BillingBalanceSchema>;

/**
 * One usage row (ours for the shape; the platform documents that rows carry
 * `marketplace_request_id`). `kind`: `reservation` (the buyer's funds held when its request
 * reached the seller), `charge` (the buyer paid at settlement), `release` (what a reservation
 * held beyond the charge went back), `earning` (the seller was paid).
 *
 * @example
 * UsageRowSchema.parse({ id: "use_1", kind: "reservation", marketplace_request_id: "mkt_1", amount: 0.01, currency: "USD", counterparty_agent_id: "seller", created_at: "2026-11-30T00:00:00.000Z", usage: null });
 */
export const UsageRowSchema = z.object({
  id: WireId,
  kind: z.enum(["reservation", "charge", "release", "earning"]),
  marketplace_request_id: WireId,
  amount: z.number().finite().min(0),
  currency: Currency,
  counterparty_agent_id: WireId,
  created_at: z.string().min(1).max(64),
  usage: SendUsageSchema.nullable(),
});

/** A usage row. */
export type UsageRow = z.output<typeof UsageRowSchema>;

/**
 * `GET /billing/usage` answer (ours): newest last, paged like the inbox.
 *
 * @example
 * BillingUsagePageSchema.parse({ items: [], next_cursor: null });
 */
export const BillingUsagePageSchema = z.object({
  items: z.array(UsageRowSchema).max(100),
  next_cursor: z.string().min(1).nullable().optional(),
});
