// The platform for the benchmark, in a process of its own so that its memory is not counted as
// the SDK's. Prints one JSON line with its URL and the agents' tokens, then serves until killed.
import { startDevServer } from "@assmbl/dev-server";

const server = await startDevServer({
  port: 0,
  agents: [{ agentId: "bench-sender" }, { agentId: "bench-receiver" }],
});
process.stdout.write(
  `${JSON.stringify({
    url: server.url,
    mailDomain: server.mailDomain,
    tokens: Object.fromEntries(Object.entries(server.agents).map(([id, a]) => [id, a.token])),
  })}\n`,
);
process.on("SIGTERM", () => server.stop().then(() => process.exit(0)));
