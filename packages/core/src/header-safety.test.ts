import { describe, expect, it } from "vitest";
import { parseAddress } from "./address.js";
import { AgentMailError } from "./errors.js";
import {
  assertSafeHeader,
  assertSafeHeaderValue,
  hasEncodedWordLookalike,
} from "./header-safety.js";
import { normalizeMessage } from "./mailer/normalize.js";

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as AgentMailError).code;
  }
  return "no error";
}

function errorOf(fn: () => unknown): AgentMailError {
  try {
    fn();
  } catch (e) {
    if (AgentMailError.is(e)) return e;
    throw e;
  }
  throw new Error("expected an AgentMailError, nothing was thrown");
}

const CONTROLS: [string, string][] = [
  ["CR", "\r"],
  ["LF", "\n"],
  ["CRLF", "\r\n"],
  ["NUL", "\u0000"],
  ["TAB", "\t"],
  ["DEL", "\u007f"],
  ["NEL", "\u0085"],
  ["ESC", "\u001b"],
  ["C1 U+009F", "\u009f"],
];

describe("assertSafeHeader", () => {
  it("accepts an ordinary custom header", () => {
    expect(assertSafeHeader("X-Workflow-Name", "nightly-report")).toBeUndefined();
    expect(codeOf(() => assertSafeHeader("X-AgentMail-Correlation-Id", "corr-123"))).toBe(
      "no error",
    );
  });

  it("accepts non-ASCII values (the MIME composer RFC 2047-encodes them)", () => {
    expect(codeOf(() => assertSafeHeader("X-Greeting", "Grüße 中文 😀"))).toBe("no error");
  });

  it("rejects an empty or blank value: transports would write it differently", () => {
    expect(codeOf(() => assertSafeHeader("X-Empty", ""))).toBe("invalid_header");
    expect(codeOf(() => assertSafeHeader("X-Blank", "   "))).toBe("invalid_header");
  });

  it("accepts every printable ASCII character in a name but ':'", () => {
    const printable = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) =>
      String.fromCharCode(0x21 + i),
    )
      .filter((c) => c !== ":")
      .join("");
    expect(codeOf(() => assertSafeHeader(printable, "v"))).toBe("no error");
  });

  it.each(CONTROLS)("rejects %s in the value with header_injection", (_label, char) => {
    expect(codeOf(() => assertSafeHeader("X-Evil", `a${char}Bcc: victim@example.com`))).toBe(
      "header_injection",
    );
  });

  it.each(CONTROLS)("rejects %s in the name with header_injection", (_label, char) => {
    expect(codeOf(() => assertSafeHeader(`X-Evil${char}Bcc`, "value"))).toBe("header_injection");
  });

  it.each([
    ["empty", ""],
    ["with a space", "X Evil"],
    ["with a leading space", " X-Evil"],
    ["with a colon", "X-Evil:"],
    ["with a colon inside", "Bcc:X"],
    ["with non-ASCII", "X-Grüße"],
    ["with CJK", "X-中文"],
  ])("rejects a name %s with invalid_header", (_label, name) => {
    expect(codeOf(() => assertSafeHeader(name, "value"))).toBe("invalid_header");
  });

  it("does not echo a secret value in the error", () => {
    const secret = "secret-token-123";
    const error = errorOf(() => assertSafeHeader("Authorization", `${secret}\r\n`));
    expect(error.code).toBe("header_injection");
    expect(error.message).not.toContain(secret);
    expect(String(error)).not.toContain(secret);
    expect(JSON.stringify(error)).not.toContain(secret);
    expect(error.message).toContain("U+000D");
  });
});

describe("assertSafeHeaderValue", () => {
  it("accepts plain and non-ASCII values", () => {
    expect(assertSafeHeaderValue("Quarterly report", "subject")).toBeUndefined();
    expect(codeOf(() => assertSafeHeaderValue("Grüße 中文", "subject"))).toBe("no error");
  });

  it.each(CONTROLS)("rejects %s with header_injection", (_label, char) => {
    expect(codeOf(() => assertSafeHeaderValue(`Hello${char}World`, "subject"))).toBe(
      "header_injection",
    );
  });

  it("names the field and the offset but not the value", () => {
    const secret = "secret-token-123";
    const error = errorOf(() => assertSafeHeaderValue(`${secret}\nBcc: x@y.example`, "subject"));
    expect(error.code).toBe("header_injection");
    expect(error.message).toMatch(/^subject contains the control character U\+000A at offset 16/);
    expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain("Bcc");
  });
});

describe("encoded-word look-alikes", () => {
  it("hasEncodedWordLookalike finds =? anywhere, and only =?", () => {
    expect(hasEncodedWordLookalike("=?utf-8?b?SW52b2ljZQ==?=")).toBe(true);
    expect(hasEncodedWordLookalike("x=?y")).toBe(true);
    expect(hasEncodedWordLookalike("a = ? b")).toBe(false);
    expect(hasEncodedWordLookalike("Q3 report?=")).toBe(false);
  });

  it("an address holding =? is refused before any I/O (invalid_address); a display name is not", () => {
    const context = { from: parseAddress("me@agents.example.com"), defaultHeaders: {} };
    for (const to of ["=?utf-8?q?x?=@agents.example.com", "Peer <a=?b@agents.example.com>"]) {
      expect(() => normalizeMessage({ to, subject: "s", text: "t" }, context)).toThrow(
        expect.objectContaining({ code: "invalid_address" }),
      );
    }
    // A From built by hand (createMailer parses it with parseAddress, which refuses it too).
    const lookalikeFrom = {
      ...context,
      from: { address: "a=?b@agents.example.com", localPart: "a=?b", domain: "agents.example.com" },
    };
    expect(() =>
      normalizeMessage({ to: "peer@agents.example.com", subject: "s", text: "t" }, lookalikeFrom),
    ).toThrow(expect.objectContaining({ code: "invalid_address" }));
    const ok = normalizeMessage(
      { to: '"=?utf-8?b?SW52?=" <peer@agents.example.com>', subject: "=?utf-8?q?x?=", text: "t" },
      context,
    );
    expect(ok.to[0]?.name).toBe("=?utf-8?b?SW52?=");
  });
});
