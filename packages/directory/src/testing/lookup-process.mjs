// One directory lookup in a process of its own, its cache shared through Redis (Keyv with
// @keyv/redis): what each of an agent's worker processes does. Started by
// redis-shared-cache.test.ts as
//   node --experimental-transform-types --import <@assmbl/testing/source-hooks: sourceHooksPath> lookup-process.mjs
// with DIRECTORY_BASE_URL, AGENT_ID, REDIS_URL (absent: the in-memory cache) and REFRESH=1 for a
// `freshKeys`-style lookup. Prints one JSON line: { ok: true, keyVersion, keyStatus } or
// { ok: false, code }.
import KeyvRedis from "@keyv/redis";
import Keyv from "keyv";
import { createDirectory } from "../index.ts";

const { DIRECTORY_BASE_URL, AGENT_ID, REDIS_URL, REFRESH } = process.env;
if (!DIRECTORY_BASE_URL || !AGENT_ID) throw new Error("DIRECTORY_BASE_URL and AGENT_ID are needed");

const store = REDIS_URL ? new Keyv(new KeyvRedis(REDIS_URL)) : undefined;
const directory = createDirectory({ baseUrl: DIRECTORY_BASE_URL, ...(store ? { store } : {}) });
let result;
try {
  const record = await directory.lookup(AGENT_ID, { refresh: REFRESH === "1" });
  result = { ok: true, keyVersion: record.keyVersion, keyStatus: record.keyStatus };
} catch (error) {
  result = { ok: false, code: error?.code ?? String(error) };
}
// The Redis client keeps the process alive until it is closed.
await store?.disconnect();
process.stdout.write(`${JSON.stringify(result)}\n`);
