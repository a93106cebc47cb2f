import {
  AgentMailHeaders,
  BillingBalanceSchema,
  BillingUsagePageSchema,
  PricingSchema,
  SendResponseSchema,
} from "@assmbl/core";
import { useSesClients } from "@assmbl/testing/ses";
import { SendRawEmailCommand } from "@aws-sdk/client-ses";
import { describe, expect, it } from "vitest";
import { headerFields, headerValues } from "../mime/headers.js";
import { useServers } from "../testing/helpers.js";
import { api, BUYER, BYSTANDER, MARKET_AGENTS, SELLER } from "./testing.js";

const serve = useServers();
const sesClients = useSesClients();

const PRICING = {
  pricing_model: "token_based",
  currency: "USD",
  enabled: true,
  base_price: 0.01,
  token_price_input: 0.1,
  token_price_output: 0.3,
  minimum_charge: 0.005,
  listing_summary: "Summaries",
};

async function market(options: { startingBalance?: number } = {}) {
  const server = await serve({ agents: MARKET_AGENTS, ...options });
  const put = await api(server, "PUT", "/billing/pricing", SELLER, PRICING);
  expect(put.status).toBe(200);
  return server;
}

const request = (extra: Record<string, unknown> = {}) => ({
  to: "seller@agents.localhost",
  subject: "Summarize this",
  body: "please",
  marketplace_request_id: "mkt_42",
  ...extra,
});
const reply = (extra: Record<string, unknown> = {}) => ({
  to: "buyer@agents.localhost",
  subject: "Re: Summarize this",
  body: "done",
  marketplace_request_id: "mkt_42",
  usage: { tokens_input: 1200, tokens_output: 300 },
  ...extra,
});

async function balance(server: Awaited<ReturnType<typeof market>>, token: string) {
  const answer = await api(server, "GET", "/billing/balance", token);
  expect(answer.status).toBe(200);
  return BillingBalanceSchema.parse(answer.body);
}
async function rows(server: Awaited<ReturnType<typeof market>>, token: string) {
  const answer = await api(server, "GET", "/billing/usage", token);
  expect(answer.status).toBe(200);
  return BillingUsagePageSchema.parse(answer.body).items;
}

