import { AgentMailError, DirectoryRecordSchema } from "@assmbl/core";
import { describe, expect, it } from "vitest";
import { DevStore } from "./store.js";
import { armoredKey, registerBody, spkiPem } from "./testing/helpers.js";

const PEER_ARMORED = armoredKey("peer@agents.localhost");

const request = (overrides: Record<string, unknown> = {}) =>
  registerBody(overrides) as unknown as Parameters<DevStore["register"]>[1];

async function errorOf(run: () => unknown): Promise<AgentMailError> {
  try {
    await run();
  } catch (error) {
    if (AgentMailError.is(error)) return error;
    throw error;
  }
  throw new Error("expected an AgentMailError");
}

describe("DevStore", () => {
  it("adds agents and finds them by id (any case) and token", async () => {
    const store = new DevStore({ mailDomain: "Agents.Test" });
    expect(store.mailDomain).toBe("agents.test");
    const added = await store.addAgent({ agentId: "Peer", token: "tok-peer" });
    expect(added).toEqual({
      agentId: "peer",
      token: "tok-peer",
      ses: { accessKeyId: expect.stringMatching(/^AKIADEV/), secretAccessKey: expect.any(String) },
      pricing: { pricing_model: "free", base_price: 0 },
      key: null,
    });
    expect(store.agent("PEER")).toEqual(added);
    expect(store.agentByToken("tok-peer")?.agentId).toBe("peer");
    expect(store.agentBySesAccessKey(added.ses.accessKeyId)?.agentId).toBe("peer");
    expect(store.agentBySesAccessKey("AKIADEVNOSUCHKEY0000")).toBeUndefined();
    expect(store.agentByToken("tok-other")).toBeUndefined();
    expect(store.agent("no such id!")).toBeUndefined();
    expect(store.agent(undefined as unknown as string)).toBeUndefined();
    expect(store.agents().map((agent) => agent.agentId)).toEqual(["peer"]);
    expect(new DevStore().mailDomain).toBe("agents.localhost");
  });

  it("a seeded key is version 1 and its record parses with core's schema", async () => {
    const store = new DevStore();
    await store.addAgent({
      agentId: "peer",
      publicKey: spkiPem("ed25519"),
      openpgpPublicKey: PEER_ARMORED,
    });
    const record = store.directoryRecord("peer");
    expect(DirectoryRecordSchema.parse(record)).toMatchObject({
      agent_id: "peer",
      algorithm: "Ed25519",
      key_version: 1,
      key_status: "active",
      openpgp_public_key: PEER_ARMORED,
    });
  });

  it("hands out snapshots that do not change the store", async () => {
    const store = new DevStore();
    await store.addAgent({ agentId: "peer", publicKey: spkiPem("ed25519") });
    const agent = store.agent("peer");
    if (agent?.key) agent.key.keyStatus = "revoked";
    const pricing = store.pricing("peer");
    if (pricing) pricing.pricing_model = "changed";
    expect(store.agent("peer")?.key?.keyStatus).toBe("active");
    expect(store.pricing("peer")?.pricing_model).toBe("free");
  });

  it("register enforces if_match_version and a growing key_version", async () => {
    const store = new DevStore();
    await store.addAgent({ agentId: "me" });
    expect(await store.register("me", request())).toMatchObject({ agent_id: "me", key_version: 1 });
    expect((await errorOf(() => store.register("me", request()))).code).toBe(
      "key_version_conflict",
    );
    expect(
      (await errorOf(() => store.register("me", request({ key_version: 1, if_match_version: 1 }))))
        .status,
    ).toBe(409);
    expect(
      (await store.register("me", request({ key_version: 5, if_match_version: 1 }))).key_version,
    ).toBe(5);
  });

  it("revoke keeps the record, drops the OpenPGP key, and register re-activates", async () => {
    const store = new DevStore();
    const armored = armoredKey("me@agents.localhost");
    await store.addAgent({
      agentId: "me",
      publicKey: spkiPem("ed25519"),
      openpgpPublicKey: armored,
    });
    expect(store.revoke("me")).toEqual({ agent_id: "me", revoked: true });
    expect(store.revoke("ME")).toEqual({ agent_id: "me", revoked: true });
    expect(store.directoryRecord("me")).toMatchObject({
      key_status: "revoked",
      openpgp_public_key: null,
    });
    await store.register(
      "me",
      request({ key_version: 2, if_match_version: 1, openpgp_public_key: armored }),
    );
    expect(store.directoryRecord("me")).toMatchObject({
      key_status: "active",
      openpgp_public_key: armored,
    });
  });

  it("answers agent_not_found for unknown agents and keyless revocation", async () => {
    const store = new DevStore();
    await store.addAgent({ agentId: "keyless" });
    expect(await errorOf(() => store.revoke("keyless"))).toMatchObject({
      code: "agent_not_found",
      status: 404,
    });
    expect((await errorOf(() => store.revoke("nobody"))).code).toBe("agent_not_found");
    expect((await errorOf(() => store.register("nobody", request()))).code).toBe("agent_not_found");
    expect(store.directoryRecord("keyless")).toBeUndefined();
    expect(store.pricing("nobody")).toBeUndefined();
  });

  it("checks keys: SPKI only, algorithm fits, armored key size", async () => {
    const store = new DevStore();
    await store.addAgent({ agentId: "me" });
    expect((await errorOf(() => store.register("me", request({ public_key: "x" })))).code).toBe(
      "invalid_request",
    );
    expect(
      (
        await errorOf(() =>
          store.register("me", request({ public_key: spkiPem("rsa1024"), algorithm: "RSA" })),
        )
      ).message,
    ).toMatch(/rsa 1024 key/);
    expect(
      await errorOf(() =>
        store.register("me", request({ openpgp_public_key: "k".repeat(64 * 1024 + 1) })),
      ),
    ).toMatchObject({ code: "key_too_large", status: 413 });
    expect(
      (await store.register("me", request({ public_key: spkiPem("rsa3072"), algorithm: "RSA" })))
        .key_version,
    ).toBe(1);
    expect(store.directoryRecord("me")?.algorithm).toBe("RSA");
  });

  it("delivers raw messages to an agent's inbox, oldest first, reading sender and subject", async () => {
    const store = new DevStore();
    await store.addAgent({ agentId: "peer" });
    const raw = new TextEncoder().encode(
      'From: "A" <a@x.example>\r\nSubject: =?UTF-8?Q?caf=C3=A9?=\r\n\r\nbody\r\n',
    );
    const first = store.deliver("PEER", raw, { receivedAt: new Date(0), sesMessageId: "ses-1" });
    expect(first).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      agentId: "peer",
      raw,
      sender: "a@x.example",
      senderVerified: false,
      subject: "café",
      receivedAt: new Date(0),
      labels: [],
      isRead: false,
      isArchived: false,
      sesMessageId: "ses-1",
    });
    const second = store.deliver("peer", "Subject: no from\r\n\r\n", {
      sender: "envelope@y.example",
    });
    expect(second).toMatchObject({ sender: "envelope@y.example", subject: "no from" });
    expect(second.sesMessageId).toBeUndefined();
    expect(store.deliver("peer", "no headers at all").subject).toBe("");
    expect(store.inbox("peer").map((message) => message.id)).toEqual([
      first.id,
      second.id,
      expect.any(String),
    ]);
    expect(new Set(store.inbox("peer").map((message) => message.id)).size).toBe(3);
  });

  it("inbox messages are copies, and unknown agents have none and cannot receive", async () => {
    const store = new DevStore();
    await store.addAgent({ agentId: "peer" });
    const raw = new TextEncoder().encode("Subject: s\r\n\r\nbody");
    store.deliver("peer", raw);
    raw[0] = 0x58;
    const [copy] = store.inbox("peer");
    if (copy) {
      copy.raw[1] = 0x58;
      copy.receivedAt.setTime(0);
    }
    const [stored] = store.inbox("peer");
    expect(new TextDecoder().decode(stored?.raw)).toBe("Subject: s\r\n\r\nbody");
    expect(stored?.receivedAt.getTime()).not.toBe(0);
    expect(store.inbox("nobody")).toEqual([]);
    expect(store.inbox("not a valid id!")).toEqual([]);
    expect((await errorOf(() => store.deliver("nobody", "x"))).code).toBe("agent_not_found");
  });

  it("arranges message state for tests: labels, read, archived, deletion; unknown ids are not_found", async () => {
    const store = new DevStore();
    await store.addAgent({ agentId: "peer" });
    const message = store.deliver("peer", "Subject: s\r\n\r\n", { labels: ["start"] });
    expect(store.message(message.id)?.labels).toEqual(["start"]);
    const updated = store.updateMessage(message.id, { labels: ["a", "b", "a"], isRead: true });
    expect(updated).toMatchObject({ labels: ["a", "b"], isRead: true, isArchived: false });
    updated.labels.push("mutated");
    expect(store.updateMessage(message.id, { isArchived: true })).toMatchObject({
      labels: ["a", "b"],
      isRead: true,
      isArchived: true,
    });
    expect(
      await errorOf(() => store.updateMessage(message.id, { read: true } as never)),
    ).toMatchObject({
      code: "invalid_options",
      message: expect.stringContaining('"read"'),
    });
    expect((await errorOf(() => store.updateMessage("nope", {}))).code).toBe("not_found");
    expect(store.deleteMessage(message.id)).toBe(true);
    expect(store.deleteMessage(message.id)).toBe(false);
    expect(store.message(message.id)).toBeUndefined();
    expect(store.inbox("peer")).toEqual([]);
  });

  it("computes attachment status from attachmentProcessingMs, unless a test set one", async () => {
    const slow = new DevStore({ attachmentProcessingMs: 60_000 });
    await slow.addAgent({ agentId: "peer" });
    const message = slow.deliver("peer", "Subject: s\r\n\r\n");
    expect(slow.attachmentStatus(message.id, 0)).toBe("pending");
    slow.setAttachmentStatus(message.id, 0, "failed");
    expect(slow.attachmentStatus(message.id, 0)).toBe("failed");
    expect(slow.attachmentStatus(message.id, 1)).toBe("pending");
    slow.setAttachmentStatus(message.id, 0, null);
    expect(slow.attachmentStatus(message.id, 0)).toBe("pending");
    expect((await errorOf(() => slow.setAttachmentStatus(message.id, -1, "failed"))).code).toBe(
      "invalid_options",
    );
    expect(
      (await errorOf(() => slow.setAttachmentStatus(message.id, 0, "broken" as never))).code,
    ).toBe("invalid_options");
    expect((await errorOf(() => slow.attachmentStatus("nope", 0))).code).toBe("not_found");

    const fast = new DevStore();
    await fast.addAgent({ agentId: "peer" });
    expect(fast.attachmentStatus(fast.deliver("peer", "x").id, 0)).toBe("ready");
    expect((await errorOf(() => new DevStore({ attachmentProcessingMs: -1 }))).code).toBe(
      "invalid_options",
    );
    expect((await errorOf(() => new DevStore({ mailDomian: "x" } as never))).message).toContain(
      '"mailDomian"',
    );
  });

  it("pages an inbox by cursor, oldest first", async () => {
    const store = new DevStore();
    await store.addAgent({ agentId: "peer" });
    for (const subject of ["a", "b", "c"]) store.deliver("peer", `Subject: ${subject}\r\n\r\n`);
    const first = store.inboxPage("peer", { limit: 2 });
    expect(first.messages.map((message) => message.subject)).toEqual(["a", "b"]);
    const second = store.inboxPage("peer", { limit: 2, cursor: first.nextCursor ?? "" });
    expect(second).toMatchObject({ nextCursor: null, messages: [{ subject: "c" }] });
    expect(store.inboxPage("nobody")).toEqual({ messages: [], nextCursor: null });
    expect((await errorOf(() => store.inboxPage("peer", { cursor: "garbage" }))).code).toBe(
      "invalid_request",
    );
    // JSON that is no object (null used to reach Object.keys and throw a TypeError).
    for (const json of ["null", "[]", '[{"after":1}]', "1", '"after"', "true"]) {
      const cursor = Buffer.from(json).toString("base64url");
      expect(await errorOf(() => store.inboxPage("peer", { cursor }))).toMatchObject({
        code: "invalid_request",
        message: expect.stringContaining("cursor"),
      });
    }
  });

  it("keeps uploaded objects as copies, checked on the way in", async () => {
    const store = new DevStore();
    const bytes = new Uint8Array([1, 2, 3]);
    store.objects.put({
      key: "uploads/peer/1-a.bin",
      agentId: "Peer",
      contentType: "application/octet-stream",
      bytes,
    });
    bytes[0] = 9;
    expect(store.objects.get("uploads/peer/1-a.bin")).toMatchObject({
      agentId: "peer",
      kind: "upload",
      fileName: "1-a.bin",
      bytes: new Uint8Array([1, 2, 3]),
    });
    expect(store.objects.ownUpload("uploads/peer/1-a.bin", "peer")).toBeDefined();
    expect(store.objects.ownUpload("uploads/peer/1-a.bin", "other")).toBeUndefined();
    expect(store.objects.keys()).toEqual(["uploads/peer/1-a.bin"]);
    expect(
      await errorOf(() => store.objects.put({ key: "", agentId: "peer", contentType: "x", bytes })),
    ).toMatchObject({
      code: "invalid_options",
      message: expect.stringContaining("key"),
    });
    expect(store.objects.delete("uploads/peer/1-a.bin")).toBe(true);
    expect(store.objects.get("uploads/peer/1-a.bin")).toBeUndefined();
  });

  it("tells uploads from received attachments: only an agent's own uploads are its uploads", async () => {
    const store = new DevStore();
    const bytes = new Uint8Array([1]);
    store.objects.put({
      key: "messages/peer/m1/0",
      agentId: "peer",
      kind: "attachment",
      fileName: "page.html",
      contentType: "text/html",
      bytes,
    });
    expect(store.objects.get("messages/peer/m1/0")).toMatchObject({
      kind: "attachment",
      fileName: "page.html",
    });
    expect(store.objects.ownUpload("messages/peer/m1/0", "peer")).toBeUndefined();
    store.objects.grant("uploads/peer/u-r.pdf", "peer", "r.pdf");
    expect(store.objects.grantOf("uploads/peer/u-r.pdf")).toEqual({
      agentId: "peer",
      fileName: "r.pdf",
    });
    expect(store.objects.grantOf("uploads/peer/other")).toBeUndefined();
    expect(
      await errorOf(() =>
        store.objects.put({
          key: "k",
          agentId: "peer",
          contentType: "x",
          bytes,
          kind: "received" as never,
        }),
      ),
    ).toMatchObject({ code: "invalid_options", message: expect.stringContaining("kind") });
  });
});
