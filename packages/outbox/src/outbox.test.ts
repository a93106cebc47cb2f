// The outbox end to end against real peers: redis-server (persistence off) and the dev server's
// /send, with openpgp.js keys from its directory.
import { AgentMailError, createMailer, type MailTransport } from "@assmbl/core";
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
  ],
});

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

let queues = 0;
function setup(
  options: {
    transport?: MailTransport;
    unknownOutcome?: "resend" | "fail";
    attempts?: number;
  } = {},
) {
  const p = platform();
  const queueName = `q${++queues}`;
  const sender = p.agent("sender");
  const transport = apiTransport({ baseUrl: p.url, token: sender.token });
  const mailer = createMailer(transport, {
    from: sender.address,
    mailDomain: p.mailDomain,
    directory: createDirectory({ baseUrl: p.url }),
    crypto: openpgpCrypto(),
  });
  const outbox = createOutbox({
    connection: redis().url,
    mailer,
    queueName,
    attempts: options.attempts ?? 4,
  });
  closers.push(() => outbox.close());
  const start = (transportOverride?: MailTransport, lockDurationMs = 30_000) => {
    const worker = startOutboxWorker({
      connection: redis().url,
      transport: transportOverride ?? options.transport ?? transport,
      queueName,
      backoff: { baseDelayMs: 10, maxDelayMs: 50 },
      lockDurationMs,
      ...(options.unknownOutcome ? { unknownOutcome: options.unknownOutcome } : {}),
    });
    closers.push(() => worker.close());
    return worker;
  };
  return { outbox, start, transport, p, reader: p.agent("reader") };
}

async function until(events: AsyncIterable<OutboxEvent>, jobId: string, states: string[]) {
  const seen: OutboxEvent[] = [];
  for await (const event of events) {
    if (event.jobId !== jobId) continue;
    seen.push(event);
    if (states.includes(event.state)) return seen;
  }
  return seen;
}

const deliveredWith = (p: ReturnType<typeof platform>, key: string) =>
  p.server.store
    .inbox("reader")
    .filter((message) => Buffer.from(message.raw).toString("latin1").includes(key));

