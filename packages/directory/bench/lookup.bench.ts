// Cached lookups against a fetch per lookup (the naive client), and cold bursts of 1,000
// concurrent lookups of one agent, all against the dev server on loopback.
// Run: pnpm --filter @assmbl/directory bench
import { DirectoryRecordSchema } from "@assmbl/core";
import { generateKeyPair } from "@assmbl/crypto";
import { startDevServer } from "@assmbl/dev-server";
import { afterAll, test } from "vitest";
import { createDirectory } from "../src/index.js";

const keys = await generateKeyPair({ name: "Peer", email: "peer@agents.localhost" });
const server = await startDevServer({
  port: 0,
  agents: [
    {
      agentId: "peer",
      publicKey: keys.directoryPublicKeyPem,
      algorithm: keys.algorithm,
      openpgpPublicKey: keys.publicKeyArmored,
    },
  ],
});
afterAll(async () => {
  const bursts = burstStats.length;
  const requests = burstStats.reduce((total, made) => total + made, 0);
  console.log(
    `cold bursts: ${bursts} bursts of 1000 concurrent lookups made ${requests} requests in all (${requests / Math.max(bursts, 1)} per burst)`,
  );
  await server.stop();
});

const cached = createDirectory({ baseUrl: server.url });
await cached.lookup("peer");
const burstStats: number[] = [];

test("one lookup", { timeout: 120_000 }, async ({ bench }) => {
  await bench.compare(
    bench("cached (createDirectory)", async () => {
      await cached.lookup("peer");
    }),
    bench("naive (fetch + schema parse every time)", async () => {
      const response = await fetch(`${server.url}/public/agents/peer`);
      DirectoryRecordSchema.parse(await response.json());
    }),
  );
});

test("cold burst: 1000 concurrent lookups of one agent", { timeout: 120_000 }, async ({
  bench,
}) => {
  await bench.compare(
    bench("createDirectory (one shared request)", async () => {
      const directory = createDirectory({ baseUrl: server.url });
      const before = server.requests.count({ path: "/public/agents/peer" });
      await Promise.all(Array.from({ length: 1000 }, () => directory.lookup("peer")));
      burstStats.push(server.requests.count({ path: "/public/agents/peer" }) - before);
    }),
    bench("naive (1000 fetches)", async () => {
      await Promise.all(
        Array.from({ length: 1000 }, async () =>
          DirectoryRecordSchema.parse(
            await (await fetch(`${server.url}/public/agents/peer`)).json(),
          ),
        ),
      );
    }),
    // Each naive sample makes 1,000 requests: a few samples are enough.
    { iterations: 5, time: 0 },
  );
});