describe("the marketplace on /send", () => {
  it("a request reserves from the buyer, the seller's reply with the same id settles: balances and rows move as documented", async () => {
    const server = await market();
    const sent = await api(server, "POST", "/send", BUYER, request());
    expect(sent.status).toBe(200);
    expect(SendResponseSchema.parse(sent.body).marketplace).toEqual({ status: "reserved" });
    expect(server.store.inbox("seller")).toHaveLength(1);
    expect(await balance(server, BUYER)).toEqual({
      currency: "USD",
      available: 99.99,
      reserved: 0.01,
    });
    expect(await balance(server, SELLER)).toEqual({ currency: "USD", available: 100, reserved: 0 });

    const settled = await api(server, "POST", "/send", SELLER, reply());
    expect(settled.status).toBe(200);
    // 0.01 + 1200 × 0.1 / 1e6 + 300 × 0.3 / 1e6
    expect(SendResponseSchema.parse(settled.body).marketplace).toEqual({
      status: "settled",
      charge: 0.01021,
    });
    expect(server.store.inbox("buyer")).toHaveLength(1);
    expect(await balance(server, BUYER)).toEqual({
      currency: "USD",
      available: 99.98979,
      reserved: 0,
    });
    expect(await balance(server, SELLER)).toEqual({
      currency: "USD",
      available: 100.01021,
      reserved: 0,
    });

    const buyerRows = await rows(server, BUYER);
    expect(
      buyerRows.map(({ kind, amount, counterparty_agent_id, marketplace_request_id }) => ({
        kind,
        amount,
        counterparty_agent_id,
        marketplace_request_id,
      })),
    ).toEqual([
      {
        kind: "reservation",
        amount: 0.01,
        counterparty_agent_id: "seller",
        marketplace_request_id: "mkt_42",
      },
      {
        kind: "charge",
        amount: 0.01021,
        counterparty_agent_id: "seller",
        marketplace_request_id: "mkt_42",
      },
      // Nothing was held beyond the charge.
      {
        kind: "release",
        amount: 0,
        counterparty_agent_id: "seller",
        marketplace_request_id: "mkt_42",
      },
    ]);
    expect(buyerRows[1]?.usage).toEqual({ tokens_input: 1200, tokens_output: 300 });
    expect(buyerRows[0]?.usage).toBeNull();
    const sellerRows = await rows(server, SELLER);
    expect(sellerRows).toEqual([
      expect.objectContaining({
        kind: "earning",
        amount: 0.01021,
        counterparty_agent_id: "buyer",
        marketplace_request_id: "mkt_42",
        currency: "USD",
        usage: { tokens_input: 1200, tokens_output: 300 },
      }),
    ]);
    // A bystander's wallet and rows are its own.
    expect(await rows(server, BYSTANDER)).toEqual([]);
    expect(await balance(server, BYSTANDER)).toMatchObject({ available: 100, reserved: 0 });

    // A second reply has nothing left to settle.
    const again = await api(server, "POST", "/send", SELLER, reply());
    expect(SendResponseSchema.parse(again.body).marketplace).toEqual({ status: "not_settled" });
    expect(await balance(server, SELLER)).toMatchObject({ available: 100.01021 });
  });

  it("releases what was held beyond the charge, and charges nothing within the free quota", async () => {
    const server = await serve({ agents: MARKET_AGENTS });
    await api(server, "PUT", "/billing/pricing", SELLER, {
      pricing_model: "dynamic",
      enabled: true,
      base_price: 0,
      outcome_price: 0.2,
      minimum_charge: 0.5,
      free_quota: 1,
    });
    // The first settled request is free: all 0.5 held goes back.
    await api(server, "POST", "/send", BUYER, request({ marketplace_request_id: "r1" }));
    const free = await api(
      server,
      "POST",
      "/send",
      SELLER,
      reply({ marketplace_request_id: "r1", usage: { outcomes_returned: 4 } }),
    );
    expect(SendResponseSchema.parse(free.body).marketplace).toEqual({
      status: "settled",
      charge: 0,
    });
    // The second: max(4 × 0.2, 0.5) = 0.8, more than the 0.5 held.
    await api(server, "POST", "/send", BUYER, request({ marketplace_request_id: "r2" }));
    const paid = await api(
      server,
      "POST",
      "/send",
      SELLER,
      reply({ marketplace_request_id: "r2", usage: { outcomes_returned: 4 } }),
    );
    expect(SendResponseSchema.parse(paid.body).marketplace).toEqual({
      status: "settled",
      charge: 0.8,
    });
    // A third with one outcome: the minimum 0.5 is charged, nothing released.
    await api(server, "POST", "/send", BUYER, request({ marketplace_request_id: "r3" }));
    await api(
      server,
      "POST",
      "/send",
      SELLER,
      reply({ marketplace_request_id: "r3", usage: { outcomes_returned: 1 } }),
    );
    expect(
      (await rows(server, BUYER)).map((row) => [row.marketplace_request_id, row.kind, row.amount]),
    ).toEqual([
      ["r1", "reservation", 0.5],
      ["r1", "charge", 0],
      ["r1", "release", 0.5],
      ["r2", "reservation", 0.5],
      ["r2", "charge", 0.8],
      ["r2", "release", 0],
      ["r3", "reservation", 0.5],
      ["r3", "charge", 0.5],
      ["r3", "release", 0],
    ]);
    expect(await balance(server, BUYER)).toEqual({ currency: "USD", available: 98.7, reserved: 0 });
    expect(await balance(server, SELLER)).toMatchObject({ available: 101.3 });
  });

  it("refuses a request the buyer cannot cover with 402 insufficient_funds, and delivers nothing", async () => {
    const server = await market({ startingBalance: 0.005 });
    const refused = await api(server, "POST", "/send", BUYER, request());
    expect(refused.status).toBe(402);
    expect(refused.body).toEqual({
      error: "insufficient_funds",
      message: expect.stringContaining("0.005"),
    });
    expect(server.store.inbox("seller")).toEqual([]);
    expect(server.sent.messages()).toEqual([]);
    expect(await balance(server, BUYER)).toEqual({
      currency: "USD",
      available: 0.005,
      reserved: 0,
    });
    expect(await rows(server, BUYER)).toEqual([]);
    // Without a marketplace id nothing is metered, so the message goes through.
    const plain = await api(
      server,
      "POST",
      "/send",
      BUYER,
      request({ marketplace_request_id: null }),
    );
    expect(plain.status).toBe(200);
    expect(SendResponseSchema.parse(plain.body).marketplace).toBeUndefined();
  });

  it("meters nothing for a seller whose pricing is not enabled, a reply with no reservation, or a send to oneself", async () => {
    const server = await serve({ agents: MARKET_AGENTS });
    const unpriced = await api(server, "POST", "/send", BUYER, request());
    expect(SendResponseSchema.parse(unpriced.body).marketplace).toBeUndefined();
    const orphan = await api(server, "POST", "/send", SELLER, reply());
    expect(SendResponseSchema.parse(orphan.body).marketplace).toEqual({ status: "not_settled" });
    await api(server, "PUT", "/billing/pricing", SELLER, PRICING);
    const self = await api(
      server,
      "POST",
      "/send",
      SELLER,
      request({ to: "seller@agents.localhost" }),
    );
    expect(SendResponseSchema.parse(self.body).marketplace).toBeUndefined();
    for (const token of [BUYER, SELLER]) {
      expect(await balance(server, token)).toMatchObject({ available: 100, reserved: 0 });
    }
  });

  it("never meters mail through the SES endpoint, which keeps the request id header", async () => {
    const server = await market();
    const { v1 } = sesClients(server, "buyer");
    const raw = [
      "From: buyer@agents.localhost",
      "To: seller@agents.localhost",
      "Subject: over SES",
      `${AgentMailHeaders.marketplaceRequestId}: mkt_ses`,
      "",
      "hi",
    ].join("\r\n");
    await v1.send(new SendRawEmailCommand({ RawMessage: { Data: new TextEncoder().encode(raw) } }));
    const [delivered] = server.store.inbox("seller");
    expect(
      headerValues(
        headerFields(delivered?.raw ?? new Uint8Array()),
        AgentMailHeaders.marketplaceRequestId.toLowerCase(),
      ),
    ).toEqual(["mkt_ses"]);
    expect(await balance(server, BUYER)).toMatchObject({ available: 100, reserved: 0 });
    expect(await rows(server, BUYER)).toEqual([]);
  });
});

