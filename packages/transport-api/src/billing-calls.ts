import {
  BillingBalanceSchema,
  BillingPricingSchema,
  BillingUsagePageSchema,
  Limits,
  parseInput,
  Routes,
  type SendUsage,
  type BillingPricing as WireBillingPricing,
  type UsageRow as WireUsageRow,
} from "@assmbl/core";
import { z } from "zod";
import { signalOf } from "./call-options.js";
import type { AgentMailClient } from "./client.js";
import { wireDate } from "./dates.js";
import type { ApiHttp } from "./http.js";
import { eachItem } from "./paging.js";

/**
 * A seller's pricing (the platform's `BillingPricingPayload`, camelCase): every field optional.
 * Token prices are per million tokens; `outcomePrice` per outcome returned (`dynamic`);
 * `freeQuota` requests per buyer are charged nothing.
 *
 * @example
 * const pricing: BillingPricing = { pricingModel: "token_based", currency: "USD", enabled: true, basePrice: 0.01, tokenPriceInput: 0.1, tokenPriceOutput: 0.3 };
 */
export interface BillingPricing {
  pricingModel?: "free" | "per_request" | "token_based" | "dynamic" | undefined;
  /** ISO 4217, e.g. `USD`. */
  currency?: string | undefined;
  enabled?: boolean | undefined;
  basePrice?: number | undefined;
  tokenPriceInput?: number | undefined;
  tokenPriceOutput?: number | undefined;
  outcomePrice?: number | undefined;
  freeQuota?: number | undefined;
  minimumCharge?: number | undefined;
  listingSummary?: string | undefined;
  requestPayloadDocs?: string | undefined;
  supportUrl?: string | undefined;
}

/**
 * The wallet: money available to spend, and money held by open marketplace reservations.
 *
 * @example
 * const { available, reserved, currency }: BillingBalance = await client.getBillingBalance();
 */
export interface BillingBalance {
  currency: string;
  available: number;
  reserved: number;
}

/**
 * What a seller reported on its marketplace response (the platform's `SendUsagePayload`).
 *
 * @example
 * const usage: UsageCounts = { tokensInput: 1200, tokensOutput: 300 };
 */
export interface UsageCounts {
  outcomesReturned?: number;
  tokensInput?: number;
  tokensOutput?: number;
  computeMs?: number;
  customUnits?: Record<string, number>;
}

/**
 * One usage row: `reservation` (a buyer's funds held when its request reached the seller),
 * `charge` (the buyer paid at settlement), `release` (what was held beyond the charge went
 * back), `earning` (the seller was paid).
 *
 * @example
 * for await (const row of client.iterBillingUsage()) console.log(row.kind, row.amount, row.marketplaceRequestId);
 */
export interface UsageRow {
  id: string;
  kind: "reservation" | "charge" | "release" | "earning";
  marketplaceRequestId: string;
  amount: number;
  currency: string;
  counterpartyAgentId: string;
  createdAt: Date;
  usage: UsageCounts | null;
}

/**
 * One page of usage rows, oldest first.
 *
 * @example
 * const { items, nextCursor }: UsagePage = await client.getBillingUsage({ limit: 100 });
 */
export interface UsagePage {
  items: UsageRow[];
  /** Pass as `cursor` for the next page; `null` on the last page. */
  nextCursor: string | null;
}

/**
 * Paging of {@link AgentMailClient.getBillingUsage}.
 *
 * @example
 * const query: UsageQuery = { limit: 50, cursor: page.nextCursor ?? undefined };
 */
export interface UsageQuery {
  /** Page size, 1–100. */
  limit?: number | undefined;
  /** `nextCursor` of the previous page. */
  cursor?: string | undefined;
}

// camelCase of the wire's pricing, each field the wire field's own schema (same bounds).
const price = BillingPricingSchema.shape;

/** {@link BillingPricing}, checked. @internal */
export const BillingPricingInputSchema = z.strictObject({
  pricingModel: price.pricing_model,
  currency: price.currency,
  enabled: price.enabled,
  basePrice: price.base_price,
  tokenPriceInput: price.token_price_input,
  tokenPriceOutput: price.token_price_output,
  outcomePrice: price.outcome_price,
  freeQuota: price.free_quota,
  minimumCharge: price.minimum_charge,
  listingSummary: price.listing_summary,
  requestPayloadDocs: price.request_payload_docs,
  supportUrl: price.support_url,
});

/** {@link UsageQuery}, checked. @internal */
export const UsageQuerySchema = z
  .strictObject({
    limit: z.int().min(1).max(Limits.inboxPageSize).optional(),
    cursor: z.string().min(1).optional(),
  })
  .optional();

