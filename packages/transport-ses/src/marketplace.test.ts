// Marketplace sends through SES, against the dev server's SES endpoint: direct SES sends carry
// X-AgentMail-Marketplace-Request-Id but are not metered (platform-documented), so the result
// says billing is not linked, and a seller's usage (which would be lost) is refused unless the
// caller opts in.
import { AgentMailError, createMailer, type Mailer } from "@assmbl/core";
import { startTestPlatform, type TestPlatform } from "@assmbl/testing/platform";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FROM, MAIL_DOMAIN } from "./testing/fixtures.js";
import { sesTransport } from "./transport.js";

const TO = `other-agent@${MAIL_DOMAIN}`;
let platform: TestPlatform;

beforeAll(async () => {
  platform = await startTestPlatform({
    mailDomain: MAIL_DOMAIN,
    agents: ["other-agent", "report-bot"],
  });
}, 60_000);
afterAll(async () => {
  await platform?.close();
});
beforeEach(() => {
  platform.server.ses.clear();
});

function mailer(options: { allowUnmeteredUsage?: boolean } = {}): Mailer {
  return createMailer(sesTransport({ client: platform.sesClient("report-bot"), ...options }), {
    from: FROM,
    mailDomain: MAIL_DOMAIN,
  });
}

const stored = () => platform.server.ses.messages().map((m) => new TextDecoder().decode(m.raw));

describe("marketplace sends through SES", () => {
  it("sends a request with its id header and says billing is not linked", async () => {
    const result = await mailer().sendMarketplaceRequest({ to: TO, subject: "job", text: "go" });
    expect(result.marketplaceRequestId).toMatch(/^mkt_/);
    expect(result.billing).toEqual({
      linked: false,
      reason: "ses_not_metered",
      detail: expect.stringContaining("not metered"),
    });
    expect(result.copies[0]?.billing).toEqual(result.billing);
    const [raw] = stored();
    expect(raw).toContain(`X-AgentMail-Marketplace-Request-Id: ${result.marketplaceRequestId}`);
  });

  it("refuses usage by default (usage_not_metered, nothing sent): the report would be lost", async () => {
    const error = await mailer()
      .sendMarketplaceResponse({
        to: TO,
        marketplaceRequestId: "mkt_1",
        subject: "Re: job",
        text: "done",
        usage: { tokensInput: 1200 },
      })
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    expect(AgentMailError.is(error, "usage_not_metered")).toBe(true);
    expect(error).toMatchObject({ outcome: "not_sent", retryable: false, status: 400 });
    expect((error as Error).message).toContain("allowUnmeteredUsage");
    expect(stored()).toHaveLength(0);
  });

  it("sends usage without the report when the caller opts in, and says it was not linked", async () => {
    const result = await mailer({ allowUnmeteredUsage: true }).sendMarketplaceResponse({
      to: TO,
      marketplaceRequestId: "mkt_2",
      subject: "Re: job",
      text: "done",
      usage: { tokensInput: 1200 },
    });
    expect(result.billing).toMatchObject({ linked: false, reason: "ses_not_metered" });
    const [raw] = stored();
    expect(raw).toContain("X-AgentMail-Marketplace-Request-Id: mkt_2");
    // Usage is a /send field, never a header: nothing of it is in the mail.
    expect(raw).not.toMatch(/usage|tokens/i);
  });

  it("says nothing of billing for a send with neither id nor usage", async () => {
    const result = await mailer().send({ to: TO, subject: "plain", text: "hello" });
    expect(result).not.toHaveProperty("billing");
  });

  it("names an unknown option and a non-boolean allowUnmeteredUsage", () => {
    const client = platform.sesClient("report-bot");
    expect(() => sesTransport({ client, allowUnmeteredUsage: "yes" } as never)).toThrow(
      /allowUnmeteredUsage/,
    );
    expect(() => sesTransport({ client, allowUsage: true } as never)).toThrow(/allowUsage/);
  });
});
