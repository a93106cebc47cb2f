import { inspect } from "node:util";
import { describe, expect, it, vi } from "vitest";
import { codeForStatus, ERROR_CODES, isRetryableCode } from "./error-codes.js";
import { AgentMailError } from "./errors.js";

describe("AgentMailError", () => {
  it("carries code, message, name and the table's status and retryable", () => {
    const error = new AgentMailError({
      code: "peer_missing_openpgp_public_key",
      message: "other-agent has no OpenPGP key",
    });
    expect(error.code).toBe("peer_missing_openpgp_public_key");
    expect(error.message).toBe("other-agent has no OpenPGP key");
    expect(error.name).toBe("AgentMailError");
    expect(error.status).toBe(409);
    expect(error.retryable).toBe(false);
    expect(error.body).toBeUndefined();
    expect(error.cause).toBeUndefined();
  });

  it("takes retryable from the table", () => {
    const error = new AgentMailError({ code: "rate_limited", message: "slow down" });
    expect(error.status).toBe(429);
    expect(error.retryable).toBe(true);
    const network = new AgentMailError({ code: "network_error", message: "reset" });
    expect(network.status).toBeUndefined();
    expect(network.retryable).toBe(true);
  });

  it("classifies an unknown code by its status", () => {
    const unavailable = new AgentMailError({ code: "brand_new_code", message: "x", status: 503 });
    expect(unavailable.status).toBe(503);
    expect(unavailable.retryable).toBe(true);
    const bad = new AgentMailError({ code: "brand_new_code", message: "x", status: 400 });
    expect(bad.retryable).toBe(false);
    const bare = new AgentMailError({ code: "brand_new_code", message: "x" });
    expect(bare.status).toBeUndefined();
    expect(bare.retryable).toBe(false);
  });

  it("lets explicit status and retryable override the table", () => {
    const error = new AgentMailError({
      code: "invalid_request",
      message: "x",
      status: 422,
      retryable: true,
    });
    expect(error.status).toBe(422);
    expect(error.retryable).toBe(true);
    // A known code keeps the table's classification whatever the status.
    expect(
      new AgentMailError({ code: "invalid_request", message: "x", status: 503 }).retryable,
    ).toBe(false);
  });

  it("is an Error and an AgentMailError", () => {
    const error = new AgentMailError({ code: "timeout", message: "too slow" });
    expect(error).toBeInstanceOf(Error);
    expect(error instanceof AgentMailError).toBe(true);
    expect(new Error("plain") instanceof AgentMailError).toBe(false);
  });

  it("is() recognises its errors and filters by code", () => {
    const error = new AgentMailError({ code: "rate_limited", message: "slow down" });
    expect(AgentMailError.is(error)).toBe(true);
    expect(AgentMailError.is(error, "rate_limited")).toBe(true);
    expect(AgentMailError.is(error, "timeout")).toBe(false);
    expect(AgentMailError.is(new Error("x"))).toBe(false);
    expect(AgentMailError.is({ code: "rate_limited", name: "AgentMailError" })).toBe(false);
    expect(AgentMailError.is(null)).toBe(false);
    expect(AgentMailError.is("rate_limited")).toBe(false);
    expect(AgentMailError.is(undefined)).toBe(false);
  });

  it("subclasses keep the ordinary instanceof check", () => {
    class SubError extends AgentMailError {}
    const sub = new SubError({ code: "timeout", message: "x" });
    const plain = new AgentMailError({ code: "timeout", message: "x" });
    expect(sub instanceof SubError).toBe(true);
    expect(sub instanceof AgentMailError).toBe(true);
    expect(plain instanceof SubError).toBe(false);
  });

  it("toJSON and toString give a plain view", () => {
    const error = new AgentMailError({
      code: "agent_not_found",
      message: "no agent other-agent",
      body: { error: "not_found" },
    });
    expect(error.toJSON()).toEqual({
      name: "AgentMailError",
      code: "agent_not_found",
      message: "no agent other-agent",
      status: 404,
      retryable: false,
      body: { error: "not_found" },
    });
    expect(String(error)).toBe("AgentMailError [agent_not_found]: no agent other-agent");
    expect(
      JSON.parse(JSON.stringify(new AgentMailError({ code: "timeout", message: "t" }))),
    ).toEqual({ name: "AgentMailError", code: "timeout", message: "t", retryable: true });
  });

  it("carries a send's outcome and idempotency key, in toJSON too, and keeps them through redaction", () => {
    const error = new AgentMailError({
      code: "server_error",
      message: "send: may have been sent (token tok-secret)",
      status: 503,
      outcome: "unknown",
      idempotencyKey: "idem_42",
      secrets: ["tok-secret"],
    });
    expect(error.outcome).toBe("unknown");
    expect(error.idempotencyKey).toBe("idem_42");
    expect(error.toJSON()).toEqual({
      name: "AgentMailError",
      code: "server_error",
      message: "send: may have been sent (token [redacted])",
      status: 503,
      retryable: true,
      outcome: "unknown",
      idempotencyKey: "idem_42",
    });
    const wrapped = new AgentMailError({
      code: "transport_failed",
      message: "x",
      cause: error,
      secrets: ["other"],
    });
    expect(wrapped.cause).toMatchObject({ outcome: "unknown", idempotencyKey: "idem_42" });
    // Errors of other operations (reads, lookups) have no send outcome.
    expect(new AgentMailError({ code: "agent_not_found", message: "x" }).outcome).toBeUndefined();
  });

  it("keeps a cause's name, message and code", () => {
    const cause = Object.assign(new TypeError("fetch failed"), { code: "ECONNRESET" });
    const error = new AgentMailError({ code: "network_error", message: "x", cause });
    expect(error.cause).toBeInstanceOf(Error);
    expect(error.cause).toMatchObject({
      name: "TypeError",
      message: "fetch failed",
      code: "ECONNRESET",
    });
  });
});

