// The last line of defence before a tool result leaves the server: configured secrets and armored
// private keys are cut from every text, and a failure becomes a tool error with its code.
import { AgentMailError } from "@assmbl/core";
import { generateKeyPair } from "@assmbl/crypto";
import { describe, expect, it } from "vitest";
import { errorResult, guarded, jsonResult, scrub } from "./results.js";

const TOKEN = "am_test_token_0123456789abcdef";

describe("scrub", () => {
  it("cuts configured secrets and armored private keys, and leaves other text as it was", async () => {
    const { privateKeyArmored } = await generateKeyPair({ name: "a", email: "a@agents.localhost" });
    const text = `token ${TOKEN} then\n${privateKeyArmored.trimEnd()}\nBearer is a word here`;
    const out = scrub(text, [TOKEN]);
    expect(out).toBe("token [redacted] then\n[redacted private key]\nBearer is a word here");
  });
});

describe("jsonResult", () => {
  it("scrubs the JSON text and embedded text resources, but not blobs", () => {
    const result = jsonResult(
      { body: `echo ${TOKEN}` },
      [{ type: "resource", resource: { uri: "agentmail://x", text: TOKEN } }],
      [TOKEN],
    );
    expect(JSON.stringify(result)).not.toContain(TOKEN);
    expect(result.isError).toBeUndefined();
  });
});

describe("errorResult and guarded", () => {
  it("answers `error [code]: message`, redacted, with isError", () => {
    const error = new AgentMailError({ code: "unauthorized", message: `bad token ${TOKEN}` });
    const result = errorResult(error, [TOKEN]);
    expect(result.isError).toBe(true);
    expect(result.content).toEqual([
      { type: "text", text: "error [unauthorized]: bad token [redacted]" },
    ]);
  });

  it("marks a retryable error so a model can try again later", () => {
    const result = errorResult(
      new AgentMailError({ code: "rate_limited", message: "slow down" }),
      [],
    );
    expect(result.content[0]).toMatchObject({ text: expect.stringMatching(/retryable/) });
  });

  it("turns any throw into a tool error instead of a rejection", async () => {
    const result = await guarded([TOKEN], async () => {
      throw new TypeError(`Cannot read properties of undefined (${TOKEN})`);
    });
    expect(result).toEqual({
      isError: true,
      content: [
        {
          type: "text",
          text: "error [internal_error]: Cannot read properties of undefined ([redacted])",
        },
      ],
    });
  });
});
