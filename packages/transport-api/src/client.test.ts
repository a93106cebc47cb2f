// createAgentMailClient against the dev server: the inbox, messages, fetchMessage with
// decryption and pending attachments, and attachment storage.
import { AgentMailError, createMailer } from "@assmbl/core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAgentMailClient, createClient } from "./client.js";
import { errorOf, fakeRuntime, sampleBytes, streamOf, utf8 } from "./testing/fixtures.js";
import {
  findBySubject,
  MAIL_DOMAIN,
  type Platform,
  RECEIVER,
  SENDER,
  startPlatform,
} from "./testing/platform.js";
import { apiTransport } from "./transport.js";

let platform: Platform;
beforeAll(async () => {
  platform = await startPlatform();
});
afterAll(async () => {
  await platform?.stop();
});
beforeEach(() => {
  platform.server.setFaults({});
});

async function plainSend(subject: string, extra: Record<string, unknown> = {}) {
  const mailer = createMailer(
    apiTransport({ baseUrl: platform.server.url, token: platform.senderToken }),
    {
      from: SENDER,
      mailDomain: MAIL_DOMAIN,
    },
  );
  return mailer.send({ to: RECEIVER, subject, text: `body of ${subject}`, ...extra });
}

describe("the inbox", () => {
  it("lists pages oldest first, camelCase, and iterInbox walks every page", async () => {
    for (const n of [1, 2, 3, 4, 5]) await plainSend(`paging ${n}`);
    const first = await platform.inbox.listInbox({ q: "paging", limit: 2 });
    expect(first.items.map((i) => i.subject)).toEqual(["paging 1", "paging 2"]);
    expect(first.nextCursor).toEqual(expect.any(String));
    const [item] = first.items;
    expect(item).toEqual({
      id: expect.any(String),
      sender: SENDER,
      senderVerified: true,
      subject: "paging 1",
      receivedAt: expect.any(Date),
      labels: [],
      isRead: false,
      isArchived: false,
    });
    const all: string[] = [];
    for await (const each of platform.inbox.iterInbox({ q: "paging", limit: 2 }))
      all.push(each.subject);
    expect(all).toEqual(["paging 1", "paging 2", "paging 3", "paging 4", "paging 5"]);
    const inboxCalls = platform.server.requests.entries().filter((e) => e.path === "/inbox").length;
    expect(inboxCalls).toBeGreaterThanOrEqual(4);
  });

  it("filters: verifiedOnly, isRead, label, includeArchived", async () => {
    await plainSend("filter me");
    const id = await findBySubject(platform.inbox, "filter me");
    platform.server.store.updateMessage(id, { labels: ["invoices"], isArchived: true });
    expect((await platform.inbox.listInbox({ q: "filter me" })).items).toEqual([]);
    const archived = await platform.inbox.listInbox({
      q: "filter me",
      includeArchived: true,
      label: "invoices",
    });
    expect(archived.items.map((i) => [i.id, i.labels, i.isArchived])).toEqual([
      [id, ["invoices"], true],
    ]);
    const verified = await platform.inbox.listInbox({
      q: "filter me",
      includeArchived: true,
      verifiedOnly: true,
    });
    expect(verified.items).toHaveLength(1);
    await platform.inbox.getMessage(id);
    const unread = await platform.inbox.listInbox({
      q: "filter me",
      includeArchived: true,
      isRead: false,
    });
    expect(unread.items).toEqual([]);
  });

  it("a cursor the platform did not issue is invalid_request; unknown query keys are refused by name", async () => {
    const error = await errorOf(platform.inbox.listInbox({ cursor: "not-a-cursor" }));
    expect([error.code, error.status]).toEqual(["invalid_request", 400]);
    const unknown = await errorOf(platform.inbox.listInbox({ verified: true } as never));
    expect([unknown.code, unknown.message]).toEqual([
      "invalid_options",
      'inbox query: unknown option "verified"',
    ]);
    expect((await errorOf(platform.inbox.listInbox({ limit: 101 }))).message).toMatch(
      /limit is invalid/,
    );
  });
});