describe("pricing routes", () => {
  it("PUT /billing/pricing is what GET /billing/pricing and the public pricing answer; absent fields keep theirs", async () => {
    const server = await market();
    const own = await api(server, "GET", "/billing/pricing", SELLER);
    const published = await fetch(`${server.url}/public/agents/seller/pricing`);
    const publicBody = await published.json();
    expect(own.body).toEqual(PRICING);
    expect(publicBody).toEqual(PRICING);
    expect(PricingSchema.safeParse(publicBody).success).toBe(true);
    const changed = await api(server, "PUT", "/billing/pricing", SELLER, { enabled: false });
    expect(changed.body).toEqual({ ...PRICING, enabled: false });
    expect(await (await fetch(`${server.url}/public/agents/seller/pricing`)).json()).toEqual({
      ...PRICING,
      enabled: false,
    });
    // Another agent's token changes that agent's pricing only.
    expect((await api(server, "GET", "/billing/pricing", BUYER)).body).toEqual({
      pricing_model: "free",
      base_price: 0,
    });
  });

  it("refuses bad pricing bodies with 400 invalid_request, naming the field", async () => {
    const server = await market();
    for (const [body, words] of [
      [{ pricing_model: "per_message" }, "pricing_model"],
      [{ base_price: -1 }, "base_price"],
      [{ surprise: 1 }, "surprise"],
      [{ currency: "EUR" }, "USD"],
      [[], "body"],
    ] as const) {
      const answer = await api(server, "PUT", "/billing/pricing", SELLER, body);
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({
        error: "invalid_request",
        message: expect.stringContaining(words),
      });
    }
    expect((await api(server, "GET", "/billing/pricing", SELLER)).body).toEqual(PRICING);
  });

  it("GET /billing/usage pages with limit and cursor, oldest first; bad queries are 400", async () => {
    const server = await market();
    for (const id of ["a", "b"]) {
      await api(server, "POST", "/send", BUYER, request({ marketplace_request_id: id }));
      await api(server, "POST", "/send", SELLER, reply({ marketplace_request_id: id }));
    }
    const seen: string[] = [];
    let cursor: string | null | undefined;
    let pages = 0;
    do {
      const answer = await api(
        server,
        "GET",
        `/billing/usage?limit=4${cursor ? `&cursor=${cursor}` : ""}`,
        BUYER,
      );
      const page = BillingUsagePageSchema.parse(answer.body);
      expect(page.items.length).toBeLessThanOrEqual(4);
      seen.push(...page.items.map((row) => `${row.marketplace_request_id}:${row.kind}`));
      cursor = page.next_cursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(2);
    expect(seen).toEqual([
      "a:reservation",
      "a:charge",
      "a:release",
      "b:reservation",
      "b:charge",
      "b:release",
    ]);
    for (const query of [
      "limit=0",
      "limit=101",
      "limit=x",
      "cursor=nope",
      "other=1",
      "limit=1&limit=2",
    ]) {
      const answer = await api(server, "GET", `/billing/usage?${query}`, BUYER);
      expect(answer.status, query).toBe(400);
      expect(answer.body).toMatchObject({ error: "invalid_request" });
    }
  });

  it("every billing route needs the token", async () => {
    const server = await market();
    for (const [method, path] of [
      ["GET", "/billing/pricing"],
      ["PUT", "/billing/pricing"],
      ["GET", "/billing/balance"],
      ["GET", "/billing/usage"],
    ] as const) {
      const response = await fetch(server.url + path, { method });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: "unauthorized" });
    }
  });
});
