// The directory cache shared through Redis (`store: new Keyv(new KeyvRedis(url))`), across real
// processes: each lookup below runs in a `node` process of its own (testing/lookup-process.mjs)
// against a real redis-server and the dev server, whose request log counts the directory
// requests. A warm shared cache spares a fresh process its request; a revocation one process
// learns with `refresh: true` (what a `freshKeys` send does) is what every other process sees.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { generateKeyPair } from "@assmbl/crypto";
import { type DevServer, startDevServer } from "@assmbl/dev-server";
import { useRedis } from "@assmbl/testing/redis";
import { sourceHooksPath } from "@assmbl/testing/source-hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDirectory } from "./directory.js";

const run = promisify(execFile);
const testing = (file: string) => fileURLToPath(new URL(`./testing/${file}`, import.meta.url));

const redis = useRedis();
let server: DevServer;

beforeAll(async () => {
  const seed = async (agentId: string) => {
    const keys = await generateKeyPair({ name: agentId, email: `${agentId}@agents.localhost` });
    return {
      agentId,
      publicKey: keys.directoryPublicKeyPem,
      algorithm: keys.algorithm,
      openpgpPublicKey: keys.publicKeyArmored,
    };
  };
  server = await startDevServer({
    agents: await Promise.all([seed("warm-peer"), seed("revoking-peer")]),
  });
}, 60_000);
afterAll(() => server?.stop());

type Outcome = { ok: true; keyVersion: number; keyStatus: string } | { ok: false; code: string };

/** One lookup in a fresh `node` process; `shared: false` gives it the in-memory cache. */
async function lookupInProcess(
  agentId: string,
  options: { refresh?: boolean; shared?: boolean } = {},
): Promise<Outcome> {
  const { stdout } = await run(
    process.execPath,
    [
      "--experimental-transform-types",
      "--no-warnings",
      "--import",
      sourceHooksPath,
      testing("lookup-process.mjs"),
    ],
    {
      env: {
        ...process.env,
        DIRECTORY_BASE_URL: server.url,
        AGENT_ID: agentId,
        ...(options.shared === false ? {} : { REDIS_URL: redis().url }),
        REFRESH: options.refresh ? "1" : "0",
      },
      timeout: 30_000,
    },
  );
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as Outcome;
}

const directoryRequests = (agentId: string) =>
  server.requests.count({ path: `/public/agents/${agentId}` });

describe("a directory cache shared through Redis, across processes", () => {
  it("a fresh process with a warm shared cache makes no directory request", async () => {
    const first = await lookupInProcess("warm-peer");
    expect(first).toEqual({ ok: true, keyVersion: 1, keyStatus: "active" });
    expect(directoryRequests("warm-peer")).toBe(1);

    // Process B: nothing in its memory, the record in Redis.
    expect(await lookupInProcess("warm-peer")).toEqual(first);
    expect(directoryRequests("warm-peer")).toBe(1);

    // The contrast: a process with only its own cache asks the directory.
    expect(await lookupInProcess("warm-peer", { shared: false })).toEqual(first);
    expect(directoryRequests("warm-peer")).toBe(2);
  });

  it("a revocation one process learns with refresh: true is seen by the others", async () => {
    expect(await lookupInProcess("revoking-peer")).toMatchObject({ ok: true });
    expect(await lookupInProcess("revoking-peer")).toMatchObject({ ok: true });
    expect(directoryRequests("revoking-peer")).toBe(1);

    const token = server.agents["revoking-peer"]?.token ?? "";
    await createDirectory({ baseUrl: server.url, token }).revoke();

    // A plain lookup serves the shared entry while it is fresh (ttlMs): the revocation is not
    // known yet. That is what `refresh` is for.
    expect(await lookupInProcess("revoking-peer")).toMatchObject({ ok: true });
    expect(directoryRequests("revoking-peer")).toBe(1);

    // Process A sends with freshKeys: it asks the directory, is refused, and updates the entry.
    expect(await lookupInProcess("revoking-peer", { refresh: true })).toEqual({
      ok: false,
      code: "peer_key_revoked",
    });
    expect(directoryRequests("revoking-peer")).toBe(2);

    // Process B, a plain lookup: refused from the shared entry, with no request of its own.
    expect(await lookupInProcess("revoking-peer")).toEqual({
      ok: false,
      code: "peer_key_revoked",
    });
    expect(directoryRequests("revoking-peer")).toBe(2);
  });
});
