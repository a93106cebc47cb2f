import { recordingTransport } from "@assmbl/testing/fakes";
import { describe, expect, it } from "vitest";
import { AgentMailError } from "../errors.js";
import { AgentMailHeaders } from "../headers.js";
import { mimeHeaders } from "../transport.js";
import { createMailer } from "./create-mailer.js";

const buyer = "buyer@agents.example.com";
const seller = "seller@agents.example.com";

function setup(from: string) {
  const out = recordingTransport();
  const mailer = createMailer(out.transport, { from, mailDomain: "agents.example.com" });
  return { mailer, sent: out.sent };
}

async function errorOf(promise: Promise<unknown>): Promise<AgentMailError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!AgentMailError.is(error))
    throw new Error(`expected an AgentMailError, got ${String(error)}`);
  return error;
}

describe("mailer.sendMarketplaceRequest", () => {
  it("generates a mkt_<uuid> id when none is given, sends it as the header and returns it", async () => {
    const { mailer, sent } = setup(buyer);
    const first = await mailer.sendMarketplaceRequest({ to: seller, subject: "Job", text: "go" });
    const second = await mailer.sendMarketplaceRequest({ to: seller, subject: "Job", text: "go" });
    expect(first.marketplaceRequestId).toMatch(
      /^mkt_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(second.marketplaceRequestId).not.toBe(first.marketplaceRequestId);
    expect(sent[0]?.message.marketplaceRequestId).toBe(first.marketplaceRequestId);
    expect(mimeHeaders(sent[0]?.message as never)[AgentMailHeaders.marketplaceRequestId]).toBe(
      first.marketplaceRequestId,
    );
    expect(first.messageId).toBe("<m1@test>");
    expect(first.transport).toBe("recording");
  });

  it("keeps the caller's id", async () => {
    const { mailer, sent } = setup(buyer);
    const result = await mailer.sendMarketplaceRequest({
      to: seller,
      subject: "Job",
      text: "go",
      marketplaceRequestId: "job-42",
    });
    expect(result.marketplaceRequestId).toBe("job-42");
    expect(sent[0]?.message.marketplaceRequestId).toBe("job-42");
  });

  it("refuses usage: the seller reports it, on its response", async () => {
    const { mailer, sent } = setup(buyer);
    const error = await errorOf(
      mailer.sendMarketplaceRequest({
        to: seller,
        subject: "Job",
        text: "go",
        usage: { tokensInput: 1 },
      } as never),
    );
    expect([error.code, error.outcome]).toEqual(["invalid_message", "not_sent"]);
    expect(error.message).toContain("sendMarketplaceResponse");
    expect(sent).toHaveLength(0);
  });

  it.each([
    [null, "marketplaceRequestId"],
    ["", "marketplaceRequestId"],
    ["mkt\r\nBcc: x@evil.example", "marketplaceRequestId"],
  ])("refuses a malformed id %j instead of replacing it", async (id, named) => {
    const { mailer, sent } = setup(buyer);
    const error = await errorOf(
      mailer.sendMarketplaceRequest({
        to: seller,
        subject: "Job",
        text: "go",
        marketplaceRequestId: id,
      } as never),
    );
    expect(error.outcome).toBe("not_sent");
    expect(error.message).toContain(named);
    expect(sent).toHaveLength(0);
  });

  it("validates the rest as send does (unknown field named)", async () => {
    const { mailer } = setup(buyer);
    const error = await errorOf(
      mailer.sendMarketplaceRequest({ to: seller, subject: "s", text: "t", cost: 1 } as never),
    );
    expect(error.code).toBe("invalid_message");
    expect(error.message).toContain('"cost"');
    expect((await errorOf(mailer.sendMarketplaceRequest(null as never))).code).toBe(
      "invalid_message",
    );
  });

  it("reads a getter once: the id checked is the id sent", async () => {
    const { mailer, sent } = setup(buyer);
    let reads = 0;
    const message = {
      to: seller,
      subject: "s",
      text: "t",
      get marketplaceRequestId() {
        reads += 1;
        return reads === 1 ? "first" : "second";
      },
    };
    const result = await mailer.sendMarketplaceRequest(message);
    expect(reads).toBe(1);
    expect([result.marketplaceRequestId, sent[0]?.message.marketplaceRequestId]).toEqual([
      "first",
      "first",
    ]);
  });
});

describe("mailer.sendMarketplaceResponse", () => {
  it("echoes the id and carries usage in the wire spelling", async () => {
    const { mailer, sent } = setup(seller);
    const result = await mailer.sendMarketplaceResponse({
      to: buyer,
      marketplaceRequestId: "mkt_1",
      subject: "Re: Job",
      text: "done",
      correlationId: "corr-9",
      usage: { tokensInput: 1200, tokensOutput: 300 },
    });
    expect(result.marketplaceRequestId).toBe("mkt_1");
    expect(result.correlationId).toBe("corr-9");
    const message = sent[0]?.message;
    expect(message?.marketplaceRequestId).toBe("mkt_1");
    expect(message?.usage).toEqual({ tokens_input: 1200, tokens_output: 300 });
  });

  it("works without usage", async () => {
    const { mailer, sent } = setup(seller);
    await mailer.sendMarketplaceResponse({
      to: buyer,
      marketplaceRequestId: "mkt_1",
      subject: "Re",
      text: "t",
    });
    expect(sent[0]?.message).not.toHaveProperty("usage");
  });

  it("refuses a response without an id: it would settle nothing", async () => {
    const { mailer, sent } = setup(seller);
    const error = await errorOf(
      mailer.sendMarketplaceResponse({
        to: buyer,
        subject: "Re",
        text: "t",
        usage: { tokensInput: 1 },
      } as never),
    );
    expect([error.code, error.outcome]).toEqual(["invalid_message", "not_sent"]);
    expect(error.message).toContain("marketplaceRequestId is required");
    expect(sent).toHaveLength(0);
  });
});
