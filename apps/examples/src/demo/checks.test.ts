import type { SendResult } from "@assmbl/core";
import { describe, expect, it } from "vitest";
import type { SentMessage } from "../facts.js";
import { deliveryBlock, refusalBlock } from "./checks.js";
import type { Observed } from "./observe.js";
import { assembleReport, renderReport } from "./report.js";

const result: SendResult = {
  messageId: "m1",
  transport: "agentmail-api",
  encrypted: { body: true, attachments: true },
  recipients: [],
  attachments: [],
  copies: [{ kind: "primary", recipients: ["other-agent@agents.localhost"], messageId: "m1" }],
};
const sent: SentMessage = {
  via: "apiTransport",
  message: {
    to: "other-agent@agents.localhost",
    subject: "Q3 numbers",
    text: "secret",
    attachments: [{ filename: "numbers.csv", content: "q,1\n", contentType: "text/csv" }],
    encrypt: true,
    correlationId: "corr-1",
  },
  result,
};
const seen: Observed = {
  senderVerified: true,
  encrypted: true,
  text: "secret",
  html: undefined,
  verification: "valid",
  bodyError: undefined,
  headers: { "x-agentmail-encrypted": "body", "x-agentmail-correlation-id": "corr-1" },
  attachments: [
    {
      sentAs: "numbers.csv.asc",
      filename: "numbers.csv",
      contentType: "text/csv",
      encrypted: true,
      decrypted: true,
      bytes: new TextEncoder().encode("q,1\n"),
      verification: "valid",
    },
  ],
};
const wire = "AgentMail POST /send";

describe("deliveryBlock", () => {
  it("holds when the recipient saw what was sent", () => {
    const block = deliveryBlock({ sent, wire, observed: seen }, { signed: true });
    expect(block.checks.filter((check) => !check.ok)).toEqual([]);
    expect(block.checks.map((check) => check.label)).toContain("signature");
  });

  it.each([
    [
      "an unsigned body",
      { verification: "unsigned" as const },
      "signature",
      'expected "valid", got "unsigned"',
    ],
    ["a body in clear", { encrypted: false }, "arrived encrypted", "expected true, got false"],
    [
      "another correlation id",
      { headers: { ...seen.headers, "x-agentmail-correlation-id": "corr-2" } },
      "X-AgentMail-Correlation-Id",
      'expected "corr-1", got "corr-2"',
    ],
    [
      "an attachment not restored",
      {
        attachments: [
          {
            ...(seen.attachments[0] as Observed["attachments"][number]),
            filename: "numbers.csv.asc",
            decrypted: false,
            error: "decryption_failed",
          },
        ],
      },
      "attachment numbers.csv restored",
      "not decrypted: decryption_failed",
    ],
  ])("fails on %s", (_, change, label, detail) => {
    const block = deliveryBlock({ sent, wire, observed: { ...seen, ...change } }, { signed: true });
    const failed = block.checks.filter((check) => !check.ok);
    expect(failed.map((check) => check.label)).toEqual([label]);
    expect(failed[0]?.detail).toContain(detail);
  });

  it("fails when the message went over another transport or never arrived", () => {
    const block = deliveryBlock(
      { sent, wire: "SES v1 SendRawEmail", observed: { error: "no message" } },
      { signed: true },
    );
    expect(block.checks.map((check) => check.ok)).toEqual([false, false]);
  });
});

describe("refusalBlock", () => {
  it("fails when a send to a keyless peer went out", () => {
    const block = refusalBlock(
      { to: "keyless-agent@agents.localhost", refused: false },
      "peer_missing_openpgp_public_key",
      { delivered: 1 },
    );
    expect(block.checks.filter((check) => !check.ok).map((check) => check.label)).toEqual([
      "refused before sending",
      "error code",
      "messages delivered to it",
    ]);
  });
});

describe("the report", () => {
  it("fails, and names the deviation, when one check does not hold", () => {
    const block = deliveryBlock(
      { sent, wire, observed: { ...seen, verification: "invalid" } },
      { signed: true },
    );
    const report = assembleReport(
      ["preamble"],
      [{ title: "4. /send", file: "04-api-send.ts", blocks: [block] }],
      10,
    );
    expect(report.passed).toBe(false);
    expect(report.deviations).toEqual([
      '4. /send: "Q3 numbers": apiTransport: signature: expected "valid", got "invalid"',
    ]);
    expect(renderReport(report)).toMatch(/✗ signature\s+expected "valid", got "invalid"/);
    expect(renderReport(report)).toContain("FAIL: 1 of");
  });

  it("does not pass with no checks at all", () => {
    expect(assembleReport([], [], 0).passed).toBe(false);
  });
});
