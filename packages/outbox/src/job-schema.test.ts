// Jobs written into Redis by something other than outbox.enqueue: checked before any copy goes,
// failed once with invalid_message (never retried), and nothing sent.
import { createMailer, type MailTransport } from "@assmbl/core";
import { useRedis } from "@assmbl/testing/redis";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { createOutbox, type OutboxEvent } from "./index.js";
import { BACKOFF_TYPE } from "./outbox.js";
import { startOutboxWorker } from "./worker.js";

const redis = useRedis();

describe("the worker checks a job's data", () => {
  it("fails malformed jobs with invalid_message at once, sending nothing", async () => {
    const sent: unknown[] = [];
    const transport: MailTransport = {
      specificationVersion: "v1",
      name: "recorder",
      async send(message) {
        sent.push(message);
        return { messageId: "m" };
      },
    };
    const mailer = createMailer(transport, {
      from: "sender@agents.example.com",
      mailDomain: "agents.example.com",
    });
    const outbox = createOutbox({ connection: redis().url, mailer, queueName: "hostile" });
    const admin = new Redis(redis().url);
    const queue = new Queue("hostile", { connection: { url: redis().url } });
    let attempts = 0;
    let worker: ReturnType<typeof startOutboxWorker> | undefined;
    try {
      // A well-formed job to derive the hostile ones from.
      const { jobId } = await outbox.enqueue({ to: "a@example.com", subject: "s", text: "x" });
      const good = JSON.parse((await admin.hget(`bull:hostile:${jobId}`, "data")) ?? "");
      await queue.remove(jobId);
      const withMessage = (patch: Record<string, unknown>) => ({
        ...good,
        copies: [{ ...good.copies[0], message: { ...good.copies[0].message, ...patch } }],
      });
      const cases: Record<string, unknown> = {
        empty: {},
        copiesNotArray: { ...good, copies: "xyz" },
        unknownKey: withMessage({ evil: 1 }),
        otherKey: withMessage({ idempotencyKey: "another" }),
        badBase64: withMessage({
          attachments: [{ manifest: { index: 0 }, base64: "!!!!****" }],
        }),
      };
      const events = outbox.events();
      await events.ready;
      for (const [name, data] of Object.entries(cases)) {
        await queue.add(name, data, { jobId: name, attempts: 3, backoff: { type: BACKOFF_TYPE } });
      }
      // Started after the well-formed job was removed: only the hostile ones reach it.
      worker = startOutboxWorker({
        connection: redis().url,
        queueName: "hostile",
        transport,
        backoff: { baseDelayMs: 1, maxDelayMs: 2 },
      });
      const failed = new Map<string, OutboxEvent>();
      for await (const event of events) {
        if (event.state === "queued" && event.jobId in cases) attempts++;
        if (event.state === "failed") failed.set(event.jobId, event);
        if (failed.size === Object.keys(cases).length) break;
      }
      for (const name of Object.keys(cases)) {
        expect(failed.get(name), name).toMatchObject({ code: "invalid_message" });
      }
      // Queued once each (added), never again for a retry.
      expect(attempts).toBe(Object.keys(cases).length);
      expect(sent).toHaveLength(0);
    } finally {
      await worker?.close();
      await queue.close();
      await outbox.close();
      admin.disconnect();
    }
  });
});
