import { randomBytes } from "node:crypto";
import {
  AgentMailHeaders,
  decodeManifest,
  encodeManifest,
  InboxPageSchema,
  Routes,
  SendResponseSchema,
} from "@assmbl/core";
import { parseWithPython } from "@assmbl/testing/ses";
import { afterEach, describe, expect, it, vi } from "vitest";
import { IdempotencyLedger } from "../send/idempotency.js";
import { armoredCiphertext, expectProblem, postJson, useServers } from "../testing/helpers.js";
import {
  call,
  MY_TOKEN,
  OTHER_TOKEN,
  PLATFORM_AGENTS,
  pythonAttachments,
  requestUpload,
  send,
  upload,
} from "../testing/platform.js";

const serve = useServers();
afterEach(() => {
  vi.restoreAllMocks();
});
const ARMORED_MESSAGE = armoredCiphertext();
const OTHER = "other-agent@agents.localhost";
const BASIC = { to: OTHER, subject: "Task", body: "Hello" };

async function platform() {
  return serve({ agents: PLATFORM_AGENTS });
}

describe(`${Routes.send.method} ${Routes.send.path}`, () => {
  it("composes the MIME with the X-AgentMail headers and uploaded attachments, and delivers it to every local recipient", async () => {
    const server = await platform();
    const binary = randomBytes(5000);
    const binaryKey = await upload(
      server,
      MY_TOKEN,
      "data.bin",
      "application/octet-stream",
      binary,
    );
    const armored = new TextEncoder().encode(ARMORED_MESSAGE);
    const encKey = await upload(
      server,
      MY_TOKEN,
      "report.pdf.asc",
      "application/pgp-encrypted",
      armored,
    );
    const response = await send(server, MY_TOKEN, {
      to: [OTHER, "Someone Else <someone@elsewhere.example>"],
      cc: ["third-agent@agents.localhost"],
      bcc: ["MY-AGENT@Agents.Localhost"],
      subject: "Quarterly report – é",
      body: "See attached.",
      headers: { "X-Workflow-Name": "nightly-report" },
      attachments: [
        { object_key: binaryKey, filename: "data.bin", content_type: "application/octet-stream" },
        {
          object_key: encKey,
          filename: "report.pdf.asc",
          content_type: "application/pgp-encrypted",
        },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("idempotent-replayed")).toBeNull();
    const json = await response.json();
    expect(Object.keys(json)).toEqual([
      "message_id",
      "correlation_id",
      "idempotency_key",
      "reservation_key",
      "recipients",
    ]);
    expect(json.recipients).toEqual([
      { address: OTHER, status: "delivered" },
      { address: "someone@elsewhere.example", status: "outbound" },
      { address: "third-agent@agents.localhost", status: "delivered" },
      { address: "MY-AGENT@agents.localhost", status: "delivered" },
    ]);
    const result = SendResponseSchema.parse(json);
    expect(result.correlation_id).toMatch(/^corr_[0-9a-f-]{36}$/);
    expect(result.reservation_key).toMatch(/^rsv_[0-9a-f-]{36}$/);
    expect(result.idempotency_key).toBeNull();

    const [received] = server.store.inbox("other-agent");
    expect(received).toBeDefined();
    const raw = received?.raw ?? new Uint8Array();
    const parsed = await parseWithPython(raw);
    expect(parsed.defects).toEqual([]);
    expect(parsed.from).toEqual([["", "my-agent@agents.localhost"]]);
    expect(parsed.to).toEqual([
      ["", OTHER],
      ["Someone Else", "someone@elsewhere.example"],
    ]);
    expect(parsed.cc).toEqual([["", "third-agent@agents.localhost"]]);
    expect(parsed.hasBcc).toBe(false);
    expect(parsed.subject).toBe("Quarterly report – é");
    expect(parsed.messageId).toBe(`<${result.message_id}>`);
    expect(parsed.text?.trim()).toBe("See attached.");
    expect(parsed.headers[AgentMailHeaders.correlationId]).toBe(result.correlation_id);
    expect(parsed.headers["X-Workflow-Name"]).toBe("nightly-report");
    expect(parsed.headers[AgentMailHeaders.idempotencyKey]).toBeUndefined();
    // The server wrote the manifest: object keys, sizes, and the encrypted row flagged.
    expect(decodeManifest(parsed.headers[AgentMailHeaders.attachments] ?? "")).toEqual([
      {
        index: 0,
        filename: "data.bin",
        content_type: "application/octet-stream",
        size: 5000,
        encrypted: false,
        object_key: binaryKey,
      },
      {
        index: 1,
        filename: "report.pdf.asc",
        content_type: "application/pgp-encrypted",
        size: armored.byteLength,
        encrypted: true,
        encryption: { algorithm: "openpgp", format: "armored" },
        object_key: encKey,
      },
    ]);
    const attachments = await pythonAttachments(raw);
    expect(attachments.map((a) => [a.filename, a.contentType])).toEqual([
      ["data.bin", "application/octet-stream"],
      ["report.pdf.asc", "application/pgp-encrypted"],
    ]);
    expect(attachments[0]?.bytes.equals(binary)).toBe(true);
    expect(attachments[1]?.bytes.equals(Buffer.from(armored))).toBe(true);

    // Same bytes to every local recipient (Bcc included), none to the outside address.
    for (const agent of ["third-agent", "my-agent"]) {
      expect(Buffer.from(server.store.inbox(agent)[0]?.raw ?? []).equals(Buffer.from(raw))).toBe(
        true,
      );
    }
    const [sent] = server.sent.messages();
    expect(sent).toMatchObject({
      messageId: result.message_id,
      agentId: "my-agent",
      correlationId: result.correlation_id,
      reservationKey: result.reservation_key,
      idempotencyKey: null,
      deliveredTo: ["other-agent", "third-agent", "my-agent"],
    });
    expect(Buffer.from(sent?.raw ?? []).equals(Buffer.from(raw))).toBe(true);

    const page = InboxPageSchema.parse(
      await (await call(server, Routes.listInbox.path, OTHER_TOKEN)).json(),
    );
    expect(page.items[0]).toMatchObject({
      Sender: "my-agent@agents.localhost",
      SenderVerified: true,
      Subject: "Quarterly report – é",
    });
  });

  it("keeps the caller's correlation id, idempotency key and marketplace request id, in the MIME and the answer", async () => {
    const server = await platform();
    const response = await send(server, MY_TOKEN, {
      ...BASIC,
      correlation_id: "corr-123",
      idempotency_key: "idem-123",
      marketplace_request_id: "mkt-9",
      usage: { tokens_input: 12 },
      html: "<p>Hello</p>",
      reply_to: ["replies@agents.localhost"],
    });
    const result = SendResponseSchema.parse(await response.json());
    expect(result).toMatchObject({ correlation_id: "corr-123", idempotency_key: "idem-123" });
    const parsed = await parseWithPython(
      server.store.inbox("other-agent")[0]?.raw ?? new Uint8Array(),
    );
    expect(parsed.headers[AgentMailHeaders.correlationId]).toBe("corr-123");
    expect(parsed.headers[AgentMailHeaders.idempotencyKey]).toBe("idem-123");
    expect(parsed.headers[AgentMailHeaders.marketplaceRequestId]).toBe("mkt-9");
    expect(parsed.html?.trim()).toBe("<p>Hello</p>");
    expect(parsed.replyTo).toEqual([["", "replies@agents.localhost"]]);
    expect(server.sent.messages()[0]?.request.usage).toEqual({ tokens_input: 12 });
  });

  it("sends an encrypted body as is, with X-AgentMail-Encrypted (whatever case the caller used)", async () => {
    const server = await platform();
    const response = await send(server, MY_TOKEN, {
      ...BASIC,
      body: ARMORED_MESSAGE,
      headers: { "x-agentmail-encrypted": "body" },
    });
    expect(response.status).toBe(200);
    const parsed = await parseWithPython(
      server.store.inbox("other-agent")[0]?.raw ?? new Uint8Array(),
    );
    expect(parsed.headers[AgentMailHeaders.encrypted]).toBe("body");
    expect(parsed.text?.replace(/\r\n/g, "\n")).toBe(ARMORED_MESSAGE);
  });

  it("uses the caller's manifest when its rows name the attachments in order", async () => {
    const server = await platform();
    const key = await upload(
      server,
      MY_TOKEN,
      "r.pdf.asc",
      "application/pgp-encrypted",
      new TextEncoder().encode(ARMORED_MESSAGE),
    );
    const manifest = encodeManifest([
      {
        index: 0,
        filename: "r.pdf.asc",
        content_type: "application/pgp-encrypted",
        encrypted: true,
        encryption: { algorithm: "openpgp", format: "armored" },
        original_filename: "r.pdf",
        original_content_type: "application/pdf",
        object_key: key,
      },
    ]);
    const response = await send(server, MY_TOKEN, {
      ...BASIC,
      headers: { [AgentMailHeaders.attachments]: manifest },
      attachments: [
        { object_key: key, filename: "r.pdf.asc", content_type: "application/pgp-encrypted" },
      ],
    });
    expect(response.status).toBe(200);
    const parsed = await parseWithPython(
      server.store.inbox("other-agent")[0]?.raw ?? new Uint8Array(),
    );
    expect(decodeManifest(parsed.headers[AgentMailHeaders.attachments] ?? "")[0]).toMatchObject({
      original_filename: "r.pdf",
      original_content_type: "application/pdf",
      object_key: key,
      size: ARMORED_MESSAGE.length,
    });
  });

  it("accepts a caller's manifest written as RFC 2047 encoded words, as Python writes long headers", async () => {
    const server = await platform();
    const key = await upload(
      server,
      MY_TOKEN,
      "notes.txt",
      "text/plain",
      new TextEncoder().encode("hi"),
    );
    const json = encodeManifest([
      {
        index: 0,
        filename: "notes.txt",
        content_type: "text/plain",
        encrypted: false,
        object_key: key,
      },
    ]);
    // Split mid-JSON into a b-word and a q-word, as Python's policy.default folds a long value.
    const half = Math.floor(json.length / 2);
    const words = `=?utf-8?b?${Buffer.from(json.slice(0, half)).toString("base64")}?= =?utf-8?q?${json
      .slice(half)
      .replace(
        /[^A-Za-z0-9]/g,
        (c) => `=${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`,
      )}?=`;
    const response = await send(server, MY_TOKEN, {
      ...BASIC,
      headers: { [AgentMailHeaders.attachments]: words },
      attachments: [{ object_key: key, filename: "notes.txt", content_type: "text/plain" }],
    });
    expect(response.status).toBe(200);
    const parsed = await parseWithPython(
      server.store.inbox("other-agent")[0]?.raw ?? new Uint8Array(),
    );
    expect(decodeManifest(parsed.headers[AgentMailHeaders.attachments] ?? "")[0]).toMatchObject({
      filename: "notes.txt",
      object_key: key,
    });
  });

  it("accepts a caller's manifest for several attachments in order (media types compared case-insensitively)", async () => {
    const server = await platform();
    const pdf = await upload(server, MY_TOKEN, "r.pdf", "application/pdf", randomBytes(40));
    const txt = await upload(server, MY_TOKEN, "n.txt", "text/plain", randomBytes(30));
    const manifest = encodeManifest([
      {
        index: 0,
        filename: "r.pdf",
        content_type: "Application/PDF",
        encrypted: false,
        object_key: pdf,
      },
      {
        index: 1,
        filename: "n.txt",
        content_type: "text/plain",
        encrypted: false,
        object_key: txt,
      },
    ]);
    const response = await send(server, MY_TOKEN, {
      ...BASIC,
      headers: { [AgentMailHeaders.attachments]: manifest },
      attachments: [
        { object_key: pdf, filename: "r.pdf", content_type: "application/pdf" },
        { object_key: txt, filename: "n.txt", content_type: "text/plain" },
      ],
    });
    expect(response.status).toBe(200);
    const parts = await pythonAttachments(
      server.store.inbox("other-agent")[0]?.raw ?? new Uint8Array(),
    );
    expect(parts.map((part) => [part.filename, part.contentType])).toEqual([
      ["r.pdf", "application/pdf"],
      ["n.txt", "text/plain"],
    ]);
  });

  describe("refusals (nothing is sent)", () => {
    async function refused(
      build: (
        server: Awaited<ReturnType<typeof platform>>,
      ) => Promise<Record<string, unknown>> | Record<string, unknown>,
      status: number,
      code: string,
    ): Promise<string> {
      const server = await platform();
      const body = await build(server);
      const message = await expectProblem(await send(server, MY_TOKEN, body), status, code);
      expect(server.store.inbox("other-agent")).toEqual([]);
      expect(server.sent.messages()).toEqual([]);
      return message;
    }
    const ref = (object_key: string, filename = "a.txt") => ({
      object_key,
      filename,
      content_type: "text/plain",
    });
    const uploaded = (server: Awaited<ReturnType<typeof platform>>, token = MY_TOKEN) =>
      upload(server, token, "a.txt", "text/plain", new TextEncoder().encode("secret bytes"));

    it("an unknown field, named", async () => {
      expect(
        await refused(() => ({ ...BASIC, priority: "high" }), 400, "invalid_request"),
      ).toContain('"priority"');
    });
    it("a missing subject, named", async () => {
      expect(await refused(() => ({ to: OTHER, body: "x" }), 400, "invalid_request")).toContain(
        "subject",
      );
    });
    it.each([
      "From",
      "bcc",
      "Content-Type",
      "MIME-Version",
      AgentMailHeaders.correlationId,
      "x-agentmail-idempotency-key",
    ])("a reserved header %s", async (name) => {
      expect(
        await refused(() => ({ ...BASIC, headers: { [name]: "x" } }), 400, "reserved_header"),
      ).toContain(name);
    });
    it.each([
      ["a header value", { "X-Evil": "a\r\nBcc: victim@example.com" }],
      ["a header name", { "X-Evil\r\nBcc": "x" }],
      ["a reserved header's value", { From: "a\nb" }],
    ])("CR/LF in %s", async (_, headers) => {
      await refused(() => ({ ...BASIC, headers }), 400, "header_injection");
    });
    it("CR/LF in the subject or an address", async () => {
      await refused(
        () => ({ ...BASIC, subject: "hi\r\nBcc: x@y.example" }),
        400,
        "header_injection",
      );
      await refused(
        () => ({ ...BASIC, to: "a@b.example\r\nBcc: x@y.example" }),
        400,
        "header_injection",
      );
    });
    it("an invalid address, named by position", async () => {
      expect(
        await refused(
          () => ({ ...BASIC, cc: ["ok@x.example", "not an address"] }),
          400,
          "invalid_address",
        ),
      ).toContain("cc[1]");
    });
    it("more than 50 recipients", async () => {
      const many = Array.from({ length: 51 }, (_, i) => `r${i}@x.example`);
      await refused(() => ({ ...BASIC, to: many }), 400, "too_many_recipients");
    });
    it("an encrypted flag on a body that is not armored", async () => {
      await refused(
        () => ({ ...BASIC, headers: { [AgentMailHeaders.encrypted]: "body" } }),
        400,
        "invalid_message",
      );
    });
    it("HTML beside an encrypted body", async () => {
      await refused(
        () => ({
          ...BASIC,
          body: ARMORED_MESSAGE,
          html: "<p>x</p>",
          headers: { [AgentMailHeaders.encrypted]: "body" },
        }),
        400,
        "html_not_encryptable",
      );
    });
    it("an object key that was never uploaded, another agent's, or only granted: named by index, no bytes", async () => {
      for (const build of [
        async () => ({ ...BASIC, attachments: [ref("uploads/my-agent/nothing")] }),
        async (server: Awaited<ReturnType<typeof platform>>) => ({
          ...BASIC,
          attachments: [ref(await uploaded(server)), ref(await uploaded(server, OTHER_TOKEN))],
        }),
        async (server: Awaited<ReturnType<typeof platform>>) => ({
          ...BASIC,
          attachments: [
            ref(
              (
                await requestUpload(server, MY_TOKEN, {
                  file_name: "a.txt",
                  content_type: "text/plain",
                  max_bytes: 9,
                })
              ).object_key,
            ),
          ],
        }),
      ]) {
        const message = await refused(build, 400, "invalid_attachment");
        expect(message).toMatch(/attachments\[[01]\]/);
        expect(message).not.toContain("secret bytes");
      }
    });
    it("an attachment flagged encrypted whose bytes are not armored", async () => {
      await refused(
        async (server) => ({
          ...BASIC,
          attachments: [
            {
              object_key: await uploaded(server),
              filename: "a.asc",
              content_type: "application/pgp-encrypted",
            },
          ],
        }),
        400,
        "invalid_attachment",
      );
    });
    it.each([
      ["malformed JSON", () => "[{"],
      ["a row too few", () => "[]"],
      [
        "another object key",
        () =>
          encodeManifest([
            {
              index: 0,
              filename: "a.txt",
              content_type: "text/plain",
              encrypted: false,
              object_key: "uploads/my-agent/x",
            },
          ]),
      ],
      [
        "another filename",
        (key: string) =>
          encodeManifest([
            {
              index: 0,
              filename: "b.txt",
              content_type: "text/plain",
              encrypted: false,
              object_key: key,
            },
          ]),
      ],
      [
        "another content_type",
        (key: string) =>
          encodeManifest([
            {
              index: 0,
              filename: "a.txt",
              content_type: "text/html",
              encrypted: false,
              object_key: key,
            },
          ]),
      ],
      ["a manifest without attachments", () => null],
    ])("a manifest with %s", async (_, manifest) => {
      await refused(
        async (server) => {
          const key = await uploaded(server);
          const value = manifest(key);
          return value === null
            ? {
                ...BASIC,
                headers: {
                  [AgentMailHeaders.attachments]: encodeManifest([
                    { index: 0, filename: "a.txt", content_type: "text/plain", encrypted: false },
                  ]),
                },
              }
            : {
                ...BASIC,
                headers: { [AgentMailHeaders.attachments]: value },
                attachments: [ref(key)],
              };
        },
        400,
        "invalid_manifest",
      );
    });
    it("a manifest row whose content_type contradicts its ref: named by row and field", async () => {
      const message = await refused(
        async (server) => {
          const key = await upload(server, MY_TOKEN, "r.pdf", "application/pdf", randomBytes(50));
          return {
            ...BASIC,
            headers: {
              [AgentMailHeaders.attachments]: encodeManifest([
                {
                  index: 0,
                  filename: "r.pdf",
                  content_type: "text/html",
                  encrypted: false,
                  object_key: key,
                },
              ]),
            },
            attachments: [{ object_key: key, filename: "r.pdf", content_type: "application/pdf" }],
          };
        },
        400,
        "invalid_manifest",
      );
      expect(message).toContain("row 0");
      expect(message).toContain("content_type");
    });
    it("manifest rows written out of order, though their indexes are right", async () => {
      const message = await refused(
        async (server) => {
          const a = await uploaded(server);
          const b = await uploaded(server);
          const row = (index: number, object_key: string) => ({
            index,
            filename: "a.txt",
            content_type: "text/plain",
            encrypted: false,
            object_key,
          });
          return {
            ...BASIC,
            // decodeManifest sorts by index; the order written is what must match the refs.
            headers: { [AgentMailHeaders.attachments]: encodeManifest([row(1, b), row(0, a)]) },
            attachments: [ref(a), ref(b)],
          };
        },
        400,
        "invalid_manifest",
      );
      expect(message).toContain("row 0 has index 1");
    });
    it("a bad or missing token: 401, the token never repeated", async () => {
      const server = await platform();
      const bad = await postJson(server, Routes.send.path, BASIC, {
        token: "my-secret-token-value",
      });
      expect(await expectProblem(bad, 401, "unauthorized")).not.toContain("my-secret-token-value");
      await expectProblem(await postJson(server, Routes.send.path, BASIC), 401, "unauthorized");
      expect(server.sent.messages()).toEqual([]);
    });
  });

  describe("idempotency", () => {
    const keyed = { ...BASIC, idempotency_key: "idem-1" };

    it("answers the same request again with the first response and Idempotent-Replayed: true, sending nothing", async () => {
      const server = await platform();
      const first = await send(server, MY_TOKEN, keyed);
      const firstBody = await first.json();
      // Same request with keys in another order and defaults spelled out: the same parsed request.
      const again = await send(server, MY_TOKEN, {
        idempotency_key: "idem-1",
        cc: [],
        body: "Hello",
        subject: "Task",
        to: OTHER,
      });
      expect(again.status).toBe(200);
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      expect(await again.json()).toEqual(firstBody);
      expect(server.store.inbox("other-agent")).toHaveLength(1);
      expect(server.sent.messages()).toHaveLength(1);
    });

    it("refuses a different request with a used key: 409 idempotency_key_reused", async () => {
      const server = await platform();
      expect((await send(server, MY_TOKEN, keyed)).status).toBe(200);
      await expectProblem(
        await send(server, MY_TOKEN, { ...keyed, body: "Hello!" }),
        409,
        "idempotency_key_reused",
      );
      expect(server.store.inbox("other-agent")).toHaveLength(1);
    });

    it("scopes keys per agent", async () => {
      const server = await platform();
      expect((await send(server, MY_TOKEN, keyed)).status).toBe(200);
      const other = await send(server, OTHER_TOKEN, { ...keyed, to: "my-agent@agents.localhost" });
      expect(other.status).toBe(200);
      expect(other.headers.get("idempotent-replayed")).toBeNull();
    });

    it("does not consume a key on a refused request", async () => {
      const server = await platform();
      await expectProblem(
        await send(server, MY_TOKEN, { ...keyed, to: "not an address" }),
        400,
        "invalid_address",
      );
      const ok = await send(server, MY_TOKEN, keyed);
      expect(ok.status).toBe(200);
      expect(ok.headers.get("idempotent-replayed")).toBeNull();
    });

    it("sends once for concurrent duplicates: the others wait and replay the first response", async () => {
      const server = await platform();
      const key = await upload(
        server,
        MY_TOKEN,
        "big.bin",
        "application/octet-stream",
        randomBytes(2 * 1024 * 1024),
      );
      const body = {
        ...keyed,
        attachments: [
          { object_key: key, filename: "big.bin", content_type: "application/octet-stream" },
        ],
      };
      const responses = await Promise.all(
        Array.from({ length: 12 }, () => send(server, MY_TOKEN, body)),
      );
      const bodies = await Promise.all(responses.map((response) => response.json()));
      expect(responses.map((response) => response.status)).toEqual(Array(12).fill(200));
      expect(new Set(bodies.map((entry) => entry.message_id)).size).toBe(1);
      expect(
        responses.filter((response) => response.headers.get("idempotent-replayed") === "true"),
      ).toHaveLength(11);
      expect(server.store.inbox("other-agent")).toHaveLength(1);
      expect(server.sent.messages()).toHaveLength(1);
    });

    /**
     * Holds the next `/send` runs inside the server's idempotency ledger until the test releases
     * them (each held run then does its real work, or fails as told), and counts the requests
     * that reached the ledger: with it a test knows that a duplicate is waiting, not just sent.
     */
    function holdSends() {
      const original = IdempotencyLedger.prototype.run;
      const gates: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
      const spy = vi.spyOn(IdempotencyLedger.prototype, "run").mockImplementation(function (
        this: IdempotencyLedger<unknown>,
        scope,
        key,
        fp,
        work,
      ) {
        const opened = new Promise<void>((resolve, reject) => {
          gates.push({ resolve, reject });
        });
        return original.call(this, scope, key, fp, async () => {
          await opened;
          return work();
        });
      });
      return {
        /** Resolves once `count` requests have reached the ledger (and so run or wait there). */
        arrived: (count: number) =>
          vi.waitFor(() => expect(spy).toHaveBeenCalledTimes(count), { timeout: 20_000 }),
        release: (index: number) => gates[index]?.resolve(),
        fail: (index: number) => gates[index]?.reject(new Error("forced failure of a send")),
        /** Releases every gate so that a waiter that later runs its own work is not held. */
        releaseAll: () => {
          for (const gate of gates) gate.resolve();
        },
      };
    }

    it("a concurrent duplicate waits for the first (no 409 for a key in use) and gets its response replayed", async () => {
      const server = await platform();
      const hold = holdSends();
      const first = send(server, MY_TOKEN, keyed);
      await hold.arrived(1);
      const duplicate = send(server, MY_TOKEN, keyed);
      const different = send(server, MY_TOKEN, { ...keyed, subject: "Other" });
      await hold.arrived(3);
      // Both wait in the ledger while the first is held: nothing answered, nothing sent.
      expect(server.requests.count({ path: Routes.send.path })).toBe(0);
      expect(server.sent.messages()).toEqual([]);
      hold.release(0);
      const [a, b, c] = await Promise.all([first, duplicate, different]);
      expect(a.status).toBe(200);
      expect(a.headers.get("idempotent-replayed")).toBeNull();
      expect(b.status).toBe(200);
      expect(b.headers.get("idempotent-replayed")).toBe("true");
      expect(await b.json()).toEqual(await a.json());
      await expectProblem(c, 409, "idempotency_key_reused");
      expect(server.sent.messages()).toHaveLength(1);
    });

    it("when the first fails while a duplicate waits, the duplicate runs on its own (the key was not consumed)", async () => {
      const server = await platform();
      const hold = holdSends();
      const first = send(server, MY_TOKEN, keyed);
      await hold.arrived(1);
      const duplicate = send(server, MY_TOKEN, keyed);
      await hold.arrived(2);
      // The forced failure is an unexpected error: the server logs it (here, quietly) and 500s.
      const logged = vi.spyOn(console, "error").mockImplementation(() => {});
      hold.fail(0);
      await expectProblem(await first, 500, "server_error");
      expect(logged).toHaveBeenCalled();
      hold.releaseAll();
      const retried = await duplicate;
      expect(retried.status).toBe(200);
      expect(retried.headers.get("idempotent-replayed")).toBeNull();
      expect(server.sent.messages()).toHaveLength(1);
      expect((await retried.json()).message_id).toBe(server.sent.messages()[0]?.messageId);
    });

    it("when the first is refused (400) while a different request with the key waits, that one runs", async () => {
      const server = await platform();
      const hold = holdSends();
      const first = send(server, MY_TOKEN, {
        ...keyed,
        attachments: [
          { object_key: "uploads/my-agent/never", filename: "a", content_type: "text/plain" },
        ],
      });
      await hold.arrived(1);
      const other = send(server, MY_TOKEN, keyed);
      await hold.arrived(2);
      hold.releaseAll();
      await expectProblem(await first, 400, "invalid_attachment");
      const ok = await other;
      expect(ok.status).toBe(200);
      expect(ok.headers.get("idempotent-replayed")).toBeNull();
      expect(server.sent.messages()).toHaveLength(1);
    });
  });
});