describe("createOutbox + startOutboxWorker", () => {
  it("sends an enqueued message once, with events queued → sending → sent and the message id", async () => {
    const { outbox, start, p, reader } = setup();
    const events = outbox.events();
    const { jobId, idempotencyKey } = await outbox.enqueue({
      to: reader.address,
      subject: "Queued",
      text: "hello from the queue",
    });
    expect(idempotencyKey).toMatch(/^idem_[0-9a-f-]{36}$/);
    expect(jobId).toBe(idempotencyKey);
    start();
    const seen = await until(events, jobId, ["sent", "failed"]);
    expect(seen.map((event) => event.state)).toEqual(["queued", "sending", "sent"]);
    expect(seen[2]?.messageId).toEqual(expect.any(String));
    expect(seen.every((event) => event.idempotencyKey === idempotencyKey)).toBe(true);
    expect(deliveredWith(p, idempotencyKey)).toHaveLength(1);
    await events.close();
  });

  it("holds only ciphertext in Redis for an encrypted message (every key and value scanned)", async () => {
    const { outbox, reader } = setup();
    const secret = "PLAINTEXT-MARKER-7f3a the launch code is 0000";
    const attachmentSecret = "ATTACHMENT-PLAINTEXT-MARKER-91c2";
    await outbox.enqueue({
      to: reader.address,
      subject: "Sealed",
      text: secret,
      attachments: [{ filename: "notes.txt", content: attachmentSecret }],
      encrypt: true,
    });
    const dump = await everythingInRedis(redis().url);
    expect(dump.length).toBeGreaterThan(1000); // the job is there, as ciphertext
    expect(dump).toContain("-----BEGIN PGP MESSAGE-----");
    for (const marker of [secret, "PLAINTEXT-MARKER-7f3a", attachmentSecret]) {
      expect(dump).not.toContain(marker);
      expect(dump).not.toContain(Buffer.from(marker).toString("base64").slice(0, 20));
    }
  });

  it("retries a retryable failure under the same key and delivers once", async () => {
    const { outbox, start, p, reader } = setup();
    // The transport's own retries end first (its attempts all 503), then the job's retry sends.
    p.server.setFaults({ failRate: 1, paths: /^\/send$/ });
    const events = outbox.events();
    const { jobId, idempotencyKey } = await outbox.enqueue({
      to: reader.address,
      subject: "Retried",
      text: "again",
    });
    const seenSend: string[] = [];
    const transport = apiTransport({
      baseUrl: p.url,
      token: p.agent("sender").token,
      retry: { limit: 0 },
    });
    start({
      ...transport,
      name: transport.name,
      async send(message, options) {
        seenSend.push(message.idempotencyKey ?? "");
        if (seenSend.length === 2) p.server.setFaults({});
        return transport.send(message, options);
      },
    });
    const seen = await until(events, jobId, ["sent", "failed"]);
    expect(seen.at(-1)?.state).toBe("sent");
    expect(seenSend.length).toBeGreaterThanOrEqual(2);
    expect(new Set(seenSend)).toEqual(new Set([idempotencyKey]));
    expect(deliveredWith(p, idempotencyKey)).toHaveLength(1);
    await events.close();
  });

  it("ends a non-retryable failure in the failed set with its code (dead letter)", async () => {
    const { outbox, start, reader } = setup();
    const events = outbox.events();
    const { jobId } = await outbox.enqueue({ to: reader.address, subject: "Doomed", text: "x" });
    let calls = 0;
    start({
      specificationVersion: "v1",
      name: "refusing",
      async send() {
        calls++;
        throw new AgentMailError({
          code: "message_rejected",
          message: "refused",
          outcome: "not_sent",
        });
      },
    });
    const seen = await until(events, jobId, ["sent", "failed"]);
    expect(seen.at(-1)).toMatchObject({ state: "failed", code: "message_rejected" });
    expect(calls).toBe(1);
    await events.close();
  });

  it("a worker that dies mid-send: another takes the job over and /send delivers it once", async () => {
    const { outbox, start, p, reader, transport } = setup();
    const events = outbox.events();
    const { jobId, idempotencyKey } = await outbox.enqueue({
      to: reader.address,
      subject: "Crash",
      text: "survive",
    });
    // The first worker's send reaches /send, then the worker hangs as if killed: its lock lapses.
    let reached!: () => void;
    const sentOnce = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const dying = startOutboxWorker({
      connection: redis().url,
      queueName: `q${queues}`,
      lockDurationMs: 500,
      transport: {
        specificationVersion: "v1",
        name: "agentmail-api",
        async send(message, options) {
          await transport.send(message, options);
          reached();
          return new Promise(() => {}); // never settles
        },
      },
    });
    await sentOnce;
    // Stop renewing its lock without finishing (BullMQ close(true) does not wait for the job).
    await dying.close({ force: true });
    start(undefined, 500);
    const seen = await until(events, jobId, ["sent", "failed"]);
    expect(seen.at(-1)?.state).toBe("sent");
    expect(deliveredWith(p, idempotencyKey)).toHaveLength(1);
    await events.close();
  }, 60_000);

  it("a worker that dies mid-send through a transport without idempotency: failed unknown, never resent", async () => {
    const { outbox, start, p, reader, transport } = setup();
    const events = outbox.events();
    const { jobId, idempotencyKey } = await outbox.enqueue({
      to: reader.address,
      subject: "Crash SES",
      text: "once",
    });
    let reached!: () => void;
    const sentOnce = new Promise<void>((resolve) => {
      reached = resolve;
    });
    let sends = 0;
    const sesLike = (hang: boolean): MailTransport => ({
      specificationVersion: "v1",
      name: "ses",
      async send(message, options) {
        sends++;
        await transport.send(message, options);
        reached();
        return hang ? new Promise(() => {}) : { messageId: "m" };
      },
    });
    const dying = startOutboxWorker({
      connection: redis().url,
      queueName: `q${queues}`,
      lockDurationMs: 500,
      transport: sesLike(true),
    });
    await sentOnce;
    await dying.close({ force: true });
    start(sesLike(false), 500);
    const seen = await until(events, jobId, ["sent", "failed"]);
    expect(seen.at(-1)).toMatchObject({ state: "failed", code: "transport_failed" });
    expect(sends).toBe(1);
    expect(deliveredWith(p, idempotencyKey)).toHaveLength(1);
    await events.close();
  }, 60_000);

  it("refuses a job past the cap with job_too_large, before anything is queued", async () => {
    const { outbox, reader } = setup();
    const error = await outbox
      .enqueue({
        to: reader.address,
        subject: "Big",
        text: "x",
        attachments: [{ filename: "big.bin", content: new Uint8Array(7 * 1024 * 1024) }],
      })
      .catch((e: unknown) => e);
    expect(AgentMailError.is(error, "job_too_large")).toBe(true);
    expect((error as Error).message).toMatch(/[Uu]pload/);
  });

  it("rejects an unknown option by name", () => {
    expect(() =>
      createOutbox({ connection: redis().url, mailer: {} as never, queueNme: "x" } as never),
    ).toThrow(/queueNme|mailer/);
    expect(() =>
      startOutboxWorker({
        connection: redis().url,
        transport: {
          specificationVersion: "v1",
          name: "t",
          send: async () => ({ messageId: "m" }),
        },
        concurency: 2,
      } as never),
    ).toThrow(/concurency/);
  });
});

/** Every key and every value in Redis, read by type, as one string. */
async function everythingInRedis(url: string): Promise<string> {
  const client = new Redis(url);
  try {
    const parts: string[] = [];
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "COUNT", 1000);
      cursor = next;
      for (const key of keys) {
        parts.push(key);
        const type = await client.type(key);
        if (type === "string") parts.push((await client.get(key)) ?? "");
        else if (type === "hash") parts.push(JSON.stringify(await client.hgetall(key)));
        else if (type === "list") parts.push(JSON.stringify(await client.lrange(key, 0, -1)));
        else if (type === "set") parts.push(JSON.stringify(await client.smembers(key)));
        else if (type === "zset") parts.push(JSON.stringify(await client.zrange(key, "0", "-1")));
        else if (type === "stream") parts.push(JSON.stringify(await client.xrange(key, "-", "+")));
        else parts.push((await client.dumpBuffer(key))?.toString("latin1") ?? "");
      }
    } while (cursor !== "0");
    return parts.join("\n");
  } finally {
    client.disconnect();
  }
}
