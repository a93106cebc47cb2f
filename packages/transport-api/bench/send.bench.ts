// A 2 KB message sent through createMailer + apiTransport (validation, manifest, idempotency key,
// ky, response schema) against a hand-written fetch to /send with the same body, both against
// the dev server on loopback in the same run.
// Run: pnpm --filter @assmbl/transport-api bench
import { authorizationHeader, createMailer, SendResponseSchema } from "@assmbl/core";
import { startDevServer } from "@assmbl/dev-server";
import { afterAll, test } from "vitest";
import { apiTransport } from "../src/index.js";

const domain = "agents.localhost";
const server = await startDevServer({
  agents: [{ agentId: "my-agent" }, { agentId: "other-agent" }],
});
const token = server.agents["my-agent"]?.token ?? "";
afterAll(async () => {
  console.log(`sent: ${server.sent.messages().length} messages`);
  await server.stop();
});

const text = "x".repeat(2_048);
const mailer = createMailer(apiTransport({ baseUrl: server.url, token }), {
  from: `my-agent@${domain}`,
  mailDomain: domain,
});
let n = 0;

test("send a 2 KB message", { timeout: 120_000 }, async ({ bench }) => {
  await bench.compare(
    bench("createMailer + apiTransport", async () => {
      await mailer.send({ to: `other-agent@${domain}`, subject: `bench ${n++}`, text });
    }),
    bench("naive fetch to /send", async () => {
      const response = await fetch(`${server.url}/send`, {
        method: "POST",
        headers: { authorization: authorizationHeader(token), "content-type": "application/json" },
        body: JSON.stringify({
          to: `other-agent@${domain}`,
          subject: `bench ${n++}`,
          body: text,
          idempotency_key: `idem_${crypto.randomUUID()}`,
        }),
      });
      SendResponseSchema.parse(await response.json());
    }),
    { time: 3_000 },
  );
});
