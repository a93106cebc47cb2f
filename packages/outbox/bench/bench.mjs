// The outbox benchmark (issue 17, deliverable 7), against the dev server's /send and a real
// redis-server, all in one run:
//
//   pnpm --filter @assmbl/outbox bench [--messages 400] [--in-flight 4]
//
// - direct: `mailer.send` of 2 KB encrypted messages from one process (prepare + encrypt + send);
// - enqueue: `outbox.enqueue` of the same (prepare + encrypt + store), with no worker running, and
//   Redis `used_memory` before and after: bytes per queued message;
// - drain with 1 and with 4 worker processes (`startOutboxWorker`, concurrency `in-flight`
//   each), the queue full when they start: messages per second until every job is sent.
// Prints JSON. Run on a shared 2-core machine: compare figures of one run, not across runs.
import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createMailer } from "@assmbl/core";
import { openpgpCrypto } from "@assmbl/crypto";
import { createDirectory } from "@assmbl/directory";
import { createOutbox } from "@assmbl/outbox";
import { apiTransport } from "@assmbl/transport-api";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { senderAccess, startPlatform, startRedis, until, usedMemory } from "../proof/lib.mjs";
import { benchMessage } from "./message.mjs";

const here = (file) => fileURLToPath(new URL(file, import.meta.url));

function forkWith(file, config) {
  const child = fork(here(file), [], {
    env: { ...process.env, OUTBOX_PROOF: JSON.stringify(config) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const first = new Promise((resolve, reject) => {
    child.once("message", resolve);
    child.once("exit", (code) => reject(new Error(`${file} exited (${code}) before answering`)));
  });
  first.catch(() => {});
  return { child, first };
}

const perSecond = (count, ms) => Math.round((count / ms) * 1000 * 10) / 10;

/** Runs every measurement once; resolves with the figures. */
export async function runBench({ messages = 400, inFlight = 4 } = {}) {
  const redis = await startRedis();
  const server = await startPlatform();
  const access = senderAccess(server);
  const runId = `bench-${randomBytes(4).toString("hex")}`;
  const probe = new Redis(redis.url);
  const children = [];
  try {
    // 1. Direct mailer.send, one process.
    const direct = forkWith("direct.mjs", { access, messages, inFlight, runId: `${runId}-direct` });
    children.push(direct.child);
    const { ms: directMs } = await direct.first;

    // 2. Enqueue without workers; Redis memory before and after.
    const transport = apiTransport({ baseUrl: access.url, token: access.token });
    const mailer = createMailer(transport, {
      from: access.from,
      mailDomain: access.mailDomain,
      directory: createDirectory({ baseUrl: access.url, token: access.token }),
      crypto: openpgpCrypto(),
    });
    const figures = {};
    for (const workers of [1, 4]) {
      const queueName = `${runId}-w${workers}`;
      const outbox = createOutbox({ connection: redis.url, mailer, queueName });
      const queue = new Queue(queueName, { connection: { url: redis.url } });
      // The queue's own keys and one job exist before the baseline: what is measured is per job.
      await outbox.enqueue(benchMessage(access, `${queueName}-warm`));
      const before = await usedMemory(probe);
      const started = performance.now();
      let next = 0;
      const lane = async () => {
        while (next < messages)
          await outbox.enqueue(benchMessage(access, `${queueName}-${next++}`));
      };
      await Promise.all(Array.from({ length: inFlight }, lane));
      const enqueueMs = performance.now() - started;
      const after = await usedMemory(probe);

      // 3. Drain with `workers` worker processes.
      const drainStarted = performance.now();
      const forked = Array.from({ length: workers }, () =>
        forkWith("../proof/worker.mjs", {
          redisUrl: redis.url,
          access,
          apiQueue: queueName,
          concurrency: inFlight,
        }),
      );
      children.push(...forked.map(({ child }) => child));
      await until(async () => (await queue.getJobCounts("completed")).completed >= messages + 1, {
        everyMs: 50,
        timeoutMs: 10 * 60_000,
        what: "the queue to drain",
      });
      const drainMs = performance.now() - drainStarted;
      for (const { child } of forked) child.kill("SIGTERM");
      await queue.close();
      await outbox.close();
      figures[workers] = { enqueueMs, drainMs, bytesPerJob: (after - before) / messages };
    }
    const delivered = server.store.inbox("reader").length;
    return {
      messages,
      message: "2 KB text body, encrypted (openpgp.js), through the dev server's /send",
      inFlightPerProcess: inFlight,
      messagesPerSecond: {
        directMailerSend: perSecond(messages, directMs),
        outboxEnqueue: perSecond(messages, figures[1].enqueueMs),
        outboxDrain1Worker: perSecond(messages + 1, figures[1].drainMs),
        outboxDrain4Workers: perSecond(messages + 1, figures[4].drainMs),
      },
      drainIncludesWorkerStartMs: "yes (process start, module load, Redis connect)",
      redisBytesPerQueuedMessage: Math.round((figures[1].bytesPerJob + figures[4].bytesPerJob) / 2),
      redisBytesPerQueuedMessageRuns: [
        Math.round(figures[1].bytesPerJob),
        Math.round(figures[4].bytesPerJob),
      ],
      deliveredToInbox: delivered,
      expectedInInbox: 3 * messages + 3,
    };
  } finally {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    }
    probe.disconnect();
    await server.stop();
    await redis.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      messages: { type: "string", default: "400" },
      "in-flight": { type: "string", default: "4" },
    },
  });
  const result = await runBench({
    messages: Number(values.messages),
    inFlight: Number(values["in-flight"]),
  });
  console.log(JSON.stringify(result, null, 2));
  process.exit(0);
}
