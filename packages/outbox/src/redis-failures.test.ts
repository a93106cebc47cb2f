// Redis away, refusing the password, or a caller giving up: every producer call ends with an
// AgentMailError that says what was queued, instead of waiting on ioredis' reconnects forever.
// (Before the guard, each of these calls never settled: the file's timeout would fail them.)
import { AgentMailError, createMailer, type MailTransport } from "@assmbl/core";
import { closedPort } from "@assmbl/testing/ports";
import { startRedis, type TestRedis } from "@assmbl/testing/redis";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOutbox } from "./outbox.js";
import { redisRateLimiter } from "./rate-limiter.js";

const transport: MailTransport = {
  specificationVersion: "v1",
  name: "unused",
  send: async () => ({ messageId: "m" }),
};
const mailer = createMailer(transport, {
  from: "sender@agents.example.com",
  mailDomain: "agents.example.com",
});
const message = { to: "someone@example.com", subject: "s", text: "x" };
const PASSWORD = "S3CRET-right-pass";
const WRONG = "WRONG-pass-91ab";

let locked: TestRedis;
beforeAll(async () => {
  locked = await startRedis();
  const admin = new Redis(locked.url);
  await admin.config("SET", "requirepass", PASSWORD);
  admin.disconnect();
});
afterAll(() => locked.stop());

async function downUrl(): Promise<string> {
  return `redis://127.0.0.1:${await closedPort()}`;
}

describe("outbox calls end when Redis cannot serve them", () => {
  it("enqueue with Redis down fails with network_error and says nothing was queued", async () => {
    const outbox = createOutbox({ connection: await downUrl(), mailer, redisTimeoutMs: 300 });
    try {
      const error = await outbox.enqueue(message).catch((e: unknown) => e);
      expect(AgentMailError.is(error, "network_error")).toBe(true);
      expect((error as Error).message).toMatch(/nothing was queued/);
    } finally {
      await outbox.close();
    }
  });

  it("enqueue with Redis down and a signal fails with aborted when the signal fires", async () => {
    // The deadline is far: only the signal can end the call.
    const outbox = createOutbox({ connection: await downUrl(), mailer, redisTimeoutMs: 600_000 });
    try {
      const controller = new AbortController();
      const pending = outbox.enqueue(message, { signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      const error = await pending.catch((e: unknown) => e);
      expect(AgentMailError.is(error, "aborted")).toBe(true);
      expect((error as Error).message).toMatch(/nothing was queued/);
    } finally {
      await outbox.close();
    }
  });

  it("events().ready rejects with network_error, and the stream ends with that error", async () => {
    const outbox = createOutbox({ connection: await downUrl(), mailer, redisTimeoutMs: 300 });
    try {
      const events = outbox.events();
      const next = events.next();
      const error = await events.ready.catch((e: unknown) => e);
      expect(AgentMailError.is(error, "network_error")).toBe(true);
      expect(AgentMailError.is(await next.catch((e: unknown) => e), "network_error")).toBe(true);
    } finally {
      await outbox.close();
    }
  });

  it("a refused password fails enqueue, events and acquire with unauthorized, never echoing it", async () => {
    const url = `redis://default:${WRONG}@127.0.0.1:${locked.port}`;
    // A long deadline: the refusal itself must end the calls.
    const outbox = createOutbox({ connection: url, mailer, redisTimeoutMs: 600_000 });
    const limiter = redisRateLimiter({ connection: url, key: "k", maxPerSecond: 5 });
    try {
      const errors = [
        await outbox.enqueue(message).catch((e: unknown) => e),
        await outbox.events().ready.catch((e: unknown) => e),
        await limiter.acquire().catch((e: unknown) => e),
      ];
      for (const error of errors) {
        expect(AgentMailError.is(error, "unauthorized")).toBe(true);
        expect((error as AgentMailError).retryable).toBe(false);
        expect((error as Error).message).toMatch(/credentials/);
        const everything = JSON.stringify({
          message: (error as Error).message,
          stack: (error as Error).stack,
          cause: String((error as Error).cause),
        });
        expect(everything).not.toContain(WRONG);
      }
    } finally {
      await Promise.all([outbox.close(), limiter.close()]);
    }
  });

  it("the right password still enqueues (the guard only ends calls that cannot succeed)", async () => {
    const url = `redis://default:${PASSWORD}@127.0.0.1:${locked.port}`;
    const outbox = createOutbox({ connection: url, mailer, queueName: "auth-ok" });
    try {
      const { jobId } = await outbox.enqueue(message);
      expect(jobId).toMatch(/^idem_/);
    } finally {
      await outbox.close();
    }
  });

  it("redisRateLimiter.acquire honours its signal while the Redis call is pending", async () => {
    const limiter = redisRateLimiter({ connection: await downUrl(), key: "k", maxPerSecond: 5 });
    try {
      const controller = new AbortController();
      const pending = limiter.acquire({ signal: controller.signal });
      controller.abort();
      const error = await pending.catch((e: unknown) => e);
      expect(AgentMailError.is(error, "aborted")).toBe(true);
    } finally {
      await limiter.close();
    }
  });
});

describe("enqueue past the job cap", () => {
  it("names the attachments' total when each fits alone but together they do not", async () => {
    const outbox = createOutbox({ connection: await downUrl(), mailer, redisTimeoutMs: 300 });
    try {
      const part = new Uint8Array(4 * 1024 * 1024); // 5.3 MiB as base64: under 8 MiB alone
      const error = await outbox
        .enqueue({
          ...message,
          attachments: [
            { filename: "one.bin", content: part },
            { filename: "two.bin", content: part },
          ],
        })
        .catch((e: unknown) => e);
      expect(AgentMailError.is(error, "job_too_large")).toBe(true);
      expect((error as Error).message).toMatch(/attachments of 11184\d{3} bytes in all/);
      expect((error as Error).message).toContain('"two.bin"');
    } finally {
      await outbox.close();
    }
  });
});