describe("messages", () => {
  it("getMessage returns the raw MIME and the attachments' status; deleteMessage deletes once", async () => {
    await plainSend("to delete", { attachments: [{ filename: "a.txt", content: "abc" }] });
    const id = await findBySubject(platform.inbox, "to delete");
    expect((await platform.inbox.listInbox({ q: "to delete" })).items[0]?.isRead).toBe(false);
    const message = await platform.inbox.getMessage(id);
    expect(message.rawMime).toMatch(/^[\s\S]*Subject: to delete\r\n/);
    expect(message.attachments).toEqual([
      {
        index: 0,
        status: "ready",
        filename: "a.txt",
        contentType: expect.stringMatching(/^text\/plain/),
        size: 3,
      },
    ]);
    // Reading marks it read.
    const [listed] = (await platform.inbox.listInbox({ q: "to delete" })).items;
    expect(listed?.isRead).toBe(true);
    await platform.inbox.deleteMessage(id);
    expect((await errorOf(platform.inbox.getMessage(id))).code).toBe("not_found");
    expect((await errorOf(platform.inbox.deleteMessage(id))).code).toBe("not_found");
  });

  it("a delete whose answer was lost is retried and succeeds", async () => {
    await plainSend("lost delete");
    const id = await findBySubject(platform.inbox, "lost delete");
    platform.server.setFaults({ queue: ["drop"] });
    await platform.inbox.deleteMessage(id);
    expect(platform.server.store.message(id)).toBeUndefined();
  });

  for (const queue of [
    ["drop", "fail"],
    ["drop", "rate_limit"],
    ["drop", "fail", "rate_limit"],
  ] as const) {
    it(`a delete whose answer was lost is done, even when the next try fails first (${queue.join(", ")})`, async () => {
      await plainSend(`lost delete ${queue.join(" ")}`);
      const id = await findBySubject(platform.inbox, `lost delete ${queue.join(" ")}`);
      const runtime = fakeRuntime();
      const client = createClient(
        { baseUrl: platform.server.url, token: platform.receiverToken },
        runtime,
      );
      platform.server.requests.clear();
      platform.server.setFaults({
        queue: [...queue],
        retryAfterSeconds: 0,
        paths: /^\/messages\//,
      });
      await client.deleteMessage(id);
      expect(platform.server.store.message(id)).toBeUndefined();
      // Each fault was one attempt, then the 404 that proves the first one deleted it.
      // Inbox ids may hold "@" (the send's message id): the SDK sends it percent-encoded.
      const path = `/messages/${encodeURIComponent(id)}`;
      expect(platform.server.requests.count({ method: "DELETE", path })).toBe(queue.length + 1);
      expect(runtime.sleeps).toHaveLength(queue.length);
    });
  }

  it("ids that are . or .. or hold control characters are invalid_options naming the id, before any request", async () => {
    platform.server.requests.clear();
    for (const id of [".", "..", "m\r\nX: 1", "m\u0000"]) {
      for (const [what, call] of [
        ["getMessage", () => platform.inbox.getMessage(id)],
        ["deleteMessage", () => platform.inbox.deleteMessage(id)],
        ["fetchMessage", () => platform.inbox.fetchMessage(id)],
      ] as const) {
        const error = await errorOf(call());
        expect(error).toBeInstanceOf(AgentMailError);
        expect([error.code, error.message]).toEqual([
          "invalid_options",
          expect.stringMatching(new RegExp(`^${what} messageId: the input is invalid \\(expected`)),
        ]);
      }
    }
    expect(platform.server.requests.count()).toBe(0);
  });

  it("another agent's message is not_found", async () => {
    await plainSend("private");
    const id = await findBySubject(platform.inbox, "private");
    const sender = createAgentMailClient({
      baseUrl: platform.server.url,
      token: platform.senderToken,
    });
    expect((await errorOf(sender.getMessage(id))).code).toBe("not_found");
    expect((await errorOf(sender.fetchMessage(id))).code).toBe("not_found");
  });
});

