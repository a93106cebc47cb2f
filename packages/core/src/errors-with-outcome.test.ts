import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { AgentMailError } from "./errors.js";

const original = () => {
  const cause = new Error("socket hang up");
  const error = new AgentMailError({
    code: "brand_new_code",
    message: "the upload failed",
    status: 502,
    body: { detail: "bad gateway" },
    retryable: false,
    idempotencyKey: "old-key",
    cause,
  });
  return { error, cause };
};

describe("AgentMailError.withOutcome", () => {
  it("keeps code, message, status, body, retryable, cause and stack; sets outcome and key", () => {
    const { error } = original();
    const copy = AgentMailError.withOutcome(error, "unknown", "idem-42");
    expect(copy).not.toBe(error);
    expect(copy).toBeInstanceOf(AgentMailError);
    expect(copy.code).toBe("brand_new_code");
    expect(copy.message).toBe("the upload failed");
    expect(copy.status).toBe(502);
    // 502 alone would make it retryable: the copy keeps the original's explicit `false`.
    expect(copy.retryable).toBe(false);
    expect(copy.body).toEqual({ detail: "bad gateway" });
    expect((copy.cause as Error).message).toBe("socket hang up");
    expect(copy.stack).toBe(error.stack);
    expect(copy.outcome).toBe("unknown");
    expect(copy.idempotencyKey).toBe("idem-42");
    expect(error.outcome).toBeUndefined();
    expect(error.idempotencyKey).toBe("old-key");
  });

  it("gives the copy exactly the key passed: none when none is", () => {
    const { error } = original();
    const copy = AgentMailError.withOutcome(error, "not_sent");
    expect(copy.outcome).toBe("not_sent");
    expect(copy.idempotencyKey).toBeUndefined();
    expect(copy.toJSON()).not.toHaveProperty("idempotencyKey");
  });

  it("leaves a status the original did not have to the code", () => {
    const error = new AgentMailError({ code: "timeout", message: "slow" });
    const copy = AgentMailError.withOutcome(error, "unknown", "k");
    expect(copy.status).toBeUndefined();
    expect(copy.retryable).toBe(true);
  });

  it("wrap: the original becomes the cause, and the copy has a stack of its own", () => {
    const { error } = original();
    const copy = AgentMailError.withOutcome(error, "unknown", undefined, {
      retryable: true,
      wrap: true,
    });
    expect(copy.cause).toBe(error);
    expect(copy.retryable).toBe(true);
    expect(copy.stack).not.toBe(error.stack);
    expect(copy.idempotencyKey).toBeUndefined();
  });

  it("secrets: stripped from message, body and stack", () => {
    const error = new AgentMailError({
      code: "server_error",
      message: "server echoed sk_live_XYZ123",
      body: { echo: "sk_live_XYZ123" },
    });
    const copy = AgentMailError.withOutcome(error, error.outcome, error.idempotencyKey, {
      secrets: ["sk_live_XYZ123"],
    });
    expect(error.stack).toContain("sk_live_XYZ123");
    expect(copy.stack).not.toContain("sk_live_XYZ123");
    expect(inspect(copy, { depth: 5 })).not.toContain("sk_live_XYZ123");
    expect(copy.code).toBe("server_error");
  });

  it("copies an outcome this copy does not know (from a newer copy of the package)", () => {
    const { error } = original();
    const later = "partly" as unknown as "sent";
    expect(AgentMailError.withOutcome(error, later, "k").outcome).toBe("partly");
  });

  it("copies an error built by another copy of the module", async () => {
    const { vi } = await import("vitest");
    vi.resetModules();
    const other = await import("./errors.js");
    expect(other.AgentMailError).not.toBe(AgentMailError);
    const foreign = new other.AgentMailError({ code: "rate_limited", message: "later" });
    const copy = AgentMailError.withOutcome(foreign, "not_sent", "k");
    expect(copy.code).toBe("rate_limited");
    expect(copy.outcome).toBe("not_sent");
    expect(copy.stack).toBe(foreign.stack);
  });

  it("refuses an unknown option by name, a key that is not a string and a non-AgentMailError", () => {
    const { error } = original();
    const options = { retryable: true, wrapp: true } as unknown as { retryable: boolean };
    expect(() => AgentMailError.withOutcome(error, "sent", "k", options)).toThrow(
      expect.objectContaining({
        code: "invalid_options",
        message: expect.stringContaining('"wrapp"'),
      }),
    );
    expect(() => AgentMailError.withOutcome(error, "sent", 42 as unknown as string)).toThrow(
      expect.objectContaining({ code: "invalid_options" }),
    );
    expect(() =>
      AgentMailError.withOutcome(new Error("plain") as unknown as AgentMailError, "sent"),
    ).toThrow(expect.objectContaining({ code: "invalid_options" }));
  });
});
