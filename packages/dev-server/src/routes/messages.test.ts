import { randomBytes } from "node:crypto";
import {
  AttachmentStatusSchema,
  DownloadResponseSchema,
  MessageSchema,
  parseAddress,
  Routes,
  routePath,
} from "@assmbl/core";
import { composeMime } from "@assmbl/mime";
import { useSesClients } from "@assmbl/testing/ses";
import { SendRawEmailCommand } from "@aws-sdk/client-ses";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { DevServer } from "../server.js";
import { expectProblem, postJson, useServers } from "../testing/helpers.js";
import {
  call,
  MY_TOKEN,
  messagePath,
  OTHER_TOKEN,
  PLATFORM_AGENTS,
  send,
  upload,
} from "../testing/platform.js";

const serve = useServers();
const sesClients = useSesClients();
afterEach(() => {
  vi.useRealTimers();
});

const attachmentPath = (id: string, index: number | string) =>
  routePath(Routes.getAttachment, { id, index });
const downloadPath = (id: string, index: number | string) =>
  routePath(Routes.downloadAttachment, { id, index });

/** A message with two attachments, sent to my-agent through the SES endpoint by a stock SESClient. */
async function viaSes(server: DevServer) {
  const pdf = randomBytes(3000);
  const notes = new TextEncoder().encode("plain notes\n");
  const { raw } = await composeMime({
    specificationVersion: "v1",
    from: parseAddress("other-agent@agents.localhost"),
    to: [parseAddress("my-agent@agents.localhost")],
    cc: [],
    bcc: [],
    replyTo: [],
    subject: "Files",
    text: "two files",
    headers: {},
    attachments: [
      {
        manifest: {
          index: 0,
          filename: "résumé.pdf",
          content_type: "application/pdf",
          encrypted: false,
        },
        content: pdf,
      },
      {
        manifest: { index: 1, filename: "notes.txt", content_type: "text/plain", encrypted: false },
        content: notes,
      },
    ],
    encrypted: { body: false },
  });
  await sesClients(server, "other-agent").v1.send(
    new SendRawEmailCommand({ RawMessage: { Data: raw } }),
  );
  const [message] = server.store.inbox("my-agent");
  if (!message) throw new Error("the SES endpoint did not deliver");
  return { message, raw, pdf, notes };
}

