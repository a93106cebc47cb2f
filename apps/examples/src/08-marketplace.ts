/**
 * Example 8 — a marketplace job, buyer and seller, and what it cost.
 *
 * The seller (the receiving agent) publishes a token-based price with `putBillingPricing`. The
 * buyer (the sending agent) reads it from the directory, then sends its job with
 * `sendMarketplaceRequest`, which gives the message a `marketplaceRequestId`: the platform
 * reserves the seller's base price from the buyer's wallet as the request reaches the seller.
 * The seller reads the request, does the work, and answers with `sendMarketplaceResponse`,
 * echoing the id and reporting the tokens it used: the platform settles, charging the buyer what
 * the pricing says for that usage. Both sides' usage rows carry the request id.
 *
 * Only sends through the AgentMail API (`apiTransport`) are metered: SES sends carry the id but
 * are not billed. Against real services this sets the recipient's pricing and spends the
 * sender's money: run it with test agents.
 *
 * Run it: `node apps/examples/dist/08-marketplace.js`.
 */
import {
  createMailer,
  type MailMessage,
  type MailUsage,
  type MarketplaceSendResult,
} from "@assmbl/core";
import { loadPrivateKey, openpgpCrypto } from "@assmbl/crypto";
import type { AgentPricing } from "@assmbl/directory";
import {
  apiTransport,
  type BillingBalance,
  type BillingPricing,
  createAgentMailClient,
  type UsageRow,
} from "@assmbl/transport-api";
import type { ExampleContext } from "./context.js";
import { ExampleEnv } from "./env.js";
import { findMessage } from "./find-message.js";
import { runIfMain } from "./standalone.js";

/**
 * What example 8 returns: the pricing, both sends, the buyer's wallet at each step, and the usage
 * rows of this request on each side.
 *
 * @example
 * const { response, balances }: MarketplaceFacts = await run(context);
 * response.result.billing; // { linked: true, marketplace: { status: "settled", charge: 0.01021 } }
 */
export interface MarketplaceFacts {
  /** What the seller put. */
  pricing: BillingPricing;
  /** The seller's pricing as the buyer read it from the directory. */
  published: AgentPricing;
  request: { message: MailMessage; result: MarketplaceSendResult };
  /** The id the seller read from the request (`X-AgentMail-Marketplace-Request-Id`). */
  requestIdSeenBySeller: string | undefined;
  response: { message: MailMessage; usage: MailUsage; result: MarketplaceSendResult };
  /** The buyer's wallet before the request, after it (held) and after the response (settled). */
  balances: { before: BillingBalance; reserved: BillingBalance; settled: BillingBalance };
  usage: { buyer: UsageRow[]; seller: UsageRow[] };
}

/**
 * Runs one marketplace job from the sender (buyer) to the recipient (seller).
 *
 * @example
 * const { request, response } = await run(context);
 * request.result.billing; // { linked: true, marketplace: { status: "reserved" } }
 * @throws {Error} without the recipient's token or key; {@link AgentMailError} on API failures
 * (`insufficient_funds` when the buyer's wallet cannot cover the reservation).
 */
export async function run(context: ExampleContext): Promise<MarketplaceFacts> {
  const { apiBaseUrl, mailDomain, sender, recipient, directory, runId } = context;
  if (!recipient.token || !recipient.privateKeyArmored) {
    throw new Error(
      `set ${ExampleEnv.recipientToken} and ${ExampleEnv.recipientPrivateKey}: the seller reads and answers the request`,
    );
  }
  const buyer = createAgentMailClient({ baseUrl: apiBaseUrl, token: sender.token, mailDomain });
  const seller = createAgentMailClient({ baseUrl: apiBaseUrl, token: recipient.token, mailDomain });

  // --- Seller: 0.01 USD a request, plus 0.10 / 0.30 USD per million input / output tokens.
  const pricing = await seller.putBillingPricing({
    pricingModel: "token_based",
    currency: "USD",
    enabled: true,
    basePrice: 0.01,
    tokenPriceInput: 0.1,
    tokenPriceOutput: 0.3,
    listingSummary: "Summaries of financial reports",
  });

  // --- Buyer: check the price, then send the job. The id is generated (mkt_<uuid>).
  const published = await directory.lookupPricing(recipient.agentId);
  const before = await buyer.getBillingBalance();
  const buyerMailer = createMailer(apiTransport({ baseUrl: apiBaseUrl, token: sender.token }), {
    from: sender.address,
    mailDomain,
    directory,
    crypto: openpgpCrypto({ signingKey: sender.signingKey }),
  });
  const requestMessage: MailMessage = {
    to: recipient.address,
    subject: `Summarize the Q3 report (${runId})`,
    text: "Please summarize the Q3 report in three bullet points.",
    encrypt: true, // the job is private; the request id travels in clear, the platform bills by it
  };
  const request = await buyerMailer.sendMarketplaceRequest(requestMessage);
  // request.billing: { linked: true, marketplace: { status: "reserved" } }
  const reserved = await buyer.getBillingBalance();

  // --- Seller: read the request (or take it from a webhook event's marketplace_request_id),
  // do the work, answer with the same id and the usage to bill.
  const item = await findMessage(seller, requestMessage.subject);
  const job = await seller.fetchMessage(item.id, {
    decryptWith: await loadPrivateKey(recipient.privateKeyArmored, recipient.passphrase),
  });
  const requestIdSeenBySeller = job.headers["x-agentmail-marketplace-request-id"];
  if (!requestIdSeenBySeller) throw new Error(`"${item.subject}" is not a marketplace request`);
  const sellerMailer = createMailer(apiTransport({ baseUrl: apiBaseUrl, token: recipient.token }), {
    from: recipient.address,
    mailDomain,
    directory,
    crypto: openpgpCrypto(),
  });
  const usage: MailUsage = { tokensInput: 1200, tokensOutput: 300 };
  const responseMessage = {
    to: sender.address,
    subject: `Re: ${requestMessage.subject}`,
    text: "- Revenue up 12%\n- Costs flat\n- Cash position strong",
    encrypt: true,
  };
  const response = await sellerMailer.sendMarketplaceResponse({
    ...responseMessage,
    marketplaceRequestId: requestIdSeenBySeller,
    usage,
  });
  // response.billing: { linked: true, marketplace: { status: "settled", charge } }
  const settled = await buyer.getBillingBalance();

  // --- Both sides' ledgers: the rows of this request.
  const rowsOf = async (client: typeof buyer) => {
    const rows: UsageRow[] = [];
    for await (const row of client.iterBillingUsage({ limit: 100 })) {
      if (row.marketplaceRequestId === request.marketplaceRequestId) rows.push(row);
    }
    return rows;
  };
  return {
    pricing,
    published,
    request: { message: requestMessage, result: request },
    requestIdSeenBySeller,
    response: { message: responseMessage, usage, result: response },
    balances: { before, reserved, settled },
    usage: { buyer: await rowsOf(buyer), seller: await rowsOf(seller) },
  };
}

await runIfMain(import.meta.url, run);
