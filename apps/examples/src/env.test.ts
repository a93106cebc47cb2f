import { generateKeyPair } from "@assmbl/crypto";
import { describe, expect, it } from "vitest";
import { contextFromEnv, ExampleEnv } from "./env.js";

const base = {
  [ExampleEnv.apiBaseUrl]: "https://api.agents.example.com",
  [ExampleEnv.token]: "secret-token-value",
  [ExampleEnv.mailDomain]: "agents.example.com",
  [ExampleEnv.agentId]: "my-agent",
  [ExampleEnv.recipientAgentId]: "other-agent",
};

describe("contextFromEnv", () => {
  it("is undefined without AGENTMAIL_API_BASE_URL: the examples then use a local dev server", async () => {
    expect(await contextFromEnv({ [ExampleEnv.token]: "t" })).toBeUndefined();
  });

  it("names every missing variable, never a value", async () => {
    const env = {
      [ExampleEnv.apiBaseUrl]: base.AGENTMAIL_API_BASE_URL,
      [ExampleEnv.token]: base.AGENTMAIL_TOKEN,
    };
    const error = await contextFromEnv(env).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(
      "to run against real services, also set MAIL_DOMAIN, AGENTMAIL_AGENT_ID, AGENTMAIL_RECIPIENT_AGENT_ID",
    );
    expect((error as Error).message).not.toContain("secret-token-value");
  });

  it("builds addresses on MAIL_DOMAIN, loads the signing key, and leaves optional peers out", async () => {
    const keys = await generateKeyPair({
      name: "me",
      email: "my-agent@agents.example.com",
      passphrase: "pw",
    });
    const context = await contextFromEnv({
      ...base,
      [ExampleEnv.privateKey]: keys.privateKeyArmored,
      [ExampleEnv.passphrase]: "pw",
      [ExampleEnv.revokedAgentId]: "old-agent",
    });
    expect(context?.target).toBe("real services");
    expect(context?.sender).toMatchObject({
      address: "my-agent@agents.example.com",
      token: "secret-token-value",
    });
    expect(context?.sender.signingKey?.fingerprint).toBe(keys.fingerprint);
    expect(context?.recipient.address).toBe("other-agent@agents.example.com");
    expect(context?.refusalPeers.keyless).toBeUndefined();
    expect(context?.refusalPeers.revoked?.address).toBe("old-agent@agents.example.com");
  });

  it("asks for AWS_REGION only when an example sends through SES", async () => {
    const context = await contextFromEnv(base);
    expect(() => context?.ses).toThrow("set AWS_REGION (and AWS credentials) to send through SES");
    const withRegion = await contextFromEnv({ ...base, [ExampleEnv.awsRegion]: "eu-west-1" });
    expect(await withRegion?.ses.config.region()).toBe("eu-west-1");
    withRegion?.ses.destroy();
  });

  it("reads example 7's public webhook URL and local port, and refuses a port that is not one", async () => {
    expect((await contextFromEnv(base))?.webhook).toBeUndefined();
    const url = "https://hooks.example.com/agentmail";
    expect((await contextFromEnv({ ...base, [ExampleEnv.webhookUrl]: url }))?.webhook).toEqual({
      publicUrl: url,
      port: 8787,
    });
    const on9000 = await contextFromEnv({
      ...base,
      [ExampleEnv.webhookUrl]: url,
      [ExampleEnv.webhookPort]: "9000",
    });
    expect(on9000?.webhook?.port).toBe(9000);
    await expect(
      contextFromEnv({ ...base, [ExampleEnv.webhookUrl]: url, [ExampleEnv.webhookPort]: "http" }),
    ).rejects.toThrow("AGENTMAIL_WEBHOOK_PORT must be a port number (1-65535)");
  });
});
