// A seller's encrypted marketplace response that reaches the buyer as a Bcc copy, end to end
// against the dev server: the copy to the buyer must carry the usage (else the platform settles
// at the base price), the copy to anyone else answers not_settled and moves no money, and the
// send's `billing` is the settling copy's, not the primary's.
import { createMailer, type Mailer } from "@assmbl/core";
import { openpgpCrypto } from "@assmbl/crypto";
import { createDirectory } from "@assmbl/directory";
import { startTestPlatform, type TestPlatform } from "@assmbl/testing/platform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgentMailClient } from "./client.js";
import { apiTransport } from "./transport.js";

const MAIL_DOMAIN = "agents.example.com";
let platform: TestPlatform;

beforeAll(async () => {
  platform = await startTestPlatform({
    mailDomain: MAIL_DOMAIN,
    agents: [
      { agentId: "buyer", keys: "seed" },
      { agentId: "seller", keys: "seed" },
      { agentId: "other", keys: "seed" },
    ],
  });
  // 0.01 a request plus 1000 per million input and output tokens: 1000 + 1000 tokens cost 2.01.
  await client("seller").putBillingPricing({
    pricingModel: "token_based",
    currency: "USD",
    enabled: true,
    basePrice: 0.01,
    tokenPriceInput: 1000,
    tokenPriceOutput: 1000,
  });
}, 60_000);
afterAll(async () => {
  await platform?.close();
});

function client(agentId: string) {
  const { token } = platform.agent(agentId);
  return createAgentMailClient({ baseUrl: platform.url, token, mailDomain: MAIL_DOMAIN });
}

function mailerOf(agentId: string): Mailer {
  const { token, address } = platform.agent(agentId);
  return createMailer(apiTransport({ baseUrl: platform.url, token }), {
    from: address,
    mailDomain: MAIL_DOMAIN,
    directory: createDirectory({ baseUrl: platform.url }),
    crypto: openpgpCrypto(),
  });
}

describe("a marketplace response with the buyer in Bcc", () => {
  it("settles on the usage through the buyer's copy, and reports that copy's settlement", async () => {
    const request = await mailerOf("buyer").sendMarketplaceRequest({
      to: platform.agent("seller").address,
      subject: "Job",
      text: "do it",
    });
    expect(request.billing).toMatchObject({ linked: true, marketplace: { status: "reserved" } });
    const before = await client("buyer").getBillingBalance();
    const response = await mailerOf("seller").sendMarketplaceResponse({
      to: platform.agent("other").address,
      bcc: platform.agent("buyer").address,
      subject: "Done",
      text: "result",
      encrypt: true,
      marketplaceRequestId: request.marketplaceRequestId,
      usage: { tokensInput: 1000, tokensOutput: 1000 },
    });
    expect(
      response.copies.map((copy) => [copy.kind, copy.billing?.linked && copy.billing.marketplace]),
    ).toEqual([
      ["primary", { status: "not_settled" }],
      ["bcc", { status: "settled", charge: 2.01 }],
    ]);
    expect(response.billing).toMatchObject({ marketplace: { status: "settled", charge: 2.01 } });
    // Both copies carried the usage on /send; only the buyer's copy moved money.
    const sent = platform.server.sent.messages().slice(-2);
    expect(sent.map((message) => message.request.usage)).toEqual([
      { tokens_input: 1000, tokens_output: 1000 },
      { tokens_input: 1000, tokens_output: 1000 },
    ]);
    const after = await client("buyer").getBillingBalance();
    expect(after.reserved).toBe(before.reserved - 0.01);
    expect(Math.round((before.available - after.available) * 100)).toBe(200);
  });
});