describe("fetchMessage", () => {
  it("decrypts an encrypted body and attachment, restores the name, verifies the signature", async () => {
    const pdf = sampleBytes(20_000, 11);
    await platform.mailer().send({
      to: RECEIVER,
      subject: "Encrypted fetch",
      text: "secret body \u2713",
      attachments: [{ filename: "plan.pdf", content: pdf, contentType: "application/pdf" }],
      encrypt: true,
    });
    const id = await findBySubject(platform.inbox, "Encrypted fetch");
    const message = await platform.inbox.fetchMessage(id, {
      decryptWith: platform.receiverKey,
      verifyWith: platform.directory,
    });
    expect(message).toMatchObject({
      id,
      sender: SENDER,
      senderVerified: true,
      subject: "Encrypted fetch",
      encrypted: true,
      bodyTextDecrypted: "secret body \u2713",
      verification: "valid",
    });
    expect(message.receivedAt).toBeInstanceOf(Date);
    expect(message.bodyText).toMatch(/^-----BEGIN PGP MESSAGE-----/);
    expect(message.attachments).toEqual([
      {
        index: 0,
        filename: "plan.pdf",
        contentType: "application/pdf",
        size: 20_000,
        status: "ready",
        encrypted: true,
        decrypted: true,
        bytes: pdf,
        verification: "valid",
      },
    ]);
    // Signed by the sender, so another key does not vouch for it.
    const other = await platform.inbox.fetchMessage(id, {
      decryptWith: platform.receiverKey,
      verifyWith: platform.receiverKeys.publicKeyArmored,
    });
    expect(other.verification).toBe("invalid");
  });

  it("waits for attachments that are still pending", async () => {
    await plainSend("Slow attachment", {
      attachments: [{ filename: "data.bin", content: sampleBytes(3_000) }],
    });
    const id = await findBySubject(platform.inbox, "Slow attachment");
    // The store holds it pending until the poll loop has asked twice: no wall-clock window.
    platform.server.store.setAttachmentStatus(id, 0, "pending");
    const statusPath = `/messages/${encodeURIComponent(id)}/attachments/0`;
    let statusRequests = 0;
    const releasing: typeof fetch = (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.pathname === statusPath && ++statusRequests === 3) {
        platform.server.store.setAttachmentStatus(id, 0, null);
      }
      return globalThis.fetch(input, init);
    };
    const runtime = fakeRuntime();
    const client = createClient(
      { baseUrl: platform.server.url, token: platform.receiverToken, fetch: releasing },
      runtime,
    );
    expect((await client.getMessage(id)).attachments[0]?.status).toBe("pending");
    const message = await client.fetchMessage(id, { pollIntervalMs: 100, maxPollMs: 20_000 });
    expect(message.attachments[0]).toMatchObject({ status: "ready", size: 3_000 });
    expect(message.attachments[0]?.bytes).toEqual(sampleBytes(3_000));
    expect(message.attachments[0]?.error).toBeUndefined();
    // Two answers were pending, the third ready; one poll interval before each.
    expect(platform.server.requests.count({ method: "GET", path: statusPath })).toBe(3);
    expect(runtime.sleeps).toEqual([100, 100, 100]);
  });

  it("past maxPollMs: the message anyway, the attachment pending without bytes; failed ones likewise", async () => {
    await plainSend("Stuck", {
      attachments: [
        { filename: "stuck.bin", content: sampleBytes(100) },
        { filename: "broken.bin", content: sampleBytes(100) },
        { filename: "fine.txt", content: "fine" },
      ],
    });
    const id = await findBySubject(platform.inbox, "Stuck");
    platform.server.store.setAttachmentStatus(id, 0, "pending");
    platform.server.store.setAttachmentStatus(id, 1, "failed");
    const message = await platform.inbox.fetchMessage(id, { pollIntervalMs: 50, maxPollMs: 200 });
    const [stuck, broken, fine] = message.attachments;
    expect(stuck).toMatchObject({
      filename: "stuck.bin",
      status: "pending",
      bytes: null,
      size: 100,
    });
    expect([stuck?.error?.code, stuck?.error?.retryable]).toEqual(["attachment_pending", true]);
    expect(broken).toMatchObject({ status: "failed", bytes: null });
    expect(broken?.error?.code).toBe("attachment_failed");
    expect(fine).toMatchObject({ status: "ready", filename: "fine.txt" });
    expect(utf8(fine?.bytes)).toBe("fine");
    expect(message.bodyText).toBe("body of Stuck\n");
  });

  it("rejects unknown options by name", async () => {
    const error = await errorOf(platform.inbox.fetchMessage("m", { pollMs: 5 } as never));
    expect(error.message).toBe('fetchMessage options: unknown option "pollMs"');
    const directoryWithoutDomain = createAgentMailClient({
      baseUrl: platform.server.url,
      token: platform.receiverToken,
    });
    await plainSend("needs domain");
    const id = await findBySubject(platform.inbox, "needs domain");
    const noDomain = await errorOf(
      directoryWithoutDomain.fetchMessage(id, { verifyWith: platform.directory }),
    );
    expect(noDomain.code).toBe("invalid_options");
  });
});

