import { describe, expect, it } from "vitest";
import {
  agentIdFor,
  distinctAddresses,
  formatAddress,
  type Mailbox,
  normalizeAgentId,
  parseAddress,
} from "./address.js";
import type { AgentMailError } from "./errors.js";

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as AgentMailError).code;
  }
  return "no error";
}

describe("parseAddress", () => {
  it("parses a bare address", () => {
    expect(parseAddress("other-agent@agents.example.com")).toEqual({
      address: "other-agent@agents.example.com",
      localPart: "other-agent",
      domain: "agents.example.com",
    });
  });

  it("parses Name <address>", () => {
    expect(parseAddress("Report Bot <report-bot@agents.example.com>")).toEqual({
      address: "report-bot@agents.example.com",
      localPart: "report-bot",
      domain: "agents.example.com",
      name: "Report Bot",
    });
  });

  it("unquotes a quoted name with an escaped quote and a comma", () => {
    const mailbox = parseAddress('"Doe, \\"JD\\" John" <jd@x.example>');
    expect(mailbox.name).toBe('Doe, "JD" John');
    expect(mailbox.address).toBe("jd@x.example");
  });

  it("lower-cases the domain but keeps the local part's case", () => {
    expect(parseAddress("John.Doe@Example.COM")).toEqual({
      address: "John.Doe@example.com",
      localPart: "John.Doe",
      domain: "example.com",
    });
  });

  it("trims white space around the address, the name and inside the brackets", () => {
    expect(parseAddress("  a@b.example   ")).toEqual({
      address: "a@b.example",
      localPart: "a",
      domain: "b.example",
    });
    expect(parseAddress("  Bot   < bot@b.example >  ")).toEqual({
      address: "bot@b.example",
      localPart: "bot",
      domain: "b.example",
      name: "Bot",
    });
  });

  it("leaves the name out for <address> alone", () => {
    expect(parseAddress("<a@b.example>")).toEqual({
      address: "a@b.example",
      localPart: "a",
      domain: "b.example",
    });
  });

  it.each([
    ["a word", "nope"],
    ["no domain", "a@"],
    ["no local part", "@b.example"],
    ["an undotted domain", "a@b"],
    ["a space in the local part", "a b@c.example"],
    ["empty brackets", "<>"],
    ["an empty string", ""],
    ["two @", "a@b@c.example"],
    ["text after the brackets", "Bot <a@b.example> extra"],
    ["a non-ASCII domain", "a@bücher.example"],
    ["a 300-character address", `${"a".repeat(60)}@${"b".repeat(235)}.example`],
    ["a 65-character local part", `${"a".repeat(65)}@b.example`],
  ])("rejects %s with invalid_address", (_label, input) => {
    expect(codeOf(() => parseAddress(input))).toBe("invalid_address");
  });

  it("rejects a non-string with invalid_address", () => {
    expect(codeOf(() => parseAddress(42 as unknown as string))).toBe("invalid_address");
  });

  it.each([
    ["CRLF", '"Bot\r\nBcc: victim@x.example" <a@b.example>'],
    ["LF", "Bot\nBcc: victim@x.example <a@b.example>"],
    ["CR", "Bot\r <a@b.example>"],
    ["NEL", "Bot\u0085 <a@b.example>"],
  ])("rejects %s in the display name with header_injection", (_label, input) => {
    expect(codeOf(() => parseAddress(input))).toBe("header_injection");
  });
});

describe("formatAddress", () => {
  const base = { address: "a@x.example", localPart: "a", domain: "x.example" };

  it("writes the bare address when there is no name", () => {
    expect(formatAddress(base)).toBe("a@x.example");
  });

  it("leaves a plain name unquoted", () => {
    expect(formatAddress({ ...base, name: "Report Bot" })).toBe("Report Bot <a@x.example>");
    expect(formatAddress({ ...base, name: "Grüße" })).toBe("Grüße <a@x.example>");
  });

  it("quotes a name with specials and escapes quotes and backslashes", () => {
    expect(formatAddress({ ...base, name: "Bot, A" })).toBe('"Bot, A" <a@x.example>');
    expect(formatAddress({ ...base, name: "Dr. Bot" })).toBe('"Dr. Bot" <a@x.example>');
    expect(formatAddress({ ...base, name: 'Say "hi" \\o/' })).toBe(
      '"Say \\"hi\\" \\\\o/" <a@x.example>',
    );
  });

  it.each([
    "Report Bot",
    "Bot, A",
    'Say "hi"',
    "back\\slash",
    "trailing\\",
    "a <b@evil.example>",
    "(comment) [x]; y: z @ w",
    "Grüße 中文",
  ])("round-trips the name %j through parseAddress", (name) => {
    const mailbox: Mailbox = { ...base, name };
    expect(parseAddress(formatAddress(mailbox))).toEqual(mailbox);
  });
});