describe("AgentMailError across two copies of the module", () => {
  it("is() and instanceof recognise errors built by the other copy, both ways", async () => {
    vi.resetModules();
    const copy = await import("./errors.js");
    expect(copy.AgentMailError).not.toBe(AgentMailError);

    const fromCopy = new copy.AgentMailError({ code: "rate_limited", message: "copy" });
    const fromHere = new AgentMailError({ code: "timeout", message: "here" });

    expect(AgentMailError.is(fromCopy)).toBe(true);
    expect(AgentMailError.is(fromCopy, "rate_limited")).toBe(true);
    expect(AgentMailError.is(fromCopy, "timeout")).toBe(false);
    expect(fromCopy instanceof AgentMailError).toBe(true);

    expect(copy.AgentMailError.is(fromHere)).toBe(true);
    expect(copy.AgentMailError.is(fromHere, "timeout")).toBe(true);
    expect(fromHere instanceof copy.AgentMailError).toBe(true);
    expect(copy.AgentMailError.is(new Error("plain"))).toBe(false);
  });
});

describe("AgentMailError never shows secrets", () => {
  const PRIVATE_KEY =
    "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQVYBGXprivatekeymaterialQQQ\n=abcd\n-----END PGP PRIVATE KEY BLOCK-----";
  const SECRETS = [
    "abc.def.ghi",
    "lQVYBGXprivatekeymaterialQQQ",
    "tok_body_987654",
    "hunter22",
    "sk_live_XYZ123",
  ];

  function build(): AgentMailError {
    return new AgentMailError({
      code: "unauthorized",
      message: "request with Authorization: Bearer abc.def.ghi failed; key sk_live_XYZ123 rejected",
      status: 401,
      body: {
        error: "unauthorized",
        echo: `your key: ${PRIVATE_KEY}`,
        token: "tok_body_987654",
        nested: [{ note: "also sk_live_XYZ123" }],
      },
      cause: new Error("decrypt failed with passphrase=hunter22"),
      secrets: ["sk_live_XYZ123"],
    });
  }

  const views: [string, (error: AgentMailError) => string][] = [
    ["message", (error) => error.message],
    ["JSON.stringify", (error) => JSON.stringify(error)],
    ["String", (error) => String(error)],
    ["util.inspect", (error) => inspect(error, { depth: 5 })],
    ["stack", (error) => error.stack ?? ""],
    ["cause", (error) => inspect(error.cause, { depth: 5 })],
  ];

  it.each(views)("keeps secrets out of %s", (_label, view) => {
    const text = view(build());
    expect(text.length).toBeGreaterThan(0);
    for (const secret of SECRETS) expect(text).not.toContain(secret);
  });

  it("keeps the non-secret parts readable", () => {
    const error = build();
    expect(error.message).toBe(
      "request with Authorization: Bearer [redacted] failed; key [redacted] rejected",
    );
    expect(error.body).toEqual({
      error: "unauthorized",
      echo: "your key: [redacted private key]",
      token: "[redacted]",
      nested: [{ note: "also [redacted]" }],
    });
    expect((error.cause as Error).message).toBe("decrypt failed with passphrase=[redacted]");
    expect(inspect(error, { depth: 5 })).toContain("[redacted]");
  });

  it("strips named secrets from a cause that is itself an AgentMailError", () => {
    // errors.ts documents `secrets` as stripped "from message, body and cause".
    const inner = new AgentMailError({
      code: "server_error",
      message: "server echoed sk_live_XYZ123",
      body: { echo: "sk_live_XYZ123" },
    });
    const outer = new AgentMailError({
      code: "server_error",
      message: "send failed",
      cause: inner,
      secrets: ["sk_live_XYZ123"],
    });
    expect(inspect(outer, { depth: 5 })).not.toContain("sk_live_XYZ123");
  });
});

describe("isRetryableCode", () => {
  it("follows the table for known codes", () => {
    expect(isRetryableCode("rate_limited")).toBe(true);
    expect(isRetryableCode("server_error")).toBe(true);
    expect(isRetryableCode("directory_unavailable")).toBe(true);
    expect(isRetryableCode("invalid_request")).toBe(false);
    expect(isRetryableCode("peer_key_revoked")).toBe(false);
    expect(isRetryableCode("invalid_request", 503)).toBe(false);
  });

  it("uses the status for unknown codes", () => {
    expect(isRetryableCode("new_code", 503)).toBe(true);
    expect(isRetryableCode("new_code", 500)).toBe(true);
    expect(isRetryableCode("new_code", 429)).toBe(true);
    expect(isRetryableCode("new_code", 400)).toBe(false);
    expect(isRetryableCode("new_code", 409)).toBe(false);
    expect(isRetryableCode("new_code")).toBe(false);
  });

  it("does not treat Object.prototype names as codes", () => {
    expect(isRetryableCode("toString", 503)).toBe(true);
    expect(isRetryableCode("constructor")).toBe(false);
  });

  it("agrees with ERROR_CODES for every code", () => {
    for (const [code, entry] of Object.entries(ERROR_CODES)) {
      expect(isRetryableCode(code), code).toBe(entry.retryable);
    }
  });
});

describe("codeForStatus", () => {
  it.each([
    [400, "invalid_request"],
    [401, "unauthorized"],
    [403, "forbidden"],
    [404, "not_found"],
    [409, "conflict"],
    [413, "payload_too_large"],
    [429, "rate_limited"],
    [500, "server_error"],
    [503, "server_error"],
    [302, "invalid_response"],
  ])("maps %i to %s", (status, code) => {
    expect(codeForStatus(status)).toBe(code);
  });
});
