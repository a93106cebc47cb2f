import { generateKeyPair } from "@assmbl/crypto";
import { GetSendQuotaCommand } from "@aws-sdk/client-ses";
import { describe, expect, it } from "vitest";
import { startTestPlatform, usePlatform } from "./platform.js";

const lookup = async (url: string, agentId: string) => {
  const response = await fetch(`${url}/public/agents/${agentId}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe("the dev-server platform fixture", () => {
  const platform = usePlatform({
    mailDomain: "agents.example.com",
    agents: [
      "plain",
      { agentId: "registered", keys: "register" },
      { agentId: "seeded", keys: "seed" },
      { agentId: "identity-only", keys: "register", openpgp: false },
    ],
  });

  it("registers and seeds keys so the directory serves them", async () => {
    const { url, agents } = platform();
    for (const agentId of ["registered", "seeded"]) {
      const { status, body } = await lookup(url, agentId);
      expect([agentId, status, body.openpgp_public_key]).toEqual([
        agentId,
        200,
        agents[agentId]?.keys?.publicKeyArmored,
      ]);
      expect(body.public_key).toBe(agents[agentId]?.keys?.directoryPublicKeyPem);
    }
    expect((await lookup(url, "identity-only")).body.openpgp_public_key).toBeNull();
    expect((await lookup(url, "plain")).status).toBe(404);
  });

  it("names each agent's address, token and SES credentials", async () => {
    const agent = platform().agent("plain");
    expect(agent.address).toBe("plain@agents.example.com");
    expect(agent.keys).toBeUndefined();
    const inbox = await fetch(`${platform().url}/inbox`, {
      headers: { authorization: `Bearer ${agent.token}` },
    });
    expect(inbox.status).toBe(200);
    const quota = await platform().sesClient("plain").send(new GetSendQuotaCommand({}));
    expect(quota.$metadata.httpStatusCode).toBe(200);
    expect(() => platform().agent("nobody")).toThrow(/no agent nobody/);
  });
});

it("fails with the directory's answer when a registration is refused", async () => {
  // A key whose user id names another address: the dev server refuses to register it.
  const foreign = await generateKeyPair({ name: "Other", email: "other@elsewhere.example" });
  await expect(
    startTestPlatform({ agents: [{ agentId: "wrong", keys: foreign, via: "register" }] }),
  ).rejects.toThrow(/^registering wrong: 4\d\d /);
});