// camel name -> wire name, one table for both directions.
const PRICING_FIELDS = [
  ["pricingModel", "pricing_model"],
  ["currency", "currency"],
  ["enabled", "enabled"],
  ["basePrice", "base_price"],
  ["tokenPriceInput", "token_price_input"],
  ["tokenPriceOutput", "token_price_output"],
  ["outcomePrice", "outcome_price"],
  ["freeQuota", "free_quota"],
  ["minimumCharge", "minimum_charge"],
  ["listingSummary", "listing_summary"],
  ["requestPayloadDocs", "request_payload_docs"],
  ["supportUrl", "support_url"],
] as const satisfies ReadonlyArray<readonly [keyof BillingPricing, keyof WireBillingPricing]>;

function toWirePricing(pricing: BillingPricing): WireBillingPricing {
  const out: Record<string, unknown> = {};
  for (const [camel, snake] of PRICING_FIELDS) {
    if (pricing[camel] !== undefined) out[snake] = pricing[camel];
  }
  return out as WireBillingPricing;
}

function fromWirePricing(wire: WireBillingPricing): BillingPricing {
  const out: Record<string, unknown> = {};
  for (const [camel, snake] of PRICING_FIELDS) {
    if (wire[snake] !== undefined) out[camel] = wire[snake];
  }
  return out as BillingPricing;
}

function fromWireUsage(usage: SendUsage): UsageCounts {
  const out: UsageCounts = {};
  if (usage.outcomes_returned !== undefined) out.outcomesReturned = usage.outcomes_returned;
  if (usage.tokens_input !== undefined) out.tokensInput = usage.tokens_input;
  if (usage.tokens_output !== undefined) out.tokensOutput = usage.tokens_output;
  if (usage.compute_ms !== undefined) out.computeMs = usage.compute_ms;
  if (usage.custom_units !== undefined) out.customUnits = { ...usage.custom_units };
  return out;
}

function toUsageRow(wire: WireUsageRow): UsageRow {
  return {
    id: wire.id,
    kind: wire.kind,
    marketplaceRequestId: wire.marketplace_request_id,
    amount: wire.amount,
    currency: wire.currency,
    counterpartyAgentId: wire.counterparty_agent_id,
    createdAt: wireDate(wire.created_at, `usage row ${wire.id}: created_at`),
    usage: wire.usage === null ? null : fromWireUsage(wire.usage),
  };
}

/**
 * The billing calls of the client (see `AgentMailClient`). `putBillingPricing` is a PUT
 * (idempotent): retried like the client's other calls.
 *
 * @internal
 * @example
 * const calls = billingCalls(http);
 * const { available } = await calls.getBillingBalance();
 */
export function billingCalls(
  http: ApiHttp,
): Pick<
  AgentMailClient,
  | "getBillingPricing"
  | "putBillingPricing"
  | "getBillingBalance"
  | "getBillingUsage"
  | "iterBillingUsage"
> {
  async function usagePage(query: UsageQuery | undefined, signal: AbortSignal | undefined) {
    const parsed = parseInput(UsageQuerySchema, query, "getBillingUsage query");
    const wireQuery: Record<string, string> = {};
    if (parsed?.limit !== undefined) wireQuery.limit = String(parsed.limit);
    if (parsed?.cursor !== undefined) wireQuery.cursor = parsed.cursor;
    const { body } = await http.call({
      route: Routes.getBillingUsage,
      query: wireQuery,
      schema: BillingUsagePageSchema,
      what: "getBillingUsage",
      signal,
    });
    return { items: body.items.map(toUsageRow), nextCursor: body.next_cursor ?? null };
  }

  return {
    async getBillingPricing(callOptions) {
      const what = "getBillingPricing";
      const signal = signalOf(callOptions, what);
      const { body } = await http.call({
        route: Routes.getBillingPricing,
        schema: BillingPricingSchema,
        what,
        signal,
      });
      return fromWirePricing(body);
    },
    async putBillingPricing(pricing, callOptions) {
      const what = "putBillingPricing";
      const signal = signalOf(callOptions, what);
      const given = parseInput(BillingPricingInputSchema, pricing, "putBillingPricing pricing");
      const { body } = await http.call({
        route: Routes.putBillingPricing,
        json: toWirePricing(given),
        schema: BillingPricingSchema,
        what,
        signal,
      });
      return fromWirePricing(body);
    },
    async getBillingBalance(callOptions) {
      const what = "getBillingBalance";
      const signal = signalOf(callOptions, what);
      const { body } = await http.call({
        route: Routes.getBillingBalance,
        schema: BillingBalanceSchema,
        what,
        signal,
      });
      return { currency: body.currency, available: body.available, reserved: body.reserved };
    },
    async getBillingUsage(query, callOptions) {
      return usagePage(query, signalOf(callOptions, "getBillingUsage"));
    },
    iterBillingUsage(query, callOptions) {
      // Checked at the call, not at the first next().
      const signal = signalOf(callOptions, "iterBillingUsage");
      const cursor = parseInput(UsageQuerySchema, query, "iterBillingUsage query")?.cursor;
      return eachItem(
        cursor,
        (next) => usagePage({ ...query, cursor: next }, signal),
        "iterBillingUsage",
      );
    },
  };
}
