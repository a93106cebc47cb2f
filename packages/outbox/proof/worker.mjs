// One worker process of the proof (and of the benchmark): `startOutboxWorker` on the /send queue
// (apiTransport) and, when named, on the SES queue (sesTransport against the dev server's SES
// endpoint). `sesLimit` decides the SES budget: "shared" is one redisRateLimiter every worker
// process asks before each SES request; "local" is each process's own `maxSendRate` (what N
// processes had before the outbox: N times the budget). Config comes as JSON in OUTBOX_PROOF.
import { redisRateLimiter, startOutboxWorker } from "@assmbl/outbox";
import { apiTransport } from "@assmbl/transport-api";
import { sesTransport } from "@assmbl/transport-ses";
import { devSesClient, sesSdk } from "./lib.mjs";

const config = JSON.parse(process.env.OUTBOX_PROOF ?? "{}");
const { access, redisUrl } = config;
const closers = [];

const common = {
  connection: redisUrl,
  concurrency: config.concurrency ?? 4,
  // A killed worker's jobs go back to the queue once their lock lapses.
  lockDurationMs: config.lockDurationMs ?? 5000,
  backoff: { baseDelayMs: 200, maxDelayMs: 5000 },
};

const api = startOutboxWorker({
  ...common,
  queueName: config.apiQueue,
  transport: apiTransport({ baseUrl: access.url, token: access.token }),
});
closers.push(() => api.close());

if (config.sesQueue) {
  const client = await devSesClient(access);
  // The SDK loads and builds its request pipeline on a client's first call (hundreds of ms on a
  // busy machine): a send granted by the limiter would leave that much late and bunch with later
  // ones at the server. GetSendQuota warms it without sending; it also reports the budget.
  const { GetSendQuotaCommand } = await sesSdk();
  const quota = await client.send(new GetSendQuotaCommand({}));
  if (quota.MaxSendRate !== config.budget) {
    throw new Error(
      `the SES endpoint reports MaxSendRate ${quota.MaxSendRate}, not ${config.budget}`,
    );
  }
  let limit;
  if (config.sesLimit === "shared") {
    const rateLimiter = redisRateLimiter({
      connection: redisUrl,
      key: config.budgetKey,
      maxPerSecond: config.maxPerSecond,
    });
    closers.push(() => rateLimiter.close());
    limit = { rateLimiter };
  } else {
    limit = { maxSendRate: config.maxPerSecond };
  }
  const ses = startOutboxWorker({
    ...common,
    queueName: config.sesQueue,
    transport: sesTransport({ client, ...limit }),
    // The recipient is on the platform, whose mail processor delivers a repeated
    // X-AgentMail-Idempotency-Key once: a copy a killed worker may have sent is safe to resend.
    unknownOutcome: "resend",
  });
  closers.unshift(() => ses.close());
  closers.push(async () => client.destroy());
}

process.on("SIGTERM", async () => {
  for (const close of closers) await close().catch(() => {});
  process.exit(0);
});
process.send?.({ ready: true, pid: process.pid });
