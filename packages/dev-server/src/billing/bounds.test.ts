// Hostile prices and usage: a settlement never takes more than the buyer's wallet, never pushes
// a wallet past what a JSON number holds exactly, and money is conserved on the wire.
import {
  BillingBalanceSchema,
  BillingUsagePageSchema,
  SendResponseSchema,
  type UsageRow,
} from "@assmbl/core";
import { describe, expect, it } from "vitest";
import type { DevServer } from "../server.js";
import { useServers } from "../testing/helpers.js";
import { api, BUYER, BYSTANDER, MARKET_AGENTS, SELLER } from "./testing.js";

const serve = useServers();
const TOKENS = MARKET_AGENTS.map((agent) => agent.token);

/** A wire amount (6 decimals at most, below 2^31) as exact micro-units. */
const micro = (amount: number) => BigInt(Math.round(amount * 1e6));

async function wallet(server: DevServer, token: string) {
  const answer = await api(server, "GET", "/billing/balance", token);
  expect(answer.status).toBe(200);
  return BillingBalanceSchema.parse(answer.body);
}

async function allRows(server: DevServer, token: string): Promise<UsageRow[]> {
  const rows: UsageRow[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor === null ? "" : `&cursor=${cursor}`;
    const answer = await api(server, "GET", `/billing/usage?limit=100${query}`, token);
    expect(answer.status).toBe(200);
    const page = BillingUsagePageSchema.parse(answer.body);
    rows.push(...page.items);
    cursor = page.next_cursor ?? null;
  } while (cursor !== null);
  return rows;
}

/** Every wallet's available and reserved, summed exactly over HTTP. */
async function totalMicro(server: DevServer): Promise<bigint> {
  let total = 0n;
  for (const token of TOKENS) {
    const { available, reserved } = await wallet(server, token);
    total += micro(available) + micro(reserved);
  }
  return total;
}

async function request(server: DevServer, from: string, to: string, id: string) {
  const sent = await api(server, "POST", "/send", from, {
    to: `${to}@agents.localhost`,
    subject: "job",
    body: "please",
    marketplace_request_id: id,
  });
  expect(sent.status).toBe(200);
  return SendResponseSchema.parse(sent.body).marketplace;
}

async function settle(server: DevServer, from: string, to: string, id: string, usage: object) {
  const sent = await api(server, "POST", "/send", from, {
    to: `${to}@agents.localhost`,
    subject: "done",
    body: "result",
    marketplace_request_id: id,
    usage,
  });
  expect(sent.status).toBe(200);
  return SendResponseSchema.parse(sent.body).marketplace;
}

describe("settlements under hostile prices and usage", () => {
  it("charges at most what the buyer has: its wallet never goes below zero", async () => {
    const server = await serve({ agents: MARKET_AGENTS });
    await api(server, "PUT", "/billing/pricing", SELLER, {
      pricing_model: "token_based",
      enabled: true,
      base_price: 0.01,
      token_price_input: 1e9,
      token_price_output: 1e9,
    });
    expect(await request(server, BUYER, "seller", "m1")).toEqual({ status: "reserved" });
    // 2e12 tokens at 1e9 per million would be 2e15 USD: the buyer has 100.
    expect(
      await settle(server, SELLER, "buyer", "m1", {
        tokens_input: 1e12,
        tokens_output: 1e12,
      }),
    ).toEqual({ status: "settled", charge: 100 });
    expect(await wallet(server, BUYER)).toEqual({ currency: "USD", available: 0, reserved: 0 });
    expect(await wallet(server, SELLER)).toEqual({
      currency: "USD",
      available: 200,
      reserved: 0,
    });
    expect((await allRows(server, BUYER)).map((row) => [row.kind, row.amount])).toEqual([
      ["reservation", 0.01],
      ["charge", 100],
      ["release", 0],
    ]);
    // With nothing left, the next request is refused, not run on credit.
    const refused = await api(server, "POST", "/send", BUYER, {
      to: "seller@agents.localhost",
      subject: "again",
      body: "x",
      marketplace_request_id: "m2",
    });
    expect(refused.status).toBe(402);
    expect(await totalMicro(server)).toBe(300n * 1_000_000n);
  });

  it("keeps every wallet within 1,000,000,000 USD and conserves money exactly on the wire", async () => {
    const starting = 600_000_000.123457;
    const server = await serve({ agents: MARKET_AGENTS, startingBalance: starting });
    await api(server, "PUT", "/billing/pricing", SELLER, {
      pricing_model: "dynamic",
      enabled: true,
      base_price: 0.000001,
      outcome_price: 1e9,
    });
    await api(server, "PUT", "/billing/pricing", BYSTANDER, {
      pricing_model: "token_based",
      enabled: true,
      base_price: 123.456789,
      token_price_input: 1e9,
      token_price_output: 0.000001,
    });
    // The seller can take 399,999,999.876543 more before its wallet is full.
    await request(server, BUYER, "seller", "d1");
    const first = await settle(server, SELLER, "buyer", "d1", { outcomes_returned: 1e9 });
    expect(first).toEqual({ status: "settled", charge: 399_999_999.876543 });
    expect(await wallet(server, SELLER)).toMatchObject({ available: 1_000_000_000 });
    // Full: a further settlement to it charges nothing and releases what was held.
    await request(server, BYSTANDER, "seller", "d2");
    expect(await settle(server, SELLER, "bystander", "d2", { outcomes_returned: 7 })).toEqual({
      status: "settled",
      charge: 0,
    });
    // The buyer's remaining money goes to the bystander, and no further.
    await request(server, BUYER, "bystander", "t1");
    await request(server, SELLER, "bystander", "t2");
    expect(
      await settle(server, BYSTANDER, "buyer", "t1", { tokens_input: 1e12, tokens_output: 1e12 }),
    ).toEqual({ status: "settled", charge: 200_000_000.246914 });
    expect(await wallet(server, BUYER)).toEqual({ currency: "USD", available: 0, reserved: 0 });
    expect(await wallet(server, SELLER)).toEqual({
      currency: "USD",
      available: 999_999_876.543211,
      reserved: 123.456789,
    });
    // The bystander's wallet fills up: it takes 199,999,999.629629 of the seller's money.
    expect(
      await settle(server, BYSTANDER, "seller", "t2", { tokens_input: 1e12, tokens_output: 1 }),
    ).toEqual({ status: "settled", charge: 199_999_999.629629 });
    expect(await wallet(server, BYSTANDER)).toMatchObject({ available: 1_000_000_000 });
    expect(await wallet(server, SELLER)).toEqual({
      currency: "USD",
      available: 800_000_000.370371,
      reserved: 0,
    });

    for (const token of TOKENS) {
      const { available, reserved } = await wallet(server, token);
      expect(available).toBeGreaterThanOrEqual(0);
      expect(micro(available) + micro(reserved)).toBeLessThanOrEqual(1_000_000_000n * 1_000_000n);
    }
    expect(await totalMicro(server)).toBe(3n * micro(starting));
    // Every charge row is its seller's earning row, to the micro-unit.
    const charges = new Map<string, bigint>();
    const earnings = new Map<string, bigint>();
    for (const token of TOKENS) {
      for (const row of await allRows(server, token)) {
        if (row.kind === "charge") charges.set(row.marketplace_request_id, micro(row.amount));
        if (row.kind === "earning") earnings.set(row.marketplace_request_id, micro(row.amount));
      }
    }
    expect(charges.size).toBe(4);
    expect(earnings).toEqual(charges);
  });
});
