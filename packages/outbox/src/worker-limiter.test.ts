// The worker's rateLimiter is asked before a copy is marked as handed to the transport: jobs
// that were only waiting on the budget when their worker died are sent by the next worker, not
// dead-lettered as maybe-sent (the default for a transport without idempotency, like SES).
import { AgentMailError, createMailer, type MailTransport, type RateLimiter } from "@assmbl/core";
import { useRedis } from "@assmbl/testing/redis";
import { afterEach, describe, expect, it } from "vitest";
import { createOutbox, type OutboxEvent } from "./index.js";
import { startOutboxWorker } from "./worker.js";

const redis = useRedis();
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

describe("startOutboxWorker({ rateLimiter })", () => {
  it("a worker killed while jobs wait on the limiter leaves them to be sent, not dead-lettered", async () => {
    const sent: string[] = [];
    const sesLike: MailTransport = {
      specificationVersion: "v1",
      name: "ses", // no idempotency: a maybe-sent copy is never resent by default
      async send(message) {
        sent.push(message.idempotencyKey ?? "");
        return { messageId: `m${sent.length}` };
      },
    };
    const mailer = createMailer(sesLike, {
      from: "sender@agents.example.com",
      mailDomain: "agents.example.com",
    });
    const outbox = createOutbox({ connection: redis().url, mailer, queueName: "wl" });
    closers.push(() => outbox.close());
    const events = outbox.events();
    // The budget is spent for good in the first worker: every acquire waits until its signal.
    let waiting = 0;
    const spent: RateLimiter = {
      acquire: (options) =>
        new Promise((_, reject) => {
          waiting++;
          options?.signal?.addEventListener("abort", () =>
            reject(new AgentMailError({ code: "aborted", message: "aborted" })),
          );
        }),
    };
    const keys: string[] = [];
    for (let i = 0; i < 3; i++) {
      keys.push((await outbox.enqueue({ to: "a@example.com", subject: `m${i}`, text: "x" })).jobId);
    }
    const dying = startOutboxWorker({
      connection: redis().url,
      queueName: "wl",
      transport: sesLike,
      rateLimiter: spent,
      concurrency: 3,
      lockDurationMs: 300,
    });
    await expect.poll(() => waiting, { timeout: 20_000 }).toBe(3);
    await dying.close({ force: true });
    const granting: RateLimiter = { acquire: async () => {} };
    const next = startOutboxWorker({
      connection: redis().url,
      queueName: "wl",
      transport: sesLike,
      rateLimiter: granting,
      concurrency: 3,
      lockDurationMs: 300,
    });
    closers.push(() => next.close());
    const final = new Map<string, OutboxEvent>();
    for await (const event of events) {
      if (event.state === "sent" || event.state === "failed") final.set(event.jobId, event);
      if (final.size === keys.length) break;
    }
    expect([...final.values()].map((event) => event.state)).toEqual(["sent", "sent", "sent"]);
    expect(sent.sort()).toEqual([...keys].sort());
  }, 40_000);
});
