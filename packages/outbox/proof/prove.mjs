// The outbox proof (issue 17, deliverable 6): one command, real peers, a crash.
//
//   pnpm --filter @assmbl/outbox prove [--messages 2000] [--workers 4] [--max-per-second 16]
//                                      [--no-contrast] [--no-bench]
//
// Each run starts redis-server and the dev server (SES throttled at 20 sends in any sliding
// second), forks 4 worker processes and a producer process that enqueues the logical sends
// (half /send, half SES; plain, encrypted body, encrypted attachment), SIGKILLs one worker once
// 30% of the jobs are done, and waits until every job is sent or failed. Then it counts what the
// server holds: inbox copies per idempotency key, SES calls refused for the rate, the most SES
// sends in any sliding second (from the server's timestamps), and scans every Redis key for the
// encrypted messages' plaintext. The shared run gives every worker one redisRateLimiter; the
// contrast run gives each its own in-process `maxSendRate: 20` (N processes, N times the budget).
// Prints JSON; exits 1 when an acceptance figure fails.
import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { setPriority } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Queue } from "bullmq";
import {
  dumpRedis,
  inboxCopiesByKey,
  leakPatterns,
  maxInSlidingSecond,
  planOf,
  SES_BUDGET,
  senderAccess,
  startPlatform,
  startRedis,
  until,
} from "./lib.mjs";

const here = (file) => fileURLToPath(new URL(file, import.meta.url));

