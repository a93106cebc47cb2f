// Usage rows and cursors reveal nothing of other agents; a `__proto__` custom unit is refused.
import { BillingUsagePageSchema } from "@assmbl/core";
import { describe, expect, it } from "vitest";
import type { DevServer } from "../server.js";
import { useServers } from "../testing/helpers.js";
import { api, BUYER, BYSTANDER, MARKET_AGENTS, SELLER } from "./testing.js";

const serve = useServers();

async function market(): Promise<DevServer> {
  const server = await serve({ agents: MARKET_AGENTS });
  await api(server, "PUT", "/billing/pricing", SELLER, {
    pricing_model: "per_request",
    enabled: true,
    base_price: 0.01,
  });
  return server;
}

async function job(server: DevServer, token: string, id: string): Promise<void> {
  const sent = await api(server, "POST", "/send", token, {
    to: "seller@agents.localhost",
    subject: "job",
    body: "x",
    marketplace_request_id: id,
  });
  expect(sent.status).toBe(200);
}

async function firstPage(server: DevServer, token: string) {
  const answer = await api(server, "GET", "/billing/usage?limit=1", token);
  expect(answer.status).toBe(200);
  return BillingUsagePageSchema.parse(answer.body);
}

describe("usage rows and cursors", () => {
  it("an agent's cursors and row ids do not count other agents' rows", async () => {
    const quiet = await market();
    const busy = await market();
    // Only on `busy`: the bystander's traffic comes first.
    for (let i = 0; i < 5; i++) await job(busy, BYSTANDER, `other-${i}`);
    for (const server of [quiet, busy]) {
      await job(server, BUYER, "mine-1");
      await job(server, BUYER, "mine-2");
    }
    const quietPage = await firstPage(quiet, BUYER);
    const busyPage = await firstPage(busy, BUYER);
    expect(busyPage.next_cursor).not.toBeNull();
    expect(busyPage.next_cursor).toBe(quietPage.next_cursor);
    // Row ids are not a running count either.
    const ids = [quietPage, busyPage].map((page) => page.items[0]?.id);
    expect(ids[0]).not.toBe(ids[1]);
    const rest = await api(busy, "GET", `/billing/usage?cursor=${busyPage.next_cursor}`, BUYER);
    expect(
      BillingUsagePageSchema.parse(rest.body).items.map((row) => row.marketplace_request_id),
    ).toEqual(["mine-2"]);
  });
});

describe("custom units", () => {
  it("refuses a __proto__ unit with 400 instead of dropping it, and moves no money", async () => {
    const server = await market();
    await job(server, BUYER, "p1");
    const response = await fetch(`${server.url}/send`, {
      method: "POST",
      headers: { authorization: `Bearer ${SELLER}`, "content-type": "application/json" },
      body: '{"to":"buyer@agents.localhost","subject":"s","body":"x","marketplace_request_id":"p1","usage":{"custom_units":{"__proto__":7,"pages":1}}}',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: "invalid_request",
      message: expect.stringContaining("usage.custom_units: __proto__"),
    });
    expect(server.store.inbox("buyer")).toEqual([]);
    const balance = await api(server, "GET", "/billing/balance", BUYER);
    expect(balance.body).toMatchObject({ available: 99.99, reserved: 0.01 });
    // A unit named like any other key is fine.
    const fine = await api(server, "POST", "/send", SELLER, {
      to: "buyer@agents.localhost",
      subject: "s",
      body: "x",
      marketplace_request_id: "p1",
      usage: { custom_units: { proto: 7 } },
    });
    expect(fine.body).toMatchObject({ marketplace: { status: "settled", charge: 0.01 } });
  });
});
