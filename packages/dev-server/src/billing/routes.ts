import { BillingPricingSchema, Routes } from "@assmbl/core";
import type { Context } from "hono";
import { z } from "zod";
import { requireAgent } from "../http/auth.js";
import { describeBodyIssues, parseBody, readJsonBody } from "../http/json-body.js";
import { HttpProblem } from "../http/problem.js";
import type { DevRoute } from "../http/route.js";
import type { DevStore } from "../store.js";
import { decodeUsageCursor, USAGE_PAGE_DEFAULT, USAGE_PAGE_MAX } from "./ledger.js";

/** A pricing body: `request_payload_docs` (20,000 characters) is most of it. */
export const PRICING_BODY_LIMIT = 128 * 1024;

const UsageQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(USAGE_PAGE_MAX).optional(),
  cursor: z.string().min(1).optional(),
});

/**
 * The billing routes (docs/wire-format.md, "Billing and the marketplace"), each on the token's
 * agent only: `GET` / `PUT /billing/pricing` (the pricing `GET /public/agents/{id}/pricing`
 * answers), `GET /billing/balance` (`{currency, available, reserved}`) and `GET /billing/usage`
 * (`{items, next_cursor}`, oldest first; `limit` ≤ 100, default 20; `cursor` a `next_cursor`).
 *
 * @example
 * const routes = billingRoutes(store);
 */
export function billingRoutes(store: DevStore): DevRoute[] {
  return [
    {
      route: Routes.getBillingPricing,
      handler: (c) => {
        const agent = requireAgent(c, store);
        return c.json(store.pricing(agent.agentId) ?? {});
      },
    },
    {
      route: Routes.putBillingPricing,
      handler: async (c) => {
        const agent = requireAgent(c, store);
        const body = await readJsonBody(c, PRICING_BODY_LIMIT);
        const pricing = parseBody(BillingPricingSchema, body, "billing pricing");
        return c.json(store.setPricing(agent.agentId, pricing));
      },
    },
    {
      route: Routes.getBillingBalance,
      handler: (c) => {
        const agent = requireAgent(c, store);
        return c.json(store.ledger.balance(agent.agentId));
      },
    },
    {
      route: Routes.getBillingUsage,
      handler: (c) => {
        const agent = requireAgent(c, store);
        const query = usageQuery(c);
        return c.json(store.ledger.usage(agent.agentId, query));
      },
    },
  ];
}

function usageQuery(c: Context): { limit: number; after?: number } {
  const url = new URL(c.req.url);
  const given: Record<string, string> = {};
  for (const [name, value] of url.searchParams) {
    if (name in given) throw new HttpProblem("invalid_request", `query: ${name} is given twice`);
    given[name] = value;
  }
  const parsed = UsageQuerySchema.safeParse(given);
  if (!parsed.success) {
    throw new HttpProblem("invalid_request", `query: ${describeBodyIssues(parsed.error.issues)}`);
  }
  const { limit = USAGE_PAGE_DEFAULT, cursor } = parsed.data;
  if (cursor === undefined) return { limit };
  const after = decodeUsageCursor(cursor);
  if (after === undefined) {
    throw new HttpProblem("invalid_request", "cursor is not a next_cursor this server issued");
  }
  return { limit, after };
}