describe("normalizeAgentId", () => {
  it("lower-cases a valid id", () => {
    expect(normalizeAgentId("Report-Bot")).toBe("report-bot");
    expect(normalizeAgentId("a.b_c-9")).toBe("a.b_c-9");
    expect(normalizeAgentId("x".repeat(64))).toBe("x".repeat(64));
  });

  it.each([
    ["empty", ""],
    ["65 characters", "a".repeat(65)],
    ["a slash", "a/b"],
    ["a space", "a b"],
    ["an @", "a@b"],
    ["non-ASCII", "agént"],
    ["a path", "../x"],
  ])("rejects %s with invalid_agent_id", (_label, id) => {
    expect(codeOf(() => normalizeAgentId(id))).toBe("invalid_agent_id");
  });

  it.each([
    ["a number", 42],
    ["null", null],
    ["undefined", undefined],
  ])("rejects %s with invalid_agent_id", (_label, id) => {
    expect(codeOf(() => normalizeAgentId(id as unknown as string))).toBe("invalid_agent_id");
  });

  it("rejects a non-ASCII character that lower-cases to ASCII (KELVIN SIGN U+212A)", () => {
    // Spec §1: ids are [a-z0-9._-], case-insensitive. "\u212A".toLowerCase() === "k", so a
    // lookalike must not be accepted and silently turned into another agent's id.
    expect(codeOf(() => normalizeAgentId("\u212Aelvin-bot"))).toBe("invalid_agent_id");
  });
});

describe("agentIdFor", () => {
  const mailDomain = "agents.example.com";

  it("uses the lower-cased local part for an address on the mail domain", () => {
    expect(agentIdFor("other-agent@agents.example.com", { mailDomain })).toBe("other-agent");
    expect(agentIdFor("Other-Agent@Agents.Example.COM", { mailDomain })).toBe("other-agent");
    expect(agentIdFor("Bot <bot@agents.example.com>", { mailDomain: "AGENTS.example.com" })).toBe(
      "bot",
    );
  });

  it("accepts a parsed mailbox", () => {
    expect(agentIdFor(parseAddress("Report.Bot@agents.example.com"), { mailDomain })).toBe(
      "report.bot",
    );
  });

  it("requires peerAgentId for an address on another domain", () => {
    expect(codeOf(() => agentIdFor("bot@partner.example", { mailDomain }))).toBe(
      "peer_agent_id_required",
    );
    expect(codeOf(() => agentIdFor("bot@sub.agents.example.com", { mailDomain }))).toBe(
      "peer_agent_id_required",
    );
  });

  it("uses the normalised peerAgentId when given", () => {
    expect(agentIdFor("bot@partner.example", { mailDomain, peerAgentId: "Partner-Bot" })).toBe(
      "partner-bot",
    );
  });

  it("rejects an invalid peerAgentId with invalid_agent_id", () => {
    expect(
      codeOf(() => agentIdFor("bot@partner.example", { mailDomain, peerAgentId: "a/b" })),
    ).toBe("invalid_agent_id");
  });

  it("rejects a local part that is not a valid agent id with invalid_agent_id", () => {
    expect(codeOf(() => agentIdFor("a+tag@agents.example.com", { mailDomain }))).toBe(
      "invalid_agent_id",
    );
  });

  it("rejects an invalid address with invalid_address", () => {
    expect(codeOf(() => agentIdFor("nope", { mailDomain }))).toBe("invalid_address");
  });
});

describe("dot-only agent ids", () => {
  it("are refused: they cannot travel as a URL path segment", () => {
    for (const id of [".", "..", "..."]) {
      expect(() => normalizeAgentId(id)).toThrow(
        expect.objectContaining({ code: "invalid_agent_id" }),
      );
    }
    expect(normalizeAgentId("a.b")).toBe("a.b");
  });
});

describe("distinctAddresses", () => {
  it("keeps each address once across the lists, in the first list that names it", () => {
    const [to, cc, bcc] = distinctAddresses([
      [parseAddress("A <a@x.example>"), parseAddress("b@x.example")],
      [parseAddress("B@X.example"), parseAddress("c@x.example")],
      undefined,
    ]);
    expect(to).toEqual(["a@x.example", "b@x.example"]);
    expect(cc).toEqual(["c@x.example"]);
    expect(bcc).toEqual([]);
  });
});
