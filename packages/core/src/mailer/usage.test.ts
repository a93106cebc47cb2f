import { fakeCrypto, fakeDirectory, fakeRecord, recordingTransport } from "@assmbl/testing/fakes";
import { describe, expect, it } from "vitest";
import { AgentMailError } from "../errors.js";
import { validatePreparedMessage } from "../prepared-message.js";
import { SendUsageSchema } from "../schemas/billing.js";
import type { MailTransport, SendBilling } from "../transport.js";
import { createMailer } from "./create-mailer.js";
import { usageToWire } from "./normalize.js";

const from = "seller@agents.example.com";
const buyer = "buyer@agents.example.com";
const mailDomain = "agents.example.com";

function setup(transport = recordingTransport()) {
  const directory = fakeDirectory({
    buyer: fakeRecord("buyer"),
    audit: fakeRecord("audit"),
  }).directory;
  const mailer = createMailer(transport.transport, {
    from,
    mailDomain,
    directory,
    crypto: fakeCrypto().crypto,
  });
  return { mailer, sent: transport.sent };
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

describe("usage on a send", () => {
  it("hands the transport every field in the wire spelling of /send", async () => {
    const { mailer, sent } = setup();
    await mailer.send({
      to: buyer,
      subject: "Re: job",
      text: "done",
      marketplaceRequestId: "mkt_1",
      usage: {
        outcomesReturned: 2,
        tokensInput: 1200,
        tokensOutput: 300,
        computeMs: 45,
        customUnits: { files: 3 },
      },
    });
    const usage = sent[0]?.message.usage;
    expect(usage).toEqual({
      outcomes_returned: 2,
      tokens_input: 1200,
      tokens_output: 300,
      compute_ms: 45,
      custom_units: { files: 3 },
    });
    // The contract's own schema accepts it as it is: the /send body carries it unchanged.
    expect(SendUsageSchema.parse(usage)).toEqual(usage);
  });

  it("leaves out fields the caller left out, and carries an empty usage as given", async () => {
    expect(usageToWire({ tokensInput: 5 })).toEqual({ tokens_input: 5 });
    const { mailer, sent } = setup();
    await mailer.send({ to: buyer, subject: "s", text: "t", marketplaceRequestId: "m", usage: {} });
    expect(sent[0]?.message.usage).toEqual({});
    await mailer.send({ to: buyer, subject: "s", text: "t" });
    expect(sent[1]?.message).not.toHaveProperty("usage");
  });

  it("is sealed with the prepared message: neither it nor its units can change after", async () => {
    const { mailer } = setup();
    const prepared = await mailer.prepare({
      to: buyer,
      subject: "s",
      text: "t",
      marketplaceRequestId: "mkt_1",
      usage: { tokensInput: 1, customUnits: { files: 3 } },
    });
    expect(Object.isFrozen(prepared.usage)).toBe(true);
    expect(Object.isFrozen(prepared.usage?.custom_units)).toBe(true);
    expect(() => {
      (prepared.usage as { tokens_input: number }).tokens_input = 10_000_000;
    }).toThrow(TypeError);
  });

  it.each([
    [{ tokensIn: 5 }, 'unknown option "usage.tokensIn"'],
    [{ tokens_input: 5 }, 'unknown option "usage.tokens_input"'],
    [{ tokensInput: -1 }, "usage.tokensInput"],
    [{ tokensInput: 1.5 }, "usage.tokensInput"],
    [{ outcomesReturned: "2" }, "usage.outcomesReturned"],
    [{ customUnits: { files: -3 } }, "usage.customUnits"],
    // zod's record output would drop this key silently: a unit lost from the billing report.
    [{ customUnits: JSON.parse('{"__proto__": 5, "files": 3}') }, '"__proto__"'],
    [{ customUnits: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`u${i}`, 1])) }, "50"],
    [{ customUnits: { files: 1e308 } }, "usage.customUnits.files"],
    [{ customUnits: { files: 1e12 + 1 } }, "usage.customUnits.files"],
    [{ customUnits: { "files\r\nX-Injected: 1": 1 } }, "usage.customUnits"],
    [{ customUnits: { "a\u001b[31m": 1 } }, "usage.customUnits"],
  ])("refuses usage %j by name, before the transport", async (usage, named) => {
    const { mailer, sent } = setup();
    const error = await errorOf(
      mailer.send({
        to: buyer,
        subject: "s",
        text: "t",
        marketplaceRequestId: "mkt_1",
        usage,
      } as never),
    );
    expect(error.code).toBe("invalid_message");
    expect(error.outcome).toBe("not_sent");
    expect(error.message).toContain(named);
    expect(sent).toHaveLength(0);
  });

  it("takes a custom unit of exactly 1e12", async () => {
    const { mailer, sent } = setup();
    await mailer.send({
      to: buyer,
      subject: "s",
      text: "t",
      marketplaceRequestId: "mkt_1",
      usage: { customUnits: { files: 1e12 } },
    });
    expect(sent[0]?.message.usage).toEqual({ custom_units: { files: 1e12 } });
  });

  it("is refused without a marketplaceRequestId: it settles a marketplace request, or nothing", async () => {
    const { mailer, sent } = setup();
    const error = await errorOf(
      mailer.send({ to: buyer, subject: "s", text: "t", usage: { tokensInput: 5 } }),
    );
    expect(error.code).toBe("invalid_message");
    expect(error.outcome).toBe("not_sent");
    expect(error.message).toContain("marketplaceRequestId");
    expect(sent).toHaveLength(0);
  });

  it("goes on every copy: the buyer may be the Bcc recipient, and its copy settles", async () => {
    const { mailer, sent } = setup();
    await mailer.send({
      to: buyer,
      bcc: "audit@agents.example.com",
      subject: "Re: job",
      text: "done",
      encrypt: true,
      marketplaceRequestId: "mkt_2",
      usage: { tokensInput: 7 },
    });
    expect(sent.map(({ message }) => [message.to[0]?.address, message.usage])).toEqual([
      [buyer, { tokens_input: 7 }],
      ["audit@agents.example.com", { tokens_input: 7 }],
    ]);
    // The id is a header of the message: every copy carries it.
    expect(sent.map(({ message }) => message.marketplaceRequestId)).toEqual(["mkt_2", "mkt_2"]);
  });
});

