// Buyer → seller end to end through createMailer and apiTransport, against the dev server's
// marketplace billing (docs/wire-format.md, "Billing and the marketplace"): the buyer's request
// reserves, the seller's response settles on its usage, and each send's result says so.
import {
  BillingBalanceSchema,
  BillingUsagePageSchema,
  createMailer,
  type Mailer,
  Routes,
} from "@assmbl/core";
import { startTestPlatform, type TestPlatform } from "@assmbl/testing/platform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiTransport } from "./transport.js";

const MAIL_DOMAIN = "agents.example.com";
let platform: TestPlatform;
let buyer: Mailer;
let seller: Mailer;

beforeAll(async () => {
  platform = await startTestPlatform({
    mailDomain: MAIL_DOMAIN,
    agents: ["buyer", "seller", "pricey", "free-seller"],
  });
  buyer = mailerOf("buyer");
  seller = mailerOf("seller");
  // token_based: 0.01 a request plus 0.10 / 0.30 per million input / output tokens.
  await call("seller", Routes.putBillingPricing.path, "PUT", {
    pricing_model: "token_based",
    currency: "USD",
    enabled: true,
    base_price: 0.01,
    token_price_input: 0.1,
    token_price_output: 0.3,
    minimum_charge: 0.005,
  });
  // More than the buyer's whole wallet (the dev server starts each at 100.00).
  await call("pricey", Routes.putBillingPricing.path, "PUT", {
    pricing_model: "per_request",
    currency: "USD",
    enabled: true,
    base_price: 1000,
  });
}, 60_000);
afterAll(async () => {
  await platform?.close();
});

function mailerOf(agentId: string): Mailer {
  const { token, address } = platform.agent(agentId);
  return createMailer(apiTransport({ baseUrl: platform.url, token }), {
    from: address,
    mailDomain: MAIL_DOMAIN,
  });
}

async function call(agentId: string, path: string, method: string, json?: unknown) {
  const response = await fetch(platform.url + path, {
    method,
    headers: {
      authorization: `Bearer ${platform.agent(agentId).token}`,
      ...(json === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  });
  if (!response.ok)
    throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<unknown>;
}

const balanceOf = async (agentId: string) =>
  BillingBalanceSchema.parse(await call(agentId, Routes.getBillingBalance.path, "GET"));

describe("buyer → seller", () => {
  it("reserves on the request and settles on the response's usage", async () => {
    const before = await balanceOf("buyer");
    const request = await buyer.sendMarketplaceRequest({
      to: platform.agent("seller").address,
      subject: "Summarize the report",
      text: "please",
    });
    expect(request.billing).toMatchObject({ linked: true, marketplace: { status: "reserved" } });
    const held = await balanceOf("buyer");
    expect(held.reserved).toBeCloseTo(before.reserved + 0.01, 6);

    const response = await seller.sendMarketplaceResponse({
      to: platform.agent("buyer").address,
      marketplaceRequestId: request.marketplaceRequestId,
      subject: "Re: Summarize the report",
      text: "the summary",
      usage: { tokensInput: 1200, tokensOutput: 300 },
    });
    // 0.01 + 1200 × 0.10 / 1e6 + 300 × 0.30 / 1e6
    expect(response.billing).toMatchObject({
      linked: true,
      marketplace: { status: "settled", charge: 0.01021 },
    });
    expect(response.marketplaceRequestId).toBe(request.marketplaceRequestId);
    const after = await balanceOf("buyer");
    expect(after.reserved).toBeCloseTo(before.reserved, 6);
    expect(after.available).toBeCloseTo(before.available - 0.01021, 6);
    // The id the mailer generated is the one the platform metered under, on both sides.
    const rowsOf = async (agentId: string) =>
      BillingUsagePageSchema.parse(
        await call(agentId, `${Routes.getBillingUsage.path}?limit=100`, "GET"),
      ).items.filter((row) => row.marketplace_request_id === request.marketplaceRequestId);
    expect((await rowsOf("buyer")).map((row) => row.kind)).toEqual(
      expect.arrayContaining(["reservation", "charge"]),
    );
    const earnings = (await rowsOf("seller")).filter((row) => row.kind === "earning");
    expect(earnings.map((row) => row.usage)).toEqual([{ tokens_input: 1200, tokens_output: 300 }]);
  });

  it("says not_settled for a response with no open reservation under its id", async () => {
    const response = await seller.sendMarketplaceResponse({
      to: platform.agent("buyer").address,
      marketplaceRequestId: "mkt_never_requested",
      subject: "Re: nothing",
      text: "unsolicited",
      usage: { tokensInput: 1 },
    });
    expect(response.billing).toMatchObject({
      linked: true,
      marketplace: { status: "not_settled" },
    });
  });

  it("refuses a request the buyer's wallet cannot cover: insufficient_funds, nothing sent", async () => {
    const sentBefore = platform.server.sent.messages().length;
    const error = await buyer
      .sendMarketplaceRequest({
        to: platform.agent("pricey").address,
        subject: "Too expensive",
        text: "please",
      })
      .then(
        () => undefined,
        (caught: unknown) => caught as { code?: string; status?: number; outcome?: string },
      );
    expect([error?.code, error?.status, error?.outcome]).toEqual([
      "insufficient_funds",
      402,
      "not_sent",
    ]);
    expect(platform.server.sent.messages().length).toBe(sentBefore);
  });
});
