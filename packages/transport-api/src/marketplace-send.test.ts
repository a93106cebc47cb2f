// A marketplace send through createMailer and apiTransport against the dev server: what the
// /send body carries (the id and the seller's usage, wire spelling) and what the result says
// billing did.
import { createMailer } from "@assmbl/core";
import { openpgpCrypto } from "@assmbl/crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  MAIL_DOMAIN,
  type Platform,
  RECEIVER,
  RECEIVER_ID,
  SENDER,
  startPlatform,
} from "./testing/platform.js";
import { apiTransport } from "./transport.js";

let platform: Platform;
beforeAll(async () => {
  platform = await startPlatform();
}, 60_000);
afterAll(async () => {
  await platform?.stop();
});

const lastSent = () => platform.server.sent.messages().at(-1);

it("sends the buyer's request with a generated id in the body and the header, and says billing is linked", async () => {
  const result = await platform.mailer().sendMarketplaceRequest({
    to: RECEIVER,
    subject: "marketplace request",
    text: "summarize this",
  });
  expect(result.marketplaceRequestId).toMatch(/^mkt_[0-9a-f-]{36}$/);
  const sent = lastSent();
  expect(sent?.request.marketplace_request_id).toBe(result.marketplaceRequestId);
  expect(sent?.request.usage).toBeNull();
  expect(new TextDecoder().decode(sent?.raw)).toContain(
    `X-AgentMail-Marketplace-Request-Id: ${result.marketplaceRequestId}`,
  );
  expect(result.billing).toMatchObject({ linked: true, reservationKey: sent?.reservationKey });
  expect(result.copies[0]?.billing).toEqual(result.billing);
});

it("encrypts a request as send does; the id stays in clear for billing", async () => {
  const result = await platform.mailer().sendMarketplaceRequest({
    to: RECEIVER,
    subject: "encrypted marketplace request",
    text: "the secret job",
    marketplaceRequestId: "mkt-encrypted-1",
    encrypt: true,
  });
  expect(result.encrypted.body).toBe(true);
  const sent = lastSent();
  expect(sent?.request.marketplace_request_id).toBe("mkt-encrypted-1");
  expect(sent?.request.body).toMatch(/^-----BEGIN PGP MESSAGE-----/);
  expect(sent?.request.body).not.toContain("the secret job");
});

it("sends the seller's response with the id and its usage in the wire spelling", async () => {
  const seller = createMailer(
    apiTransport({ baseUrl: platform.server.url, token: platform.receiverToken }),
    {
      from: RECEIVER,
      mailDomain: MAIL_DOMAIN,
      directory: platform.directory,
      crypto: openpgpCrypto({ signingKey: platform.receiverKey }),
    },
  );
  const result = await seller.sendMarketplaceResponse({
    to: SENDER,
    marketplaceRequestId: "mkt-response-1",
    subject: "marketplace response",
    text: "done",
    correlationId: "corr-mkt-1",
    usage: {
      outcomesReturned: 2,
      tokensInput: 1200,
      tokensOutput: 300,
      computeMs: 45,
      customUnits: { files: 3 },
    },
  });
  expect(result.marketplaceRequestId).toBe("mkt-response-1");
  expect(result.correlationId).toBe("corr-mkt-1");
  const sent = lastSent();
  expect(sent?.agentId).toBe(RECEIVER_ID);
  expect(sent?.request.marketplace_request_id).toBe("mkt-response-1");
  expect(sent?.request.usage).toEqual({
    outcomes_returned: 2,
    tokens_input: 1200,
    tokens_output: 300,
    compute_ms: 45,
    custom_units: { files: 3 },
  });
  expect(result.billing?.linked).toBe(true);
});

it("puts usage on a plain send's /send body too, and null when there is none", async () => {
  const mailer = platform.mailer();
  const marketplaceRequestId = "mkt_plain-send";
  await mailer.send({
    to: RECEIVER,
    subject: "usage on send",
    text: "t",
    marketplaceRequestId,
    usage: { computeMs: 7 },
  });
  expect(lastSent()?.request.usage).toEqual({ compute_ms: 7 });
  expect(lastSent()?.request.marketplace_request_id).toBe(marketplaceRequestId);
  // Usage settles a marketplace request: without one it is refused before /send.
  const sentBefore = platform.server.sent.messages().length;
  await expect(
    mailer.send({ to: RECEIVER, subject: "usage alone", text: "t", usage: { computeMs: 7 } }),
  ).rejects.toMatchObject({ code: "invalid_message", outcome: "not_sent" });
  expect(platform.server.sent.messages()).toHaveLength(sentBefore);
  const plain = await mailer.send({ to: RECEIVER, subject: "no usage", text: "t" });
  expect(lastSent()?.request.usage).toBeNull();
  // Metered like every /send, with nothing marketplace about it.
  expect(plain.billing).toEqual({ linked: true, reservationKey: lastSent()?.reservationKey });
});
