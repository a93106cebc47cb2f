import { describe, expect, it } from "vitest";
import { AgentMailError } from "./errors.js";

describe("AgentMailError code", () => {
  const token = "am_live_S3cretTokenValue0123456789";

  it("is never a secret: a code redaction would change becomes the status's code", () => {
    const error = new AgentMailError({ code: token, message: "m", status: 401, secrets: [token] });
    expect(error.code).toBe("unauthorized");
    expect(JSON.stringify(error)).not.toContain(token);
    expect(String(error)).not.toContain(token);
    expect(
      new AgentMailError({ code: token.toLowerCase(), message: "m", secrets: [token] }).code,
    ).toBe("invalid_response");
    expect(new AgentMailError({ code: "Bearer abc.def", message: "m", status: 403 }).code).toBe(
      "forbidden",
    );
  });

  it("keeps an ordinary code, known or not", () => {
    expect(new AgentMailError({ code: "rate_limited", message: "m", secrets: [token] }).code).toBe(
      "rate_limited",
    );
    expect(new AgentMailError({ code: "MessageRejected", message: "m" }).code).toBe(
      "MessageRejected",
    );
  });
});
