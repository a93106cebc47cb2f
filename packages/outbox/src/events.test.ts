// events() names a job by its idempotency key; for a hashed job id that is the job's name, read
// alone (HGET), once per job: not the whole job (megabytes of attachments) per event.
import { createMailer, type MailTransport } from "@assmbl/core";
import { useRedis } from "@assmbl/testing/redis";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { createOutbox, type OutboxEvent } from "./index.js";
import { startOutboxWorker } from "./worker.js";

const redis = useRedis();

async function bytesOut(client: Redis): Promise<number> {
  const info = await client.info("stats");
  return Number(/total_net_output_bytes:(\d+)/.exec(info)?.[1]);
}

describe("outbox.events()", () => {
  it("gives a hashed job id's idempotency key without loading the job per event (Redis egress)", async () => {
    const transport: MailTransport = {
      specificationVersion: "v1",
      name: "counting",
      send: async () => ({ messageId: "m" }),
    };
    const mailer = createMailer(transport, {
      from: "sender@agents.example.com",
      mailDomain: "agents.example.com",
    });
    const outbox = createOutbox({ connection: redis().url, mailer, queueName: "ev" });
    const admin = new Redis(redis().url);
    const worker = startOutboxWorker({ connection: redis().url, queueName: "ev", transport });
    try {
      const events = outbox.events();
      await events.ready;
      const size = 3 * 1024 * 1024;
      const idempotencyKey = "order:42"; // a `:` makes the job id a hash of it
      const before = await bytesOut(admin);
      const { jobId } = await outbox.enqueue({
        to: "someone@example.com",
        subject: "Big",
        text: "x",
        attachments: [{ filename: "a.bin", content: new Uint8Array(size) }],
        idempotencyKey,
      });
      expect(jobId).toMatch(/^h_/);
      const seen: OutboxEvent[] = [];
      for await (const event of events) {
        if (event.jobId !== jobId) continue;
        seen.push(event);
        if (event.state === "sent") break;
      }
      expect(seen.map((event) => event.idempotencyKey)).toEqual(seen.map(() => idempotencyKey));
      // The worker reads the job once (base64: 4/3 of the bytes); the three events add little.
      // Loading the job per event would add three more copies.
      const egress = (await bytesOut(admin)) - before;
      expect(egress).toBeLessThan(2 * ((size * 4) / 3));
    } finally {
      await worker.close();
      await outbox.close();
      admin.disconnect();
    }
  });
});