describe(`${Routes.getMessage.method} ${Routes.getMessage.path}`, () => {
  it("answers the message with its raw MIME and attachment parts (SES-endpoint mail), and marks it read", async () => {
    const server = await serve({ agents: PLATFORM_AGENTS });
    const { message, raw, pdf, notes } = await viaSes(server);
    const response = await call(server, messagePath(message.id), MY_TOKEN);
    expect(response.status).toBe(200);
    const body = MessageSchema.parse(await response.json());
    expect(body).toEqual({
      MessageID: message.id,
      Sender: "other-agent@agents.localhost",
      SenderVerified: true,
      Subject: "Files",
      ReceivedAt: message.receivedAt.toISOString(),
      Labels: [],
      IsRead: true,
      IsArchived: false,
      raw_mime: new TextDecoder().decode(raw),
      attachments: [
        {
          index: 0,
          status: "ready",
          file_name: "résumé.pdf",
          content_type: "application/pdf",
          size: pdf.byteLength,
        },
        {
          index: 1,
          status: "ready",
          file_name: "notes.txt",
          content_type: "text/plain",
          size: notes.byteLength,
        },
      ],
    });
    expect(server.store.message(message.id)?.isRead).toBe(true);
  });

  it("lists the attachments of /send mail, downloadable byte for byte", async () => {
    const server = await serve({ agents: PLATFORM_AGENTS });
    const bytes = randomBytes(10_000);
    const key = await upload(server, OTHER_TOKEN, "data.bin", "application/octet-stream", bytes);
    const sent = await send(server, OTHER_TOKEN, {
      to: "my-agent@agents.localhost",
      subject: "data",
      body: "attached",
      attachments: [
        { object_key: key, filename: "data.bin", content_type: "application/octet-stream" },
      ],
    });
    expect(sent.status).toBe(200);
    const [message] = server.store.inbox("my-agent");
    const body = MessageSchema.parse(
      await (await call(server, messagePath(message?.id ?? ""), MY_TOKEN)).json(),
    );
    expect(body.attachments).toEqual([
      {
        index: 0,
        status: "ready",
        file_name: "data.bin",
        content_type: "application/octet-stream",
        size: 10_000,
      },
    ]);
    const download = await call(server, downloadPath(message?.id ?? "", 0), MY_TOKEN, "POST");
    expect(download.status).toBe(200);
    const { url } = DownloadResponseSchema.parse(await download.json());
    const file = await fetch(url);
    expect(file.headers.get("content-type")).toBe("application/octet-stream");
    expect(Buffer.from(await file.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it("serves a received attachment as a download (nosniff, attachment), and its object is no upload of the recipient's", async () => {
    const server = await serve({ agents: PLATFORM_AGENTS });
    const html = new TextEncoder().encode("<script>alert(document.cookie)</script>");
    const key = await upload(server, OTHER_TOKEN, "page.html", "text/html", html);
    const sent = await send(server, OTHER_TOKEN, {
      to: "my-agent@agents.localhost",
      subject: "page",
      body: "attached",
      attachments: [{ object_key: key, filename: "page.html", content_type: "text/html" }],
    });
    expect(sent.status).toBe(200);
    const [message] = server.store.inbox("my-agent");
    const download = await call(server, downloadPath(message?.id ?? "", 0), MY_TOKEN, "POST");
    const { url } = DownloadResponseSchema.parse(await download.json());
    const file = await fetch(url);
    expect(file.status).toBe(200);
    // The sender chose text/html; on the API's origin it must be saved, never rendered.
    expect(file.headers.get("content-type")).toBe("text/html");
    expect(file.headers.get("x-content-type-options")).toBe("nosniff");
    expect(file.headers.get("content-disposition")).toBe(
      `attachment; filename="page.html"; filename*=UTF-8''page.html`,
    );
    expect(Buffer.from(await file.arrayBuffer()).equals(Buffer.from(html))).toBe(true);

    const objectKey = decodeURIComponent(new URL(url).pathname.replace("/_storage/objects/", ""));
    expect(objectKey).toBe(`messages/my-agent/${message?.id}/0`);
    expect(server.store.objects.get(objectKey)).toMatchObject({
      agentId: "my-agent",
      kind: "attachment",
    });
    // Not an upload: /send refuses it, POST /attachments/downloads does not know it.
    const forwarded = await send(server, MY_TOKEN, {
      to: "other-agent@agents.localhost",
      subject: "fwd",
      body: "x",
      attachments: [{ object_key: objectKey, filename: "page.html", content_type: "text/html" }],
    });
    expect(await expectProblem(forwarded, 400, "invalid_attachment")).toContain("attachments[0]");
    const presign = await postJson(
      server,
      Routes.requestDownload.path,
      { object_key: objectKey },
      { token: MY_TOKEN },
    );
    await expectProblem(presign, 404, "not_found");
    expect(server.sent.messages()).toHaveLength(1);
  });

  it("names a received attachment without a file name attachment-<index> in its download", async () => {
    const server = await serve({ agents: PLATFORM_AGENTS });
    const message = server.store.deliver(
      "my-agent",
      "From: x@y.example\r\nSubject: s\r\nMIME-Version: 1.0\r\n" +
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n' +
        "--b\r\nContent-Type: text/plain\r\n\r\nbody\r\n" +
        "--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment\r\n\r\nxyz\r\n" +
        "--b--\r\n",
    );
    const download = await call(server, downloadPath(message.id, 0), MY_TOKEN, "POST");
    const { url } = DownloadResponseSchema.parse(await download.json());
    const file = await fetch(url);
    expect(file.headers.get("content-disposition")).toBe(
      `attachment; filename="attachment-0"; filename*=UTF-8''attachment-0`,
    );
    expect((await file.text()).trimEnd()).toBe("xyz");
  });

  it("is 404 not_found for another agent's message and an unknown id, on every message route", async () => {
    const server = await serve({ agents: PLATFORM_AGENTS });
    const { message } = await viaSes(server);
    for (const [token, id] of [
      [OTHER_TOKEN, message.id],
      [MY_TOKEN, "no-such-message"],
    ] as const) {
      await expectProblem(await call(server, messagePath(id), token), 404, "not_found");
      await expectProblem(await call(server, messagePath(id), token, "DELETE"), 404, "not_found");
      await expectProblem(await call(server, attachmentPath(id, 0), token), 404, "not_found");
      await expectProblem(await call(server, downloadPath(id, 0), token, "POST"), 404, "not_found");
    }
    expect(server.store.message(message.id)?.isRead).toBe(false);
  });
});

describe(`${Routes.deleteMessage.method} ${Routes.deleteMessage.path}`, () => {
  it("deletes with 204; again is 404", async () => {
    const server = await serve({ agents: PLATFORM_AGENTS });
    const { message } = await viaSes(server);
    const deleted = await call(server, messagePath(message.id), MY_TOKEN, "DELETE");
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe("");
    expect(server.store.inbox("my-agent")).toEqual([]);
    await expectProblem(
      await call(server, messagePath(message.id), MY_TOKEN, "DELETE"),
      404,
      "not_found",
    );
    await expectProblem(await call(server, messagePath(message.id), MY_TOKEN), 404, "not_found");
  });
});

describe("attachment status and download", () => {
  it("answers one attachment's status; a bad index is 404", async () => {
    const server = await serve({ agents: PLATFORM_AGENTS });
    const { message, notes } = await viaSes(server);
    const response = await call(server, attachmentPath(message.id, 1), MY_TOKEN);
    expect(AttachmentStatusSchema.parse(await response.json())).toEqual({
      index: 1,
      status: "ready",
      file_name: "notes.txt",
      content_type: "text/plain",
      size: notes.byteLength,
    });
    for (const index of ["2", "-1", "x", "01x", "9999999"]) {
      await expectProblem(
        await call(server, attachmentPath(message.id, index), MY_TOKEN),
        404,
        "not_found",
      );
      await expectProblem(
        await call(server, downloadPath(message.id, index), MY_TOKEN, "POST"),
        404,
        "not_found",
      );
    }
  });

  it("reports pending for attachmentProcessingMs after delivery (409 attachment_pending with Retry-After: 1), then ready", async () => {
    const server = await serve({ agents: PLATFORM_AGENTS, attachmentProcessingMs: 5_000 });
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2030-01-01T00:00:00Z"));
    const { message, pdf } = await viaSes(server);
    const status = async () =>
      AttachmentStatusSchema.parse(
        await (await call(server, attachmentPath(message.id, 0), MY_TOKEN)).json(),
      ).status;
    expect(await status()).toBe("pending");
    const body = MessageSchema.parse(
      await (await call(server, messagePath(message.id), MY_TOKEN)).json(),
    );
    expect(body.attachments.map((attachment) => attachment.status)).toEqual(["pending", "pending"]);
    const early = await call(server, downloadPath(message.id, 0), MY_TOKEN, "POST");
    expect(early.headers.get("retry-after")).toBe("1");
    await expectProblem(early, 409, "attachment_pending");

    vi.setSystemTime(new Date("2030-01-01T00:00:04.999Z"));
    expect(await status()).toBe("pending");
    vi.setSystemTime(new Date("2030-01-01T00:00:05Z"));
    expect(await status()).toBe("ready");
    const ready = await call(server, downloadPath(message.id, 0), MY_TOKEN, "POST");
    const { url } = DownloadResponseSchema.parse(await ready.json());
    expect(Buffer.from(await (await fetch(url)).arrayBuffer()).equals(pdf)).toBe(true);
  });

  it("answers 422 attachment_failed for an attachment a test marked failed, and goes back when cleared", async () => {
    const server = await serve({ agents: PLATFORM_AGENTS });
    const { message } = await viaSes(server);
    server.store.setAttachmentStatus(message.id, 1, "failed");
    const body = MessageSchema.parse(
      await (await call(server, messagePath(message.id), MY_TOKEN)).json(),
    );
    expect(body.attachments.map((attachment) => attachment.status)).toEqual(["ready", "failed"]);
    await expectProblem(
      await call(server, downloadPath(message.id, 1), MY_TOKEN, "POST"),
      422,
      "attachment_failed",
    );
    expect((await call(server, downloadPath(message.id, 0), MY_TOKEN, "POST")).status).toBe(200);
    server.store.setAttachmentStatus(message.id, 1, null);
    expect((await call(server, downloadPath(message.id, 1), MY_TOKEN, "POST")).status).toBe(200);
  });
});
