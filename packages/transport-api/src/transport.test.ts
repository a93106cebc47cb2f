// apiTransport against the dev server over loopback HTTP: uploads, /send, idempotent retries
// under injected faults, and the errors the platform answers.
import { AgentMailHeaders, createMailer, decodeManifest, type MailMessage } from "@assmbl/core";
import { parseMime } from "@assmbl/mime";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAgentMailClient } from "./client.js";
import { errorOf, fakeRuntime, sampleBytes, streamOf, utf8 } from "./testing/fixtures.js";
import {
  findBySubject,
  MAIL_DOMAIN,
  type Platform,
  RECEIVER,
  startPlatform,
} from "./testing/platform.js";
import { apiTransport, createApiTransport } from "./transport.js";

let platform: Platform;
beforeAll(async () => {
  platform = await startPlatform();
});
afterAll(async () => {
  await platform?.stop();
});
beforeEach(() => {
  platform.server.setFaults({});
  platform.server.sent.clear();
  platform.server.requests.clear();
});

const uploads = () =>
  platform.server.requests.count({ method: "POST", path: "/attachments/uploads" });
const sends = () => platform.server.requests.count({ method: "POST", path: "/send" });

describe("apiTransport sends", () => {
  it("uploads each attachment, then /send with object refs and a manifest that names them", async () => {
    const pdf = sampleBytes(40_000, 5);
    const progress: [number, number][] = [];
    const mailer = platform.mailer({
      onUploadProgress: (p) => progress.push([p.index, p.transferredBytes]),
    });
    const result = await mailer.send({
      to: RECEIVER,
      subject: "Quarterly report",
      text: "See attached.",
      attachments: [
        { filename: "report.pdf", content: pdf, contentType: "application/pdf" },
        { filename: "notes.txt", content: "plain" },
      ],
      encrypt: { body: false, attachments: false },
      correlationId: "corr-7",
    });
    expect(result.transport).toBe("agentmail-api");
    expect(result.correlationId).toBe("corr-7");
    expect(result.idempotencyKey).toMatch(/^idem_[0-9a-f-]{36}$/);
    const [sent, ...more] = platform.server.sent.messages();
    expect(more).toEqual([]);
    expect(sent?.messageId).toBe(result.messageId);
    expect(sent?.idempotencyKey).toBe(result.idempotencyKey);
    expect(sent?.deliveredTo).toEqual(["other-agent"]);
    const refs = sent?.request.attachments ?? [];
    expect(refs.map((r) => [r.filename, r.content_type])).toEqual([
      ["report.pdf", "application/pdf"],
      ["notes.txt", "text/plain; charset=utf-8"],
    ]);
    expect(refs.every((r) => r.object_key.startsWith("uploads/report-bot/"))).toBe(true);
    const manifest = decodeManifest(sent?.request.headers[AgentMailHeaders.attachments] ?? "");
    expect(manifest.map((row) => [row.object_key, row.size])).toEqual(
      refs.map((r, i) => [r.object_key, [40_000, 5][i]]),
    );
    expect(uploads()).toBe(2);
    expect(progress.filter(([index]) => index === 0).at(-1)).toEqual([0, 40_000]);
    // What arrived is what was sent: bytes, names, the correlation id.
    const parsed = await parseMime(sent?.raw ?? new Uint8Array());
    expect(parsed.attachments.map((a) => [a.filename, a.bytes.length])).toEqual([
      ["report.pdf", 40_000],
      ["notes.txt", 5],
    ]);
    expect(parsed.attachments[0]?.bytes).toEqual(pdf);
    expect(parsed.headers["x-agentmail-correlation-id"]).toBe("corr-7");
  });

  it("a streamed, encrypted attachment: uploaded as it is read, its real size in the manifest", async () => {
    const big = sampleBytes(300_000, 9);
    const mailer = platform.mailer();
    await mailer.send({
      to: RECEIVER,
      subject: "Streamed",
      text: "big file",
      attachments: [{ filename: "big.bin", content: streamOf(big, 16_384) }],
      encrypt: true,
    });
    const [sent] = platform.server.sent.messages();
    const [row] = decodeManifest(sent?.request.headers[AgentMailHeaders.attachments] ?? "");
    expect(row).toMatchObject({
      filename: "big.bin.asc",
      encrypted: true,
      original_filename: "big.bin",
    });
    const parsed = await parseMime(sent?.raw ?? new Uint8Array());
    expect(row?.size).toBe(parsed.attachments[0]?.bytes.length);
    const id = await findBySubject(platform.inbox, "Streamed");
    const message = await platform.inbox.fetchMessage(id, { decryptWith: platform.receiverKey });
    expect(message.attachments[0]).toMatchObject({
      filename: "big.bin",
      decrypted: true,
      size: 300_000,
    });
    expect(message.attachments[0]?.bytes).toEqual(big);
  });

  it("attachments the caller already uploaded pass through untouched: no new upload", async () => {
    const sender = platform.mailer();
    const client = createAgentMailClient({
      baseUrl: platform.server.url,
      token: platform.senderToken,
    });
    const ref = await client.uploadAttachment({
      filename: "shared.csv",
      contentType: "text/csv",
      content: "a,b\n1,2\n",
    });
    expect(ref).toMatchObject({ filename: "shared.csv", contentType: "text/csv", size: 8 });
    platform.server.requests.clear();
    await sender.send({ to: RECEIVER, subject: "Stored ref", text: "csv", attachments: [ref] });
    expect(uploads()).toBe(0);
    const [sent] = platform.server.sent.messages();
    expect(sent?.request.attachments).toEqual([
      { object_key: ref.objectKey, filename: "shared.csv", content_type: "text/csv" },
    ]);
    const parsed = await parseMime(sent?.raw ?? new Uint8Array());
    expect(utf8(parsed.attachments[0]?.bytes)).toBe("a,b\n1,2\n");
  });
});

