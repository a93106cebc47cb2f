// One idempotency key, one message: a repeat of the same message returns the job with where it
// is (a failed one says so); another message under the key is refused, not silently dropped.
import { AgentMailError, createMailer } from "@assmbl/core";
import { openpgpCrypto } from "@assmbl/crypto";
import { createDirectory } from "@assmbl/directory";
import { usePlatform } from "@assmbl/testing/platform";
import { useRedis } from "@assmbl/testing/redis";
import { apiTransport } from "@assmbl/transport-api";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { createOutbox } from "./outbox.js";
import { startOutboxWorker } from "./worker.js";

const redis = useRedis();
const platform = usePlatform({
  agents: [
    { agentId: "sender", keys: "seed" },
    { agentId: "reader", keys: "seed" },
  ],
});
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

let queues = 0;
function setup() {
  const p = platform();
  const sender = p.agent("sender");
  const mailer = createMailer(apiTransport({ baseUrl: p.url, token: sender.token }), {
    from: sender.address,
    mailDomain: p.mailDomain,
    directory: createDirectory({ baseUrl: p.url }),
    crypto: openpgpCrypto(),
  });
  const queueName = `idem${++queues}`;
  const outbox = createOutbox({ connection: redis().url, mailer, queueName });
  closers.push(() => outbox.close());
  return { outbox, queueName, to: p.agent("reader").address };
}

describe("enqueue under a key the queue already holds", () => {
  it("refuses another message under the same key with idempotency_key_reused; the stored job stays", async () => {
    const { outbox, queueName, to } = setup();
    await outbox.enqueue({ to, subject: "First", text: "one", idempotencyKey: "k1" });
    const error = await outbox
      .enqueue({ to, subject: "Second", text: "two", idempotencyKey: "k1" })
      .catch((e: unknown) => e);
    expect(AgentMailError.is(error, "idempotency_key_reused")).toBe(true);
    expect((error as Error).message).toMatch(/nothing was queued/);
    const client = new Redis(redis().url);
    try {
      const data = JSON.parse((await client.hget(`bull:${queueName}:k1`, "data")) ?? "{}");
      expect(data.copies[0].message.subject).toBe("First");
    } finally {
      client.disconnect();
    }
  });

  it("returns the job for the same message again, encrypted included (ciphertext differs), with its state", async () => {
    const { outbox, to } = setup();
    const message = {
      to,
      subject: "Sealed",
      text: "same words",
      attachments: [{ filename: "a.txt", content: "attached" }],
      encrypt: true,
      idempotencyKey: "k-enc",
    };
    const first = await outbox.enqueue(message);
    expect(first.duplicate).toBeUndefined();
    const again = await outbox.enqueue(message);
    expect(again).toMatchObject({ jobId: "k-enc", duplicate: { state: "queued" } });
  });

  it("says a repeated key's job already failed (the dead letter), instead of reporting it queued", async () => {
    const { outbox, queueName, to } = setup();
    const message = { to, subject: "Doomed", text: "x", idempotencyKey: "k-failed" };
    const events = outbox.events();
    await outbox.enqueue(message);
    const worker = startOutboxWorker({
      connection: redis().url,
      queueName,
      transport: {
        specificationVersion: "v1",
        name: "refusing",
        async send() {
          throw new AgentMailError({
            code: "message_rejected",
            message: "no",
            outcome: "not_sent",
          });
        },
      },
    });
    closers.push(() => worker.close());
    for await (const event of events) if (event.state === "failed") break;
    const again = await outbox.enqueue(message);
    expect(again.duplicate).toEqual({ state: "failed", code: "message_rejected" });
  });
});
