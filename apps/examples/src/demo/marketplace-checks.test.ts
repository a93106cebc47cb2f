import type { SendResult } from "@assmbl/core";
import type { UsageRow } from "@assmbl/transport-api";
import { describe, expect, it } from "vitest";
import type { MarketplaceFacts } from "../08-marketplace.js";
import { expectedTokenCharge, marketplaceBlock } from "./marketplace-checks.js";

const ID = "mkt_0b1c";
const base: SendResult = {
  messageId: "m1",
  transport: "agentmail-api",
  encrypted: { body: true, attachments: false },
  recipients: [],
  attachments: [],
  copies: [],
};
const row = (
  kind: UsageRow["kind"],
  amount: number,
  usage: UsageRow["usage"] = null,
): UsageRow => ({
  id: `use_${kind}`,
  kind,
  marketplaceRequestId: ID,
  amount,
  currency: "USD",
  counterpartyAgentId: "peer",
  createdAt: new Date(0),
  usage,
});
const pricing = {
  pricingModel: "token_based" as const,
  currency: "USD",
  enabled: true,
  basePrice: 0.01,
  tokenPriceInput: 0.1,
  tokenPriceOutput: 0.3,
};
const usage = { tokensInput: 1200, tokensOutput: 300 };

function facts(overrides: Partial<MarketplaceFacts> = {}): MarketplaceFacts {
  return {
    pricing,
    published: {
      pricing_model: "token_based",
      base_price: 0.01,
      currency: "USD",
      token_price_input: 0.1,
      token_price_output: 0.3,
    },
    request: {
      message: { to: "seller@agents.localhost", subject: "Job", text: "do it" },
      result: {
        ...base,
        marketplaceRequestId: ID,
        billing: { linked: true, marketplace: { status: "reserved" } },
      },
    },
    requestIdSeenBySeller: ID,
    response: {
      message: { to: "buyer@agents.localhost", subject: "Re: Job", text: "done" },
      usage,
      result: {
        ...base,
        marketplaceRequestId: ID,
        billing: { linked: true, marketplace: { status: "settled", charge: 0.01021 } },
      },
    },
    balances: {
      before: { currency: "USD", available: 100, reserved: 0 },
      reserved: { currency: "USD", available: 99.99, reserved: 0.01 },
      settled: { currency: "USD", available: 99.98979, reserved: 0 },
    },
    usage: {
      buyer: [row("reservation", 0.01), row("charge", 0.01021, usage), row("release", 0)],
      seller: [row("earning", 0.01021, usage)],
    },
    ...overrides,
  };
}

const failed = (block: ReturnType<typeof marketplaceBlock>) =>
  block.checks.filter((check) => !check.ok).map((check) => check.label);

describe("expectedTokenCharge", () => {
  it("is the base price plus tokens per million, rounded to 6 decimals, at least the minimum", () => {
    expect(expectedTokenCharge(pricing, usage)).toBe(0.01021);
    expect(expectedTokenCharge({ ...pricing, minimumCharge: 0.05 }, usage)).toBe(0.05);
    expect(expectedTokenCharge(pricing, {})).toBe(0.01);
  });
});

describe("marketplaceBlock", () => {
  it("holds for a request reserved and settled at the pricing's charge", () => {
    expect(failed(marketplaceBlock(facts()))).toEqual([]);
  });

  it("reports a response that did not settle, and a wallet that did not move", () => {
    const unsettled = facts();
    unsettled.response.result.billing = { linked: true, marketplace: { status: "not_settled" } };
    unsettled.balances.settled = unsettled.balances.reserved;
    expect(failed(marketplaceBlock(unsettled))).toEqual([
      "response: result.billing",
      "buyer's wallet after the response",
    ]);
  });

  it("reports a charge other than the pricing gives, and rows missing from a ledger", () => {
    const block = marketplaceBlock(
      facts({
        usage: { buyer: [row("reservation", 0.01), row("charge", 0.02)], seller: [] },
      }),
    );
    expect(failed(block)).toEqual([
      "buyer's usage rows (this id)",
      "seller's usage rows (this id)",
    ]);
    expect(block.checks.find((check) => !check.ok)?.detail).toBe(
      'expected "reservation 0.01, charge 0.01021, release 0", got "reservation 0.01, charge 0.02"',
    );
  });

  it("reports a request sent through SES (not metered) and an id the seller did not see", () => {
    const block = marketplaceBlock(
      facts({
        requestIdSeenBySeller: undefined,
        request: {
          ...facts().request,
          result: {
            ...base,
            marketplaceRequestId: ID,
            billing: { linked: false, reason: "ses_not_metered" },
          },
        },
      }),
    );
    expect(failed(block)).toEqual(["request: result.billing", "seller read the id"]);
  });
});
