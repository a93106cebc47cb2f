import { fileURLToPath } from "node:url";
import { startDevServer } from "@assmbl/dev-server";
import { runReadmeSnippet } from "@assmbl/testing/readme";
import { useRedis } from "@assmbl/testing/redis";
import { afterAll, expect, it } from "vitest";

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const redis = useRedis();
const saved = { ...process.env };
afterAll(() => {
  process.env = saved;
});

// The README opens with a snippet users copy; it must run as printed, with the environment it
// reads pointing at a real redis-server and the dev server (on the snippet's mail domain).
it("the README's opening snippet runs and prints what its comments say", async () => {
  const server = await startDevServer({
    mailDomain: "agents.example.com",
    agents: [{ agentId: "my-agent" }, { agentId: "other-agent" }],
  });
  try {
    process.env.REDIS_URL = redis().url;
    process.env.AGENTMAIL_API_BASE_URL = server.url;
    process.env.AGENTMAIL_TOKEN = server.agents["my-agent"]?.token ?? "";
    const logged = await runReadmeSnippet(source("../README.md"), { self: source("./index.ts") });
    expect(logged).toEqual([["sent", expect.stringMatching(/.+/)]]);
    expect(server.sent.messages()).toHaveLength(1);
  } finally {
    await server.stop();
  }
}, 60_000);