describe("idempotency and retries", () => {
  it("with responses dropped at 30% (seeded), 200 logical sends each arrive exactly once", async () => {
    platform.server.setFaults({ dropResponseRate: 0.3, seed: 20260301 });
    const mailer = platform.mailer({ retry: { limit: 20, backoffLimitMs: 20 } });
    const subjects = Array.from(
      { length: 200 },
      (_, i) => `drop-test ${String(i).padStart(3, "0")}`,
    );
    let next = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (next < subjects.length) {
          const subject = subjects[next++] as string;
          await mailer.send({ to: RECEIVER, subject, text: subject });
        }
      }),
    );
    platform.server.setFaults({});
    const dropped =
      platform.server.requests.entries().filter((e) => e.path === "/send").length - 200;
    expect(dropped).toBeGreaterThan(30);
    const received: string[] = [];
    for await (const item of platform.inbox.iterInbox({ q: "drop-test", limit: 100 }))
      received.push(item.subject);
    expect(received.sort()).toEqual(subjects);
    expect(platform.server.sent.messages()).toHaveLength(200);
  });

  it("honours Retry-After on a 429, then succeeds with the same key", async () => {
    platform.server.setFaults({ queue: ["rate_limit"], retryAfterSeconds: 2 });
    const runtime = fakeRuntime();
    const transport = createApiTransport(
      { baseUrl: platform.server.url, token: platform.senderToken },
      runtime,
    );
    const mailer = createMailer(transport, {
      from: `report-bot@${MAIL_DOMAIN}`,
      mailDomain: MAIL_DOMAIN,
    });
    const result = await mailer.send({ to: RECEIVER, subject: "Rate limited", text: "hi" });
    expect(runtime.sleeps).toEqual([2_000]);
    expect(
      platform.server.requests
        .entries()
        .filter((e) => e.path === "/send")
        .map((e) => e.status),
    ).toEqual([429, 200]);
    expect(platform.server.sent.messages().map((m) => m.idempotencyKey)).toEqual([
      result.idempotencyKey,
    ]);
  });

  it("a 503 is retried; a rate limit longer than maxRetryAfterMs comes back at once, retryable", async () => {
    platform.server.setFaults({ queue: ["fail", "rate_limit"], retryAfterSeconds: 120 });
    const runtime = fakeRuntime();
    const mailer = createMailer(
      createApiTransport({ baseUrl: platform.server.url, token: platform.senderToken }, runtime),
      { from: `report-bot@${MAIL_DOMAIN}`, mailDomain: MAIL_DOMAIN },
    );
    const error = await errorOf(mailer.send({ to: RECEIVER, subject: "Too long", text: "hi" }));
    expect([error.code, error.status, error.retryable]).toEqual(["rate_limited", 429, true]);
    expect(error.message).toMatch(/retry after 120 s/);
    expect(runtime.sleeps).toHaveLength(1);
    expect(sends()).toBe(2);
    expect(platform.server.sent.messages()).toEqual([]);
  });

  it("the caller's idempotency key: the same send twice sends once; a different body is idempotency_key_reused", async () => {
    const mailer = platform.mailer();
    const message = {
      to: RECEIVER,
      subject: "Once",
      text: "only once",
      idempotencyKey: "idem-once-1",
    };
    const first = await mailer.send(message);
    const again = await mailer.send(message);
    expect(again.messageId).toBe(first.messageId);
    expect(first.idempotencyKey).toBe("idem-once-1");
    expect(platform.server.sent.messages()).toHaveLength(1);
    const error = await errorOf(mailer.send({ ...message, text: "something else" }));
    expect([error.code, error.status, error.retryable]).toEqual([
      "idempotency_key_reused",
      409,
      false,
    ]);
    expect(platform.server.sent.messages()).toHaveLength(1);
  });

  const repeats: [string, Partial<MailMessage>][] = [
    ["with attachments", { attachments: [{ filename: "a.txt", content: "hello" }] }],
    ["encrypted", { encrypt: true }],
  ];
  for (const [kind, extra] of repeats) {
    it(`the caller's key on a repeated mailer.send ${kind}: a new request, idempotency_key_reused says the first was committed`, async () => {
      const mailer = platform.mailer();
      const message: MailMessage = {
        to: RECEIVER,
        subject: `Repeat ${kind}`,
        text: "same message",
        idempotencyKey: `idem-repeat-${kind.replace(" ", "-")}`,
        ...extra,
      };
      await mailer.send(message);
      const error = await errorOf(mailer.send(message));
      expect([error.code, error.status, error.retryable]).toEqual([
        "idempotency_key_reused",
        409,
        false,
      ]);
      expect(error.message).toMatch(/^send: 409 idempotency_key_reused \(.+\)\. Every retry/);
      expect(error.message).toContain("is a new request to the platform");
      expect(error.message).toContain("it was committed: treat the message as sent");
      expect(platform.server.sent.messages()).toHaveLength(1);
    });
  }

  it("a bad token is unauthorized, and the token is in no message", async () => {
    const token = "amdev_not-a-real-token-0123456789";
    const mailer = createMailer(apiTransport({ baseUrl: platform.server.url, token }), {
      from: `report-bot@${MAIL_DOMAIN}`,
      mailDomain: MAIL_DOMAIN,
    });
    const error = await errorOf(mailer.send({ to: RECEIVER, subject: "x", text: "y" }));
    expect([error.code, error.status, error.retryable]).toEqual(["unauthorized", 401, false]);
    expect(
      JSON.stringify([error.message, String(error), error.toJSON(), error.body]),
    ).not.toContain(token);
    expect(sends()).toBe(1);
  });

  it("a dropped upload of bytes is retried (storage replaces the object), then sent once", async () => {
    platform.server.setFaults({ queue: ["drop"], paths: /^\/_storage\// });
    const mailer = platform.mailer();
    await mailer.send({
      to: RECEIVER,
      subject: "Retried upload",
      text: "x",
      attachments: [{ filename: "a.bin", content: sampleBytes(1_000) }],
    });
    expect(platform.server.requests.count({ method: "POST", path: "/_storage/upload" })).toBe(2);
    expect(platform.server.sent.messages()).toHaveLength(1);
  });

  it("a streamed upload that fails in transit is not replayed: upload_failed, nothing sent", async () => {
    platform.server.setFaults({ queue: ["fail"], paths: /^\/_storage\// });
    const mailer = platform.mailer();
    const error = await errorOf(
      mailer.send({
        to: RECEIVER,
        subject: "Stream fails",
        text: "x",
        attachments: [{ filename: "s.bin", content: streamOf(sampleBytes(5_000)) }],
      }),
    );
    expect([error.code, error.retryable]).toEqual(["upload_failed", false]);
    expect(error.message).toMatch(/stream/);
    expect(platform.server.requests.count({ method: "POST", path: "/_storage/upload" })).toBe(1);
    expect(sends()).toBe(0);
  });
});

/**
 * A `fetch` that plays storage for the upload POSTs (the presign and /send reach the dev server):
 * it waits until `expected` uploads are in flight, answers `failing` with a 403, and holds the
 * others until their signal aborts, recording each signal (`holding` resolves once all are held).
 */
function storageThatHolds(expected: number, failing?: string) {
  const held: AbortSignal[] = [];
  let started = 0;
  let allStarted = () => {};
  const barrier = new Promise<void>((resolve) => {
    allStarted = resolve;
  });
  let allHeld = () => {};
  const holding = new Promise<void>((resolve) => {
    allHeld = resolve;
  });
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.pathname !== "/_storage/upload") return globalThis.fetch(input, init);
    const form = await new Response(init?.body).text();
    if (++started === expected) allStarted();
    await barrier;
    if (failing && form.includes(`filename="${failing}"`)) {
      return new Response("<Error><Code>AccessDenied</Code><Message>denied</Message></Error>", {
        status: 403,
      });
    }
    const signal = init?.signal;
    if (signal) held.push(signal);
    if (held.length === expected - (failing ? 1 : 0)) allHeld();
    return new Promise<Response>((_, reject) => {
      if (signal?.aborted) reject(signal.reason);
      signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
  };
  return { fetch, held, holding };
}

describe("parallel uploads", () => {
  const files = ["one.bin", "bad.bin", "three.bin"].map((filename, i) => ({
    filename,
    content: sampleBytes(1_000, i + 1),
  }));

  it("the first failed upload aborts the others, and nothing is sent", async () => {
    const storage = storageThatHolds(3, "bad.bin");
    const mailer = platform.mailer({ fetch: storage.fetch });
    const error = await errorOf(
      mailer.send({ to: RECEIVER, subject: "One fails", text: "x", attachments: files }),
    );
    expect([error.code, error.status]).toEqual(["forbidden", 403]);
    expect(error.message).toMatch(/upload of attachment 1 \(bad\.bin\)/);
    expect(storage.held).toHaveLength(2);
    expect(storage.held.map((signal) => signal.aborted)).toEqual([true, true]);
    expect(sends()).toBe(0);
    expect(platform.server.sent.messages()).toEqual([]);
  });

  it("the caller's signal aborts every upload in flight", async () => {
    const storage = storageThatHolds(3);
    const controller = new AbortController();
    const mailer = platform.mailer({ fetch: storage.fetch });
    const sending = errorOf(
      mailer.send(
        { to: RECEIVER, subject: "Caller aborts", text: "x", attachments: files },
        { signal: controller.signal },
      ),
    );
    await storage.holding;
    expect(storage.held.some((signal) => signal.aborted)).toBe(false);
    controller.abort(new Error("user gave up"));
    expect((await sending).code).toBe("aborted");
    expect(storage.held).toHaveLength(3);
    expect(storage.held.every((signal) => signal.aborted)).toBe(true);
    expect(sends()).toBe(0);
  });
});

describe("apiTransport options", () => {
  it("rejects unknown options by name, and a malformed URL or token without echoing it", () => {
    const base = { baseUrl: "http://127.0.0.1:1", token: "tok_abcdef" };
    expect(() => apiTransport({ ...base, retries: 3 } as never)).toThrow(
      /unknown option "retries"/,
    );
    expect(() => apiTransport({ ...base, retry: { limit: 1, jitter: true } } as never)).toThrow(
      /unknown option "retry.jitter"/,
    );
    expect(() => apiTransport({ ...base, baseUrl: "ftp://x" })).toThrow(/baseUrl is invalid/);
    try {
      apiTransport({ ...base, token: "bad token\r\nX-Evil: 1" });
      throw new Error("expected a failure");
    } catch (error) {
      expect(String(error)).toMatch(/token is invalid/);
      expect(String(error)).not.toContain("bad token");
    }
  });

  it("delays past setTimeout's limit (2^31 - 1 ms) are invalid_options naming the option", async () => {
    const base = { baseUrl: "http://127.0.0.1:1", token: "tok_abcdef" };
    for (const key of ["backoffLimitMs", "maxRetryAfterMs"] as const) {
      expect(() => apiTransport({ ...base, retry: { [key]: 2_147_483_647 } })).not.toThrow();
      const error = await errorOf(
        (async () => apiTransport({ ...base, retry: { [key]: 2_147_483_648 } }))(),
      );
      expect([error.code, error.message]).toEqual([
        "invalid_options",
        expect.stringMatching(new RegExp(`^apiTransport options: retry\\.${key} is invalid`)),
      ]);
    }
    const timeout = await errorOf((async () => apiTransport({ ...base, timeoutMs: 2 ** 31 }))());
    expect(timeout.message).toMatch(/timeoutMs is invalid/);
  });

  it("an aborted signal sends nothing", async () => {
    const controller = new AbortController();
    controller.abort();
    const transport = apiTransport({ baseUrl: platform.server.url, token: platform.senderToken });
    const mailer = createMailer(transport, {
      from: `report-bot@${MAIL_DOMAIN}`,
      mailDomain: MAIL_DOMAIN,
    });
    const prepared = await mailer.prepare({ to: RECEIVER, subject: "x", text: "y" });
    const error = await errorOf(transport.send(prepared, { signal: controller.signal }));
    expect(error.code).toBe("aborted");
    expect(sends()).toBe(0);
  });

  it("send options are strict too", async () => {
    const transport = apiTransport({ baseUrl: platform.server.url, token: platform.senderToken });
    const mailer = createMailer(transport, {
      from: `report-bot@${MAIL_DOMAIN}`,
      mailDomain: MAIL_DOMAIN,
    });
    const prepared = await mailer.prepare({ to: RECEIVER, subject: "x", text: "y" });
    const error = await errorOf(
      transport.send(prepared, { signal: undefined, timeout: 5 } as never),
    );
    expect(error.message).toMatch(/unknown option "timeout"/);
  });
});