describe("usage on a prepared message built by hand", () => {
  const base = {
    specificationVersion: "v1",
    from: { address: from, localPart: "seller", domain: mailDomain },
    to: [{ address: buyer, localPart: "buyer", domain: mailDomain }],
    cc: [],
    bcc: [],
    replyTo: [],
    subject: "s",
    text: "t",
    headers: {},
    attachments: [],
    encrypted: { body: false },
    marketplaceRequestId: "mkt_1",
  };

  it("is kept when valid and refused, never dropped, when it has a field this core does not know", () => {
    expect(validatePreparedMessage({ ...base, usage: { tokens_input: 3 } }).usage).toEqual({
      tokens_input: 3,
    });
    let caught: unknown;
    try {
      validatePreparedMessage({ ...base, usage: { tokens_input: 3, tokens_cached: 9 } });
    } catch (error) {
      caught = error;
    }
    expect(AgentMailError.is(caught, "invalid_message")).toBe(true);
    expect((caught as Error).message).toContain("tokens_cached");
  });

  it("refuses a custom unit named __proto__ rather than lose it", () => {
    const usage = JSON.parse('{"custom_units": {"__proto__": 5, "files": 3}}');
    expect(() => validatePreparedMessage({ ...base, usage })).toThrow(/__proto__/);
  });
});

describe("billing in the send result", () => {
  /**
   * An encrypted send to the buyer with a Bcc (two copies), through a transport that answers the
   * buyer's copy with `reports[0]` and the Bcc copy with `reports[1]`.
   */
  async function sendToBuyerAndBcc(reports: SendBilling[], marketplaceRequestId: string) {
    const transport: MailTransport = {
      specificationVersion: "v1",
      name: "billing",
      async send(message) {
        const billing = reports[message.to[0]?.address === buyer ? 0 : 1] as SendBilling;
        return { messageId: `<${message.to[0]?.localPart}@test>`, billing };
      },
    };
    const { mailer } = setup({ transport, sent: [] });
    return mailer.send({
      to: buyer,
      bcc: "audit@agents.example.com",
      subject: "s",
      text: "t",
      encrypt: true,
      marketplaceRequestId,
      usage: { tokensInput: 1 },
    });
  }

  it("passes on what the transport reports, per copy and for the send", async () => {
    const reports: SendBilling[] = [
      { linked: true, marketplace: { status: "settled", charge: 0.0105 }, reservationKey: "r1" },
      { linked: true },
    ];
    const result = await sendToBuyerAndBcc(reports, "mkt_3");
    expect(result.billing).toEqual(reports[0]);
    expect(result.copies.map((copy) => copy.billing)).toEqual(reports);
  });

  it.each([
    ["the Bcc copy settled", [{ status: "not_settled" }, { status: "settled", charge: 2 }], 1],
    ["the Bcc copy reserved", [{ status: "not_settled" }, { status: "reserved" }], 1],
    ["the primary settled", [{ status: "settled", charge: 3 }, { status: "not_settled" }], 0],
    ["none settled", [{ status: "not_settled" }, { status: "not_settled" }], 0],
  ])("reports the settling or reserving copy for the send: %s", async (_, statuses, expected) => {
    const reports: SendBilling[] = statuses.map((marketplace) => ({ linked: true, marketplace }));
    const result = await sendToBuyerAndBcc(reports, "mkt_4");
    expect(result.billing).toEqual(reports[expected]);
  });

  it("is absent when the transport says nothing", async () => {
    const { mailer } = setup();
    const result = await mailer.send({ to: buyer, subject: "s", text: "t" });
    expect(result).not.toHaveProperty("billing");
    expect(result.copies[0]).not.toHaveProperty("billing");
  });
});