describe("attachment storage", () => {
  it("requestAttachmentUpload gives a presigned form; requestAttachmentDownload a URL serving the bytes", async () => {
    const client = createAgentMailClient({
      baseUrl: platform.server.url,
      token: platform.senderToken,
    });
    const presigned = await client.requestAttachmentUpload({
      filename: "r.pdf",
      contentType: "application/pdf",
      maxBytes: 1_000,
    });
    expect(presigned.objectKey).toMatch(/^uploads\/report-bot\/.+-r\.pdf$/);
    expect(Object.keys(presigned.upload.fields)).toEqual(
      expect.arrayContaining(["key", "Content-Type", "policy", "x-amz-signature"]),
    );
    const ref = await client.uploadAttachment({
      filename: "hello.bin",
      content: streamOf(sampleBytes(2_500), 700),
    });
    expect(ref).toEqual({
      objectKey: expect.any(String),
      filename: "hello.bin",
      contentType: "application/octet-stream",
      size: 2_500,
    });
    const { url } = await client.requestAttachmentDownload(ref.objectKey);
    const response = await fetch(url);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(sampleBytes(2_500));
    // Another agent's upload is not found.
    expect((await errorOf(platform.inbox.requestAttachmentDownload(ref.objectKey))).code).toBe(
      "not_found",
    );
  });

  it("storage answers in S3 XML: a stream over maxBytes is payload_too_large", async () => {
    const client = createAgentMailClient({
      baseUrl: platform.server.url,
      token: platform.senderToken,
    });
    const error = await errorOf(
      client.uploadAttachment({
        filename: "big.bin",
        content: streamOf(sampleBytes(5_000)),
        maxBytes: 1_000,
      }),
    );
    expect([error.code, error.status]).toEqual(["payload_too_large", 400]);
    expect(error.message).toMatch(/EntityTooLarge/);
  });

  it("rejects bad filenames without sending anything", async () => {
    const client = createAgentMailClient({
      baseUrl: platform.server.url,
      token: platform.senderToken,
    });
    platform.server.requests.clear();
    expect(
      (await errorOf(client.uploadAttachment({ filename: "../etc/passwd", content: "x" }))).message,
    ).toMatch(/filename is invalid \(expected a base name/);
    expect(
      (await errorOf(client.uploadAttachment({ filename: "a\r\nb.txt", content: "x" }))).code,
    ).toBe("header_injection");
    expect((await errorOf(client.requestAttachmentDownload(""))).code).toBe("invalid_options");
    expect(platform.server.requests.count()).toBe(0);
  });
});

describe("every client entry point rejects unknown options by name, before any request", () => {
  const calls: [
    string,
    (client: ReturnType<typeof createAgentMailClient>) => Promise<unknown>,
    string,
  ][] = [
    ["listInbox query", (c) => c.listInbox({ verifed: true } as never), "verifed"],
    ["listInbox options", (c) => c.listInbox({}, { timeout: 1 } as never), "timeout"],
    ["iterInbox query", (c) => c.iterInbox({ pageSize: 5 } as never).next(), "pageSize"],
    ["getMessage options", (c) => c.getMessage("m", { cache: true } as never), "cache"],
    ["fetchMessage options", (c) => c.fetchMessage("m", { decrypt: true } as never), "decrypt"],
    ["deleteMessage options", (c) => c.deleteMessage("m", { force: true } as never), "force"],
    [
      "requestAttachmentUpload input",
      (c) =>
        c.requestAttachmentUpload({
          filename: "a",
          contentType: "text/plain",
          maxBytes: 1,
          ttl: 5,
        } as never),
      "ttl",
    ],
    [
      "uploadAttachment input",
      (c) => c.uploadAttachment({ filename: "a", content: "x", name: "b" } as never),
      "name",
    ],
    [
      "requestAttachmentDownload options",
      (c) => c.requestAttachmentDownload("k", { expires: 5 } as never),
      "expires",
    ],
  ];
  for (const [what, call, key] of calls) {
    it(what, async () => {
      const client = createAgentMailClient({
        baseUrl: platform.server.url,
        token: platform.senderToken,
      });
      platform.server.requests.clear();
      const error = await errorOf(call(client));
      expect(error.code).toMatch(/^invalid_(options|attachment)$/);
      expect(error.message).toContain(`unknown option "${key}"`);
      expect(platform.server.requests.count()).toBe(0);
    });
  }

  it("delays past setTimeout's limit (2^31 - 1 ms) are invalid_options naming the option", async () => {
    const client = createAgentMailClient({
      baseUrl: platform.server.url,
      token: platform.receiverToken,
    });
    platform.server.requests.clear();
    for (const key of ["pollIntervalMs", "maxPollMs"] as const) {
      const error = await errorOf(client.fetchMessage("m", { [key]: 2_147_483_648 }));
      expect([error.code, error.message]).toEqual([
        "invalid_options",
        expect.stringMatching(new RegExp(`^fetchMessage options: ${key} is invalid`)),
      ]);
    }
    expect(platform.server.requests.count()).toBe(0);
    for (const key of ["backoffLimitMs", "maxRetryAfterMs"] as const) {
      expect(() =>
        createAgentMailClient({
          baseUrl: platform.server.url,
          token: "t0ken",
          retry: { [key]: 2 ** 31 },
        }),
      ).toThrow(new RegExp(`createAgentMailClient options: retry\\.${key} is invalid`));
    }
  });

  it("createAgentMailClient", () => {
    expect(() =>
      createAgentMailClient({
        baseUrl: platform.server.url,
        token: "t0ken",
        mailDomian: "x",
      } as never),
    ).toThrow(/unknown option "mailDomian"/);
  });
});
