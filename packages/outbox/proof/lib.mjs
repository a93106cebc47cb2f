// Shared set-up of the proof and the benchmark: a real redis-server, the dev server with two
// agents that registered their own keys, SES clients for its endpoint, and the figures read back
// from the server (inbox copies per idempotency key, SES sends in any sliding second).
// Plain ESM over the packages' built dist, so `node proof/prove.mjs` needs no TypeScript step.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Routes } from "@assmbl/core";
import { generateKeyPair } from "@assmbl/crypto";
import { startDevServer } from "@assmbl/dev-server";
import { Redis } from "ioredis";

export const SENDER = "sender";
export const READER = "reader";
/** What the dev server's SES endpoint allows: sends in any sliding 1 s window. */
export const SES_BUDGET = 20;

/** A free loopback port (bound, then released). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function ping(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let answer = "";
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("*1\r\n$4\r\nPING\r\n"));
    socket.on("data", (chunk) => {
      answer += chunk.toString("latin1");
      if (answer.includes("\r\n")) done(answer.startsWith("+PONG"));
    });
  });
}

/**
 * redis-server on a free loopback port, persistence off, in a temp dir (what
 * `@assmbl/testing/redis` does; that helper is TypeScript importing vitest, so not loadable here).
 */
export async function startRedis() {
  const binary = process.env.REDIS_SERVER ?? "/usr/bin/redis-server";
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), "outbox-proof-redis-"));
  const child = spawn(
    binary,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"].concat([
      "--dir",
      dir,
      "--daemonize",
      "no",
      "--loglevel",
      "warning",
    ]),
    { stdio: "ignore" },
  );
  const exited = new Promise((resolve) => child.once("exit", resolve));
  process.once("exit", () => child.kill("SIGKILL"));
  const deadline = Date.now() + 10_000;
  while (!(await ping(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${binary} did not answer PING on port ${port}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The dev server (SES throttled at `sesMaxSendRate` when given) with a sender and a reader,
 * each of which registers its own generated key pair through `POST /directory/register`.
 */
export async function startPlatform({ sesMaxSendRate } = {}) {
  const server = await startDevServer({
    port: 0,
    agents: [{ agentId: SENDER }, { agentId: READER }],
    ...(sesMaxSendRate ? { sesMaxSendRate } : {}),
  });
  try {
    for (const agentId of [SENDER, READER]) {
      const keys = await generateKeyPair({
        name: agentId,
        email: `${agentId}@${server.mailDomain}`,
      });
      const response = await fetch(server.url + Routes.register.path, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${server.agents[agentId].token}`,
        },
        body: JSON.stringify({
          public_key: keys.directoryPublicKeyPem,
          algorithm: keys.algorithm,
          key_version: 1,
          if_match_version: null,
          openpgp_public_key: keys.publicKeyArmored,
        }),
      });
      if (!response.ok) throw new Error(`registering ${agentId}: ${response.status}`);
    }
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

/** What a child process needs to reach the platform as the sender. */
export function senderAccess(server) {
  const sender = server.agents[SENDER];
  return {
    url: server.url,
    mailDomain: server.mailDomain,
    from: `${SENDER}@${server.mailDomain}`,
    to: `${READER}@${server.mailDomain}`,
    token: sender.token,
    ses: { ...sender.ses },
  };
}

// @aws-sdk/client-ses is a dependency of @assmbl/transport-ses, not of the outbox: load the copy
// transport-ses itself uses (pnpm does not hoist it here).
let sesModule;
export async function sesSdk() {
  if (!sesModule) {
    const require = createRequire(import.meta.resolve("@assmbl/transport-ses"));
    sesModule = await import(require.resolve("@aws-sdk/client-ses"));
  }
  return sesModule;
}

/** An SES v1 client for the dev server's endpoint, signed as the sender; SDK retries off. */
export async function devSesClient(access) {
  const { SESClient } = await sesSdk();
  return new SESClient({
    endpoint: access.url,
    region: "us-east-1",
    credentials: { ...access.ses },
    maxAttempts: 1,
  });
}

/** The `X-AgentMail-Idempotency-Key` of a raw message (header section only), if any. */
export function idempotencyKeyOf(raw) {
  const text = Buffer.from(raw).toString("latin1");
  const end = text.indexOf("\r\n\r\n");
  const head = (end === -1 ? text : text.slice(0, end)).replace(/\r\n[ \t]+/g, " ");
  return /^x-agentmail-idempotency-key:[ \t]*(\S+)/im.exec(head)?.[1];
}

/** Inbox copies per idempotency key in the reader's inbox. */
export function inboxCopiesByKey(server) {
  const counts = new Map();
  let unkeyed = 0;
  for (const message of server.store.inbox(READER)) {
    const key = idempotencyKeyOf(message.raw);
    if (key === undefined) unkeyed++;
    else counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return { counts, unkeyed };
}

/**
 * The most timestamps in any window `(t - 1000, t]`: the server's own rule (SesSendRate), read
 * from the accepted SES sends' `receivedAt`.
 */
export function maxInSlidingSecond(times) {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[start] <= sorted[end] - 1000) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

/** Redis `INFO memory` `used_memory`, in bytes. */
export async function usedMemory(redis) {
  const info = await redis.info("memory");
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1]);
}

/** Every key and value in Redis, read by type, as one latin1 string. */
export async function dumpRedis(url) {
  const client = new Redis(url);
  try {
    const parts = [];
    let cursor = "0";
    let keys = 0;
    do {
      const [next, batch] = await client.scan(cursor, "COUNT", 1000);
      cursor = next;
      for (const key of batch) {
        keys++;
        parts.push(key);
        const type = await client.type(key);
        if (type === "string") parts.push((await client.getBuffer(key))?.toString("latin1") ?? "");
        else if (type === "hash") parts.push(JSON.stringify(await client.hgetall(key)));
        else if (type === "list") parts.push(JSON.stringify(await client.lrange(key, 0, -1)));
        else if (type === "set") parts.push(JSON.stringify(await client.smembers(key)));
        else if (type === "zset") parts.push(JSON.stringify(await client.zrange(key, 0, -1)));
        else if (type === "stream") parts.push(JSON.stringify(await client.xrange(key, "-", "+")));
        else parts.push((await client.dumpBuffer(key))?.toString("latin1") ?? "");
      }
    } while (cursor !== "0");
    return { keys, text: parts.join("\n") };
  } finally {
    client.disconnect();
  }
}

/**
 * The spellings a plaintext marker would have in Redis if it leaked: as is, and as base64 at
 * each of the three byte alignments (attachments are stored as base64), edges trimmed.
 */
export function leakPatterns(marker) {
  const patterns = [marker];
  for (let pad = 0; pad < 3; pad++) {
    const encoded = Buffer.concat([Buffer.alloc(pad, 0x20), Buffer.from(marker)]).toString(
      "base64",
    );
    // The first ceil(pad*4/3) chars mix in the pad; the last 4 may mix in what follows.
    patterns.push(encoded.slice(Math.ceil((pad * 4) / 3) + 1, -4));
  }
  return patterns;
}

/** Resolves once `predicate()` is true, polling every `everyMs`; rejects after `timeoutMs`. */
export async function until(predicate, { everyMs = 250, timeoutMs = 600_000, what = "" } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * The i-th logical send of a run: even ones go through /send, odd ones through SES; by pairs,
 * plain, encrypted body, encrypted body and attachment. Its idempotency key names it.
 */
export function planOf(runId, i) {
  const route = i % 2 === 0 ? "api" : "ses";
  const kind = ["plain", "encrypted", "attachment"][Math.floor(i / 2) % 3];
  return { route, kind, idempotencyKey: `${runId}-${route}-${i}` };
}