/** Forks `file` with `config`; resolves with the child once it sent its first IPC message. */
function forkWith(file, config) {
  const child = fork(here(file), [], {
    env: { ...process.env, OUTBOX_PROOF: JSON.stringify(config) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  // The dev server (this process) stands in for SES and the platform, which real load never
  // slows: on a 2-core machine the workers and the producer yield to it, so it reads each
  // request when it arrives and its timestamps are the arrival times the budget is about.
  try {
    setPriority(child.pid, 10);
  } catch {}
  const first = new Promise((resolve, reject) => {
    child.once("message", resolve);
    child.once("exit", (code, signal) =>
      reject(new Error(`${file} exited (${code ?? signal}) before answering`)),
    );
  });
  first.catch(() => {});
  return { child, first };
}

async function jobCounts(queues) {
  const totals = { completed: 0, failed: 0, active: 0, waiting: 0, delayed: 0 };
  for (const queue of queues) {
    const counts = await queue.getJobCounts("completed", "failed", "active", "wait", "delayed");
    totals.completed += counts.completed;
    totals.failed += counts.failed;
    totals.active += counts.active;
    totals.waiting += counts.wait;
    totals.delayed += counts.delayed;
  }
  return totals;
}

/** One full run; `sesLimit` "shared" (one Redis budget) or "local" (each process its own). */
export async function runProof({ messages, workers, maxPerSecond, sesLimit, killAt = 0.3 }) {
  const wallStarted = performance.now();
  const redis = await startRedis();
  const server = await startPlatform({ sesMaxSendRate: SES_BUDGET });
  const runId = `proof-${randomBytes(4).toString("hex")}`;
  const marker = `PLAINTEXT-${randomBytes(6).toString("hex")}`;
  const apiQueue = `${runId}-api`;
  const sesQueue = `${runId}-ses`;
  const access = senderAccess(server);
  const queues = [apiQueue, sesQueue].map(
    (name) => new Queue(name, { connection: { url: redis.url } }),
  );
  const children = [];
  try {
    const workerConfig = {
      redisUrl: redis.url,
      access,
      apiQueue,
      sesQueue,
      sesLimit,
      budget: SES_BUDGET,
      budgetKey: `${runId}-ses-budget`,
      // "local": each process allows itself the whole budget.
      maxPerSecond: sesLimit === "shared" ? maxPerSecond : SES_BUDGET,
    };
    const forked = Array.from({ length: workers }, () => forkWith("worker.mjs", workerConfig));
    children.push(...forked.map(({ child }) => child));
    await Promise.all(forked.map(({ first }) => first));

    const started = performance.now();
    const producer = forkWith("producer.mjs", {
      redisUrl: redis.url,
      access,
      apiQueue,
      sesQueue,
      runId,
      marker,
      messages,
    });
    children.push(producer.child);

    let kill;
    const victim = forked[0].child;
    await until(
      async () => {
        const counts = await jobCounts(queues);
        const finished = counts.completed + counts.failed;
        if (!kill && finished >= messages * killAt) {
          victim.kill("SIGKILL");
          kill = {
            pid: victim.pid,
            signal: "SIGKILL",
            atMs: Math.round(performance.now() - started),
            jobsFinishedBefore: finished,
            jobsActiveAtKill: counts.active,
          };
        }
        return finished >= messages;
      },
      { everyMs: 100, timeoutMs: 30 * 60_000, what: "every job to be sent or failed" },
    );
    const drainMs = Math.round(performance.now() - started);
    const enqueue = await producer.first;

    // What the server holds, per logical send.
    const { counts: copies, unkeyed } = inboxCopiesByKey(server);
    const histogram = {};
    const lost = [];
    const duplicated = [];
    const byRoute = { api: { lost: 0, duplicated: 0 }, ses: { lost: 0, duplicated: 0 } };
    const keys = new Set();
    for (let i = 0; i < messages; i++) {
      const { route, idempotencyKey } = planOf(runId, i);
      keys.add(idempotencyKey);
      const n = copies.get(idempotencyKey) ?? 0;
      histogram[n] = (histogram[n] ?? 0) + 1;
      if (n === 0) {
        lost.push(idempotencyKey);
        byRoute[route].lost++;
      }
      if (n > 1) {
        duplicated.push(idempotencyKey);
        byRoute[route].duplicated++;
      }
    }
    const strangers = [...copies.keys()].filter((key) => !keys.has(key)).length;

    // The jobs: dead letters by code, and the ones another worker took over after the kill.
    const failedReasons = {};
    let takenOver = 0;
    for (const queue of queues) {
      for (const job of await queue.getJobs(["failed"], 0, -1)) {
        const code = /^([a-z_]+):/.exec(job.failedReason ?? "")?.[1] ?? "unknown";
        failedReasons[code] = (failedReasons[code] ?? 0) + 1;
      }
      for (const job of await queue.getJobs(["completed", "failed"], 0, -1)) {
        if ((job.stalledCounter ?? 0) > 0) takenOver++;
      }
    }
    const jobs = await jobCounts(queues);

    const sesTimes = server.ses.messages().map((message) => message.receivedAt.getTime());
    const dump = await dumpRedis(redis.url);
    const patterns = leakPatterns(marker);
    const leaks = patterns.filter((pattern) => dump.text.includes(pattern)).length;

    return {
      sesLimit:
        sesLimit === "shared"
          ? `one redisRateLimiter (grants spaced on Redis' clock) shared by every worker process, maxPerSecond ${maxPerSecond}`
          : `each worker process its own sesTransport maxSendRate ${SES_BUDGET} (in-process token bucket)`,
      messages,
      workers,
      mix: enqueue.counts,
      workerKilled: kill ?? null,
      deliveredPerLogicalSend: histogram,
      lost: lost.length,
      duplicated: duplicated.length,
      lostByRoute: { api: byRoute.api.lost, ses: byRoute.ses.lost },
      duplicatedByRoute: { api: byRoute.api.duplicated, ses: byRoute.ses.duplicated },
      examples: { lost: lost.slice(0, 5), duplicated: duplicated.slice(0, 5) },
      inboxCopiesWithoutOurKey: unkeyed + strangers,
      jobs: {
        sent: jobs.completed,
        failed: jobs.failed,
        failedByCode: failedReasons,
        takenOverAfterKill: takenOver,
      },
      ses: {
        budgetPerSecond: SES_BUDGET,
        acceptedCalls: sesTimes.length,
        throttledCalls: server.ses.sendRate.throttledCount(),
        maxSendsInAnySlidingSecond: maxInSlidingSecond(sesTimes),
      },
      apiSendCalls: server.sent.messages().length,
      redisPlaintextScan: {
        keysScanned: dump.keys,
        bytesScanned: dump.text.length,
        ciphertextPresent: dump.text.includes("-----BEGIN PGP MESSAGE-----"),
        patternsSearched: patterns.length,
        hits: leaks,
      },
      timeMs: {
        enqueue: enqueue.ms,
        allJobsFinished: drainMs,
        wall: Math.round(performance.now() - wallStarted),
      },
    };
  } finally {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    }
    await Promise.all(
      children.map(
        (child) =>
          child.exitCode !== null ||
          child.signalCode !== null ||
          new Promise((resolve) => {
            const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
            child.once("exit", () => resolve(clearTimeout(timer)));
          }),
      ),
    );
    await Promise.all(queues.map((queue) => queue.close()));
    await server.stop();
    await redis.stop();
  }
}

/** The acceptance bar (issue 17): which figures fail, by name. */
export function failures(shared, contrast) {
  const failed = [];
  if (shared.lost !== 0) failed.push(`shared: ${shared.lost} lost`);
  if (shared.duplicated !== 0) failed.push(`shared: ${shared.duplicated} duplicated`);
  if (shared.deliveredPerLogicalSend[1] !== shared.messages)
    failed.push("shared: not exactly 1 delivered per logical send");
  if (shared.jobs.failed !== 0) failed.push(`shared: ${shared.jobs.failed} jobs failed`);
  if (shared.ses.throttledCalls !== 0)
    failed.push(`shared: ${shared.ses.throttledCalls} SES calls throttled`);
  if (shared.ses.maxSendsInAnySlidingSecond > SES_BUDGET)
    failed.push(`shared: ${shared.ses.maxSendsInAnySlidingSecond} SES sends in one second`);
  if (!shared.workerKilled) failed.push("shared: no worker was killed");
  if (shared.inboxCopiesWithoutOurKey !== 0) failed.push("shared: unexpected inbox copies");
  if (shared.redisPlaintextScan.hits !== 0) failed.push("shared: plaintext found in Redis");
  if (!shared.redisPlaintextScan.ciphertextPresent) failed.push("shared: no ciphertext in Redis");
  if (contrast) {
    if (contrast.ses.throttledCalls === 0) failed.push("contrast: no throttling without the limit");
    if (contrast.redisPlaintextScan.hits !== 0) failed.push("contrast: plaintext found in Redis");
  }
  return failed;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      messages: { type: "string", default: "2000" },
      workers: { type: "string", default: "4" },
      "max-per-second": { type: "string", default: "16" },
      "no-contrast": { type: "boolean", default: false },
      "no-bench": { type: "boolean", default: false },
      "bench-messages": { type: "string", default: "400" },
    },
  });
  const options = {
    messages: Number(values.messages),
    workers: Number(values.workers),
    maxPerSecond: Number(values["max-per-second"]),
  };
  const started = performance.now();
  const shared = await runProof({ ...options, sesLimit: "shared" });
  const contrast = values["no-contrast"]
    ? undefined
    : await runProof({ ...options, sesLimit: "local" });
  let bench;
  if (!values["no-bench"]) {
    const { runBench } = await import("../bench/bench.mjs");
    bench = await runBench({ messages: Number(values["bench-messages"]) });
  }
  const failed = failures(shared, contrast);
  const report = {
    acceptance: failed.length === 0 ? "pass" : "FAIL",
    failures: failed,
    withSharedLimit: shared,
    ...(contrast ? { withoutSharedLimit: contrast } : {}),
    ...(bench ? { benchmark: bench } : {}),
    totalWallMs: Math.round(performance.now() - started),
  };
  console.log(JSON.stringify(report, null, 2));
  process.exit(failed.length === 0 ? 0 : 1);
}
