// The billing calls against the dev server: pricing (camelCase both ways), the wallet, and usage
// rows after a real marketplace exchange (a buyer's request reserves, the seller's reply
// settles), page by page and through iterBillingUsage; input refused by name before any
// request; answers off the contract refused (scripted server).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgentMailClient, type UsageRow } from "./client.js";
import { errorOf } from "./testing/fixtures.js";
import {
  MAIL_DOMAIN,
  type Platform,
  RECEIVER,
  RECEIVER_ID,
  SENDER,
  SENDER_ID,
  startPlatform,
} from "./testing/platform.js";
import { scriptedServer } from "./testing/scripted-server.js";

let platform: Platform;
beforeAll(async () => {
  platform = await startPlatform();
}, 60_000);
afterAll(async () => {
  await platform?.stop();
});

const pricing = {
  pricingModel: "token_based",
  currency: "USD",
  enabled: true,
  basePrice: 0.01,
  tokenPriceInput: 0.1,
  tokenPriceOutput: 0.3,
  minimumCharge: 0.005,
  listingSummary: "summaries",
} as const;

describe("pricing and balance", () => {
  it("a put pricing is what get answers, and what the public pricing shows", async () => {
    const seller = platform.inbox;
    expect(await seller.putBillingPricing(pricing)).toEqual(pricing);
    expect(await seller.getBillingPricing()).toEqual(pricing);
    const shown = await platform.directory.lookupPricing(RECEIVER_ID);
    // The directory passes the wire spelling through (its own contract).
    expect(shown).toMatchObject({ base_price: 0.01, pricing_model: "token_based" });
  });

  it("a new wallet holds the starting balance", async () => {
    expect(await platform.inbox.getBillingBalance()).toEqual({
      currency: "USD",
      available: 100,
      reserved: 0,
    });
  });
});

describe("usage rows", () => {
  it("a marketplace request and its settled reply leave camelCase rows on both sides", async () => {
    const buyerClient = createAgentMailClient({
      baseUrl: platform.server.url,
      token: platform.senderToken,
    });
    const seller = platform.inbox;
    await seller.putBillingPricing(pricing);
    await platform.mailer().send({
      to: RECEIVER,
      subject: "request",
      text: "summarise",
      marketplaceRequestId: "mkt-1",
    });
    expect((await buyerClient.getBillingBalance()).reserved).toBeGreaterThan(0);
    const { apiTransport } = await import("./transport.js");
    const { createMailer } = await import("@assmbl/core");
    const sellerMailer = createMailer(
      apiTransport({ baseUrl: platform.server.url, token: platform.receiverToken }),
      { from: RECEIVER, mailDomain: MAIL_DOMAIN },
    );
    await sellerMailer.send({
      to: SENDER,
      subject: "response",
      text: "done",
      marketplaceRequestId: "mkt-1",
      usage: { tokensInput: 1_000_000, tokensOutput: 0 },
    });

    const buyerRows: UsageRow[] = [];
    for await (const row of buyerClient.iterBillingUsage({ limit: 1 })) buyerRows.push(row);
    expect(buyerRows.map((row) => row.kind)).toEqual(["reservation", "charge", "release"]);
    for (const row of buyerRows) {
      expect(row).toMatchObject({
        marketplaceRequestId: "mkt-1",
        currency: "USD",
        counterpartyAgentId: RECEIVER_ID,
      });
      expect(row.createdAt).toBeInstanceOf(Date);
    }
    // base 0.01 + 1M input tokens at 0.10 per million.
    expect(buyerRows[1]?.amount).toBeCloseTo(0.11, 6);
    const sellerPage = await seller.getBillingUsage();
    expect(sellerPage.nextCursor).toBeNull();
    expect(sellerPage.items).toEqual([
      expect.objectContaining({
        kind: "earning",
        counterpartyAgentId: SENDER_ID,
        usage: { tokensInput: 1_000_000, tokensOutput: 0 },
      }),
    ]);
    const first = await buyerClient.getBillingUsage({ limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).toEqual(expect.any(String));
    const rest = await buyerClient.getBillingUsage({ cursor: first.nextCursor ?? "" });
    expect(rest.items.map((row) => row.kind)).toEqual(["release"]);
  });
});

describe("input checks, before any request", () => {
  it("refuses unknown and malformed fields by name", async () => {
    platform.server.requests.clear();
    const client = platform.inbox;
    for (const [input, named] of [
      [{ base_price: 1 }, "base_price"],
      [{ pricingModel: "auction" }, "pricingModel"],
      [{ basePrice: -1 }, "basePrice"],
      [{ currency: "usd" }, "currency"],
    ] as const) {
      expect(await errorOf(client.putBillingPricing(input as never))).toMatchObject({
        code: "invalid_options",
        message: expect.stringContaining(named),
      });
    }
    for (const [query, named] of [
      [{ limit: 101 }, "limit"],
      [{ page: 2 }, "page"],
      [{ cursor: "" }, "cursor"],
    ] as const) {
      expect(await errorOf(client.getBillingUsage(query as never))).toMatchObject({
        code: "invalid_options",
        message: expect.stringContaining(named),
      });
    }
    expect(() => client.iterBillingUsage({ size: 1 } as never)).toThrow(
      expect.objectContaining({
        code: "invalid_options",
        message: expect.stringContaining("size"),
      }),
    );
    expect(platform.server.requests.count()).toBe(0);
  });
});

describe("answers off the contract", () => {
  it.each([
    ["getBillingBalance", '{"currency":"USD","available":"100"}'],
    ["getBillingPricing", '{"pricing_model":"auction"}'],
    ["getBillingUsage", '{"items":[{"id":"u1","kind":"refund"}]}'],
    [
      "getBillingUsage",
      '{"items":[{"id":"u1","kind":"charge","marketplace_request_id":"m","amount":1,"currency":"USD","counterparty_agent_id":"a","created_at":"later","usage":null}]}',
    ],
  ] as const)("%s %s: invalid_response", async (call, body) => {
    const server = await scriptedServer([
      { status: 200, headers: { "content-type": "application/json" }, body },
    ]);
    try {
      const client = createAgentMailClient({
        baseUrl: server.url,
        token: "t".repeat(32),
        retry: { limit: 0 },
      });
      expect(await errorOf(client[call]())).toMatchObject({ code: "invalid_response" });
    } finally {
      await server.stop();
    }
  });
});
