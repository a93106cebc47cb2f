// A worker that loses a job's lock (it stalled past lockDurationMs, and another worker may own
// the job now) stops: it sends no further copy, writes no progress over the new owner's, and
// the send in flight gets an aborted signal. The lock is taken away by deleting its Redis key,
// as its expiry would.
import { createMailer, type MailTransport, type PreparedMessage } from "@assmbl/core";
import { openpgpCrypto } from "@assmbl/crypto";
import { createDirectory } from "@assmbl/directory";
import { usePlatform } from "@assmbl/testing/platform";
import { useRedis } from "@assmbl/testing/redis";
import { apiTransport } from "@assmbl/transport-api";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { createOutbox, type OutboxEvent } from "./index.js";
import { startOutboxWorker } from "./worker.js";

const redis = useRedis();
const platform = usePlatform({
  agents: [
    { agentId: "sender", keys: "seed" },
    { agentId: "reader", keys: "seed" },
    { agentId: "hidden", keys: "seed" },
  ],
});
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

let queues = 0;
async function twoCopyJob() {
  const p = platform();
  const sender = p.agent("sender");
  const mailer = createMailer(apiTransport({ baseUrl: p.url, token: sender.token }), {
    from: sender.address,
    mailDomain: p.mailDomain,
    directory: createDirectory({ baseUrl: p.url }),
    crypto: openpgpCrypto(),
  });
  const queueName = `lock${++queues}`;
  const outbox = createOutbox({ connection: redis().url, mailer, queueName, attempts: 3 });
  closers.push(() => outbox.close());
  const events = outbox.events();
  // Encrypted with a Bcc recipient: two copies, the primary and the Bcc one.
  const { jobId } = await outbox.enqueue({
    to: p.agent("reader").address,
    bcc: p.agent("hidden").address,
    subject: "Two copies",
    text: "x",
    encrypt: true,
  });
  const admin = new Redis(redis().url);
  closers.push(async () => admin.disconnect());
  const dropLock = () => admin.del(`bull:${queueName}:${jobId}:lock`);
  return { queueName, jobId, events, dropLock };
}

async function finalState(events: AsyncIterable<OutboxEvent>, jobId: string) {
  for await (const event of events) {
    if (event.jobId === jobId && (event.state === "sent" || event.state === "failed")) return event;
  }
  return undefined;
}

describe("a worker that loses a job's lock", () => {
  it("sends no further copy, and the dead letter says the copy it sent may have gone", async () => {
    const { queueName, jobId, events, dropLock } = await twoCopyJob();
    const sent: PreparedMessage[] = [];
    const transport: MailTransport = {
      specificationVersion: "v1",
      name: "ses",
      async send(message) {
        sent.push(message);
        if (sent.length === 1) await dropLock();
        return { messageId: `m${sent.length}` };
      },
    };
    const worker = startOutboxWorker({
      connection: redis().url,
      queueName,
      transport,
      lockDurationMs: 400,
    });
    closers.push(() => worker.close());
    const event = await finalState(events, jobId);
    // The copy sent before the loss counts as maybe-sent (never resent through SES); the Bcc
    // copy was never sent by the worker that no longer held the job.
    expect(event).toMatchObject({ state: "failed", code: "transport_failed" });
    expect(sent).toHaveLength(1);
  }, 30_000);

  it("aborts the signal of the send in flight when the lock cannot be renewed", async () => {
    const { queueName, events, dropLock } = await twoCopyJob();
    let abortedReason: unknown;
    const transport: MailTransport = {
      specificationVersion: "v1",
      name: "ses",
      async send(_message, options) {
        await dropLock();
        await new Promise<void>((resolve) => {
          if (options?.signal?.aborted) return resolve();
          options?.signal?.addEventListener("abort", () => resolve(), { once: true });
        });
        abortedReason = options?.signal?.reason;
        throw new Error("aborted by the worker");
      },
    };
    const worker = startOutboxWorker({
      connection: redis().url,
      queueName,
      transport,
      lockDurationMs: 400,
    });
    closers.push(() => worker.close({ force: true }));
    // Resolves only if the signal fires; without it this send would wait forever.
    await expect.poll(() => abortedReason, { timeout: 20_000 }).toBeInstanceOf(Error);
    await events.close();
  }, 30_000);
});
