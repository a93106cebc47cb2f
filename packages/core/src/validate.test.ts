import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AgentMailError } from "./errors.js";
import { parseInput } from "./validate.js";

const schema = z.strictObject({
  baseUrl: z.string(),
  token: z.string().optional(),
  nested: z.strictObject({ a: z.number() }).optional(),
});

function failure(input: unknown, code?: "invalid_message"): AgentMailError {
  try {
    parseInput(schema, input, "thing options", code);
  } catch (error) {
    if (AgentMailError.is(error)) return error;
  }
  throw new Error("expected an AgentMailError");
}

describe("parseInput", () => {
  it("returns the parsed value", () => {
    expect(parseInput(schema, { baseUrl: "x" }, "thing options")).toEqual({ baseUrl: "x" });
  });

  it("names unknown keys, nested ones with their path", () => {
    expect(failure({ baseUrl: "x", tokn: "t", retries: 1 }).message).toBe(
      'thing options: unknown options "tokn", "retries"',
    );
    expect(failure({ baseUrl: "x", nested: { a: 1, b: 2 } }).message).toBe(
      'thing options: unknown option "nested.b"',
    );
  });

  it("names the path of a wrong type and uses the given code", () => {
    const error = failure({ baseUrl: 1 }, "invalid_message");
    expect(error.code).toBe("invalid_message");
    expect(error.message).toBe(
      "thing options: baseUrl is invalid (expected string, received number)",
    );
    expect(failure(undefined).message).toMatch(
      /^thing options: the input is invalid \(expected object/,
    );
  });

  it("never echoes values, which may be secrets", () => {
    const error = failure({ baseUrl: "x", token: 12345678, extra: "sk_live_abcdef" });
    expect(error.code).toBe("invalid_options");
    expect(JSON.stringify(error)).not.toContain("12345678");
    expect(JSON.stringify(error)).not.toContain("sk_live_abcdef");
  });
});
