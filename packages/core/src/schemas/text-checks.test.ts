// What the account and billing schemas refuse in text that names something: URLs whose raw string
// carries what the WHATWG parser would drop, recipients that are not addresses, ids and units with
// control characters, currencies that are not ISO 4217 codes.
import { describe, expect, it } from "vitest";
import { NotificationRuleSchema, PutWebhookRequestSchema } from "./account.js";
import {
  BillingBalanceSchema,
  BillingPricingSchema,
  SendUsageSchema,
  UsageRowSchema,
} from "./billing.js";

const row = {
  id: "use_1",
  kind: "charge",
  marketplace_request_id: "mkt_1",
  amount: 1,
  currency: "USD",
  counterparty_agent_id: "seller",
  created_at: "2026-01-01T00:00:00Z",
  usage: null,
};

describe("webhook URLs", () => {
  it.each([
    "https://a.example.com/\r\nX: y",
    "https://a.example.com/h\tx",
    "https://a.example.com/\u0000",
    " https://a.example.com/",
    "https://a.example.com/ ",
    "\u0001https://a.example.com/",
    "javascript:alert(1)",
    "https://u:p@a.example.com/",
  ])("refuses %j (the raw string is checked before parsing)", (url) => {
    expect(PutWebhookRequestSchema.safeParse({ url }).success).toBe(false);
    const rule = { id: "r", channels: { webhook: { enabled: true, url } } };
    expect(NotificationRuleSchema.safeParse(rule).success).toBe(false);
  });

  it("takes an http(s) URL, a space inside the path included", () => {
    for (const url of ["https://a.example.com/hooks/mail?x=1", "http://127.0.0.1:8080/a b"]) {
      expect(PutWebhookRequestSchema.parse({ url }).url).toBe(url);
    }
  });
});

describe("notification rules", () => {
  it.each([
    "a@b.example\r\nBcc: x@y.example",
    "Ops <ops@agents.example.com>",
    " ops@agents.example.com",
    "not an address",
    "ops@",
  ])("refuses the email recipient %j", (recipient) => {
    const rule = { id: "r", channels: { email: { enabled: true, recipients: [recipient] } } };
    expect(NotificationRuleSchema.safeParse(rule).success).toBe(false);
  });

  it("takes a bare address", () => {
    const rule = {
      id: "r",
      channels: { email: { enabled: true, recipients: ["ops@agents.example.com"] } },
    };
    expect(NotificationRuleSchema.parse(rule).channels.email?.recipients).toEqual([
      "ops@agents.example.com",
    ]);
  });

  it.each(["r\u001b]0;pwn\u0007", "r\r\n", "r\u202e"])("refuses the rule id %j", (id) => {
    expect(NotificationRuleSchema.safeParse({ id }).success).toBe(false);
  });

  it("refuses a sender domain with a control character", () => {
    const rule = { id: "r", filters: { sender_domains: ["example.com\r\n"] } };
    expect(NotificationRuleSchema.safeParse(rule).success).toBe(false);
  });
});

describe("billing", () => {
  it.each(["javascript:alert(1)", "file:///etc/passwd", "https://a.example.com/\r\n", "x"])(
    "refuses the support URL %j",
    (support_url) => {
      expect(BillingPricingSchema.safeParse({ support_url }).success).toBe(false);
    },
  );

  it("takes an https support URL", () => {
    const support_url = "https://seller.example.com/support";
    expect(BillingPricingSchema.parse({ support_url }).support_url).toBe(support_url);
  });

  it.each([
    [{ custom_units: { files: 1e308 } }],
    [{ custom_units: { files: 1e12 + 1 } }],
    [{ custom_units: { "a\r\nb": 1 } }],
    [{ custom_units: { "\u0085": 1 } }],
  ])("refuses usage %j", (usage) => {
    expect(SendUsageSchema.safeParse(usage).success).toBe(false);
  });

  it.each([
    ["id", "u\u001b[31m1"],
    ["id", "u".repeat(257)],
    ["marketplace_request_id", "m\r\nX"],
    ["counterparty_agent_id", "s\u0000"],
    ["currency", "usd"],
    ["currency", `U\r\nS${"D".repeat(100_000)}`],
    ["created_at", "2".repeat(65)],
  ])("refuses a usage row whose %s is %j", (field, value) => {
    expect(UsageRowSchema.safeParse({ ...row, [field]: value }).success).toBe(false);
  });

  it("takes a usage row as the platform writes it", () => {
    expect(UsageRowSchema.parse(row)).toEqual(row);
  });

  it.each(["usd", "US", "U\r\nSD", `USD${"D".repeat(100_000)}`])(
    "refuses the balance currency %j",
    (currency) => {
      expect(BillingBalanceSchema.safeParse({ currency, available: 1, reserved: 0 }).success).toBe(
        false,
      );
    },
  );
});
