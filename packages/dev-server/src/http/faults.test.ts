import { randomBytes } from "node:crypto";
import { Routes } from "@assmbl/core";
import { useSesClients } from "@assmbl/testing/ses";
import { SendRawEmailCommand } from "@aws-sdk/client-ses";
import { describe, expect, it, vi } from "vitest";
import { createDevApp } from "../app.js";
import { FaultInjector } from "../faults.js";
import { SendOutbox } from "../send/outbox.js";
import { DevStore } from "../store.js";
import { expectProblem, useServers } from "../testing/helpers.js";
import {
  call,
  MY_TOKEN,
  OTHER_TOKEN,
  PLATFORM_AGENTS,
  requestUpload,
  s3Code,
  send,
  uploadForm,
} from "../testing/platform.js";
import { DroppedResponseError } from "./faults.js";

const serve = useServers();
const sesClients = useSesClients();
const BODY = {
  to: "other-agent@agents.localhost",
  subject: "Task",
  body: "Hello",
  idempotency_key: "idem-f",
};

describe("faults", () => {
  it("drop: the send is committed, the client gets a network error, and a retry replays the first response", async () => {
    const server = await serve({ agents: PLATFORM_AGENTS, faults: { queue: ["drop"] } });
    const error = await send(server, MY_TOKEN, BODY).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
    expect(server.store.inbox("other-agent")).toHaveLength(1);
    expect(server.sent.messages()).toHaveLength(1);
    const retry = await send(server, MY_TOKEN, BODY);
    expect(retry.status).toBe(200);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect((await retry.json()).message_id).toBe(server.sent.messages()[0]?.messageId);
    expect(server.store.inbox("other-agent")).toHaveLength(1);
  });

  it("fail: 503 server_error with Retry-After: 0, nothing done, and the key stays unused", async () => {
    const server = await serve({ agents: PLATFORM_AGENTS });
    server.setFaults({ queue: ["fail"] });
    const failed = await send(server, MY_TOKEN, BODY);
    expect(failed.headers.get("retry-after")).toBe("0");
    await expectProblem(failed, 503, "server_error");
    expect(server.store.inbox("other-agent")).toEqual([]);
    expect(server.sent.messages()).toEqual([]);
    const ok = await send(server, MY_TOKEN, BODY);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("idempotent-replayed")).toBeNull();
  });

  it("rate_limit: 429 rate_limited with the configured Retry-After, nothing done; setFaults({}) clears", async () => {
    const server = await serve({
      agents: PLATFORM_AGENTS,
      faults: { rateLimitRate: 1, retryAfterSeconds: 7 },
    });
    for (let i = 0; i < 3; i += 1) {
      const limited = await send(server, MY_TOKEN, BODY);
      expect(limited.headers.get("retry-after")).toBe("7");
      await expectProblem(limited, 429, "rate_limited");
    }
    expect(server.sent.messages()).toEqual([]);
    server.setFaults({});
    expect((await send(server, MY_TOKEN, BODY)).status).toBe(200);
  });

  it("faults every API route and storage URL by default (storage in S3's XML), never the SES endpoint or unknown paths", async () => {
    const server = await serve({ agents: PLATFORM_AGENTS });
    const { upload } = await requestUpload(server, MY_TOKEN, {
      file_name: "a.bin",
      content_type: "application/octet-stream",
      max_bytes: 10,
    });
    server.setFaults({ failRate: 1 });
    for (const path of [Routes.listInbox.path, "/messages/x", "/public/agents/my-agent"]) {
      await expectProblem(await call(server, path, MY_TOKEN), 503, "server_error");
    }
    const stored = await fetch(upload.url, {
      method: "POST",
      body: uploadForm(upload.fields, new Uint8Array(3)),
    });
    expect(stored.status).toBe(503);
    expect(stored.headers.get("retry-after")).toBe("0");
    expect(await s3Code(stored)).toBe("ServiceUnavailable");
    await expectProblem(await call(server, "/no/such/route", MY_TOKEN), 404, "not_found");
    const raw = new TextEncoder().encode(
      "From: my-agent@agents.localhost\r\nTo: other-agent@agents.localhost\r\nSubject: s\r\n\r\nb\r\n",
    );
    const { MessageId } = await sesClients(server).v1.send(
      new SendRawEmailCommand({ RawMessage: { Data: raw } }),
    );
    expect(MessageId).toEqual(expect.any(String));
  });

  it("paths selects exactly the faulted paths", async () => {
    const server = await serve({
      agents: PLATFORM_AGENTS,
      faults: { failRate: 1, paths: /^\/inbox$/ },
    });
    expect((await send(server, MY_TOKEN, BODY)).status).toBe(200);
    await expectProblem(
      await call(server, Routes.listInbox.path, OTHER_TOKEN),
      503,
      "server_error",
    );
  });

  it("drop on an upload: the object is stored though the client hears nothing", async () => {
    const server = await serve({ agents: PLATFORM_AGENTS });
    const { object_key, upload } = await requestUpload(server, MY_TOKEN, {
      file_name: "a.bin",
      content_type: "application/octet-stream",
      max_bytes: 100,
    });
    server.setFaults({ queue: ["drop"] });
    const bytes = randomBytes(100);
    const error = await fetch(upload.url, {
      method: "POST",
      body: uploadForm(upload.fields, bytes),
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
    expect(Buffer.from(server.store.objects.get(object_key)?.bytes ?? []).equals(bytes)).toBe(true);
  });

  it("latencyMs holds a faulted request for exactly that long before it is handled (fake clock), then answers it normally", async () => {
    const store = new DevStore();
    const { token } = await store.addAgent({ agentId: "my-agent" });
    await store.addAgent({ agentId: "other-agent" });
    const sent = new SendOutbox();
    const faults = new FaultInjector({ latencyMs: 5_000, paths: /^\/send$/ });
    const app = createDevApp(store, { sent, faults });
    // In-process (app.request): with setTimeout faked, nothing but the fault's delay can be
    // waiting on a timer, and the test moves the clock itself instead of measuring one.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      let answered = false;
      const request = Promise.resolve(
        app.request(Routes.send.path, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          body: JSON.stringify(BODY),
        }),
      ).then((response) => {
        answered = true;
        return response;
      });
      // An unfaulted path is answered while the faulted request still waits.
      const inbox = await app.request(Routes.listInbox.path, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(inbox.status).toBe(200);
      await new Promise((resolve) => setImmediate(resolve));
      expect(vi.getTimerCount()).toBe(1);
      expect(answered).toBe(false);
      expect(sent.messages()).toEqual([]);

      await vi.advanceTimersByTimeAsync(4_999);
      expect(answered).toBe(false);
      expect(sent.messages()).toEqual([]);

      await vi.advanceTimersByTimeAsync(1);
      const response = await request;
      expect(response.status).toBe(200);
      expect(sent.messages()).toHaveLength(1);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it("refuses bad faults with invalid_options naming the key, at start and in setFaults", async () => {
    await expect(serve({ faults: { failRate: 2 } })).rejects.toMatchObject({
      code: "invalid_options",
      message: expect.stringContaining("faults.failRate"),
    });
    const server = await serve({ agents: PLATFORM_AGENTS, faults: { queue: ["fail"] } });
    expect(() => server.setFaults({ dropRate: 0.5 } as never)).toThrow(
      expect.objectContaining({ message: expect.stringContaining('"dropRate"') }),
    );
    // A refused set changes nothing.
    await expectProblem(await call(server, Routes.listInbox.path, MY_TOKEN), 503, "server_error");
  });

  it("in-process (no socket to cut), a dropped response makes app.request() reject after committing", async () => {
    const store = new DevStore();
    const { token } = await store.addAgent({ agentId: "my-agent" });
    await store.addAgent({ agentId: "other-agent" });
    const sent = new SendOutbox();
    const app = createDevApp(store, { sent, faults: new FaultInjector({ queue: ["drop"] }) });
    const request = app.request(Routes.send.path, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify(BODY),
    });
    await expect(request).rejects.toBeInstanceOf(DroppedResponseError);
    expect(sent.messages()).toHaveLength(1);
    expect(store.inbox("other-agent")).toHaveLength(1);
  });
});
