// getInboundAttachmentStatus / requestInboundAttachmentDownload against the dev server: the
// status of a received attachment, a presigned URL whose bytes are the stored attachment, ids
// refused before any request, unknown options named, and answers off the contract refused.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgentMailClient } from "./client.js";
import { errorOf, sampleBytes } from "./testing/fixtures.js";
import { findBySubject, type Platform, RECEIVER, startPlatform } from "./testing/platform.js";
import { scriptedServer } from "./testing/scripted-server.js";

const pdf = sampleBytes(40_000, 21);
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

let platform: Platform;
let id: string;

beforeAll(async () => {
  platform = await startPlatform({ attachmentProcessingMs: 0 });
  await platform.mailer().send({
    to: RECEIVER,
    subject: "inbound attachment calls",
    text: "see attached",
    attachments: [{ filename: "q3 report.pdf", content: pdf, contentType: "application/pdf" }],
  });
  id = await findBySubject(platform.inbox, "inbound attachment calls");
}, 60_000);
afterAll(async () => {
  await platform?.stop();
});

describe("getInboundAttachmentStatus", () => {
  it("answers the attachment's status, name, type and size in camelCase", async () => {
    expect(await platform.inbox.getInboundAttachmentStatus(id, 0)).toEqual({
      index: 0,
      status: "ready",
      filename: "q3 report.pdf",
      contentType: "application/pdf",
      size: pdf.length,
    });
  });

  it("an index past the last attachment is the platform's not_found", async () => {
    expect(await errorOf(platform.inbox.getInboundAttachmentStatus(id, 1))).toMatchObject({
      code: "not_found",
      status: 404,
    });
  });
});

describe("requestInboundAttachmentDownload", () => {
  it("answers an absolute presigned URL whose bytes are the attachment's", async () => {
    const { url } = await platform.inbox.requestInboundAttachmentDownload(id, 0);
    expect(new URL(url).origin).toBe(new URL(platform.server.url).origin);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(sha256(new Uint8Array(await response.arrayBuffer()))).toBe(sha256(pdf));
  });

  it("another agent's token does not reach the message", async () => {
    const sender = createAgentMailClient({
      baseUrl: platform.server.url,
      token: platform.senderToken,
    });
    expect((await errorOf(sender.requestInboundAttachmentDownload(id, 0))).code).toBe("not_found");
  });
});

describe("input checks, before any request", () => {
  const calls = ["getInboundAttachmentStatus", "requestInboundAttachmentDownload"] as const;

  it.each(calls)("%s refuses bad message ids and indexes", async (call) => {
    platform.server.requests.clear();
    const inbox = platform.inbox;
    for (const [badId, badIndex] of [
      ["..", 0],
      [".", 0],
      ["", 0],
      ["m\r\n1", 0],
      [id, -1],
      [id, 1.5],
      [id, Number.NaN],
      [id, "0"],
    ] as const) {
      const error = await errorOf(inbox[call](badId, badIndex as number));
      expect(error, `${JSON.stringify(badId)}, ${String(badIndex)}`).toMatchObject({
        code: "invalid_options",
        message: expect.stringContaining(call),
      });
    }
    expect(platform.server.requests.count()).toBe(0);
  });

  it.each(calls)("%s names an unknown option", async (call) => {
    platform.server.requests.clear();
    const error = await errorOf(platform.inbox[call](id, 0, { sginal: undefined } as never));
    expect(error).toMatchObject({
      code: "invalid_options",
      message: expect.stringContaining("sginal"),
    });
    expect(platform.server.requests.count()).toBe(0);
  });
});

describe("answers off the contract", () => {
  it.each([
    [
      "getInboundAttachmentStatus",
      '{"index":0,"status":"done","file_name":"a","content_type":"t"}',
    ],
    ["requestInboundAttachmentDownload", '{"href":"https://storage.example/a"}'],
  ] as const)("%s: invalid_response", async (call, body) => {
    const server = await scriptedServer([
      { status: 200, headers: { "content-type": "application/json" }, body },
    ]);
    try {
      const client = createAgentMailClient({
        baseUrl: server.url,
        token: "t".repeat(32),
        retry: { limit: 0 },
      });
      expect(await errorOf(client[call]("m1", 0))).toMatchObject({ code: "invalid_response" });
      // The id and index are percent-encoded path segments.
      expect(server.requests[0]?.url).toMatch(/^\/messages\/m1\/attachments\/0(\/download)?$/);
    } finally {
      await server.stop();
    }
  });
});
