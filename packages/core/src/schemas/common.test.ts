import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AgentMailError } from "../errors.js";
import { parseInput } from "../validate.js";
import { AbortSignalSchema, DomainNameSchema, MediaTypeSchema } from "./common.js";

// The shared pieces every package's option schemas use: their rule and the message a caller sees.
const Options = z.strictObject({
  signal: AbortSignalSchema.optional(),
  mailDomain: DomainNameSchema.optional(),
  contentType: MediaTypeSchema.optional(),
});

const problem = (input: unknown): string => {
  try {
    parseInput(Options, input, "options");
  } catch (error) {
    expect(error).toBeInstanceOf(AgentMailError);
    return (error as AgentMailError).message;
  }
  throw new Error("expected the input to be rejected");
};

describe("shared schemas", () => {
  it("accept an AbortSignal, a domain name and a media type", () => {
    const signal = new AbortController().signal;
    const parsed = parseInput(
      Options,
      { signal, mailDomain: "Agents.Example.com", contentType: "text/plain; charset=utf-8" },
      "options",
    );
    expect(parsed.signal).toBe(signal);
  });

  it("reject a signal-like object that is not an AbortSignal", () => {
    expect(problem({ signal: { aborted: false } })).toMatch(/expected an AbortSignal/);
  });

  it.each([
    "not a domain",
    "-agents.example.com",
    "agents..example.com",
    `${"a".repeat(64)}.example.com`,
    `${"a.".repeat(127)}ab`,
  ])("reject the domain name %j", (mailDomain) => {
    expect(problem({ mailDomain })).toMatch(/expected a domain name such as agents\.example\.com/);
  });

  it.each(["application", "text/plain\r\nBcc: x@example.com", "text /plain"])(
    "reject the media type %j",
    (contentType) => {
      expect(problem({ contentType })).toMatch(/expected a media type such as application\/pdf/);
    },
  );
});
