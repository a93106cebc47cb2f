import { createHash, randomBytes } from "node:crypto";
import {
  AgentMailError,
  AgentMailHeaders,
  AttachmentStatusSchema,
  DownloadResponseSchema,
  decodeManifest,
  encodeManifest,
  MessageSchema,
  Routes,
  routePath,
} from "@assmbl/core";
import { runPython } from "@assmbl/testing/python";
import { describe, expect, it } from "vitest";
import { headerFields, headerValues } from "./mime/headers.js";
import type { DevServer } from "./server.js";
import { armoredCiphertext, expectProblem, useServers } from "./testing/helpers.js";
import {
  call,
  MY_TOKEN,
  messagePath,
  OTHER_TOKEN,
  PLATFORM_AGENTS,
  send,
  upload,
} from "./testing/platform.js";

const serve = useServers();
const THIRD_TOKEN = "token-third-agent";
const downloadPath = (id: string, index: number) =>
  routePath(Routes.downloadAttachment, { id, index });
/** The AgentMailError `run` throws or rejects with. */
async function failure(run: () => unknown): Promise<AgentMailError> {
  try {
    await run();
  } catch (error) {
    if (AgentMailError.is(error)) return error;
    throw error;
  }
  throw new Error("expected an AgentMailError");
}
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

const ARMORED_FILE = armoredCiphertext(3000);

/** my-agent sends other-agent a binary file and an encrypted one, with the SDK's manifest. */
async function sendTwoFiles(server: DevServer) {
  const data = randomBytes(20_000);
  const armored = new TextEncoder().encode(ARMORED_FILE);
  const dataKey = await upload(server, MY_TOKEN, "data.bin", "application/octet-stream", data);
  const pgpKey = await upload(
    server,
    MY_TOKEN,
    "report.pdf.asc",
    "application/pgp-encrypted",
    armored,
  );
  const rows = [
    {
      index: 0,
      filename: "data.bin",
      content_type: "application/octet-stream",
      size: data.byteLength,
      encrypted: false,
      object_key: dataKey,
    },
    {
      index: 1,
      filename: "résumé.pdf.asc",
      content_type: "application/pgp-encrypted",
      size: armored.byteLength,
      encrypted: true,
      encryption: { algorithm: "openpgp", format: "armored" },
      object_key: pgpKey,
    },
  ];
  const response = await send(server, MY_TOKEN, {
    to: "other-agent@agents.localhost",
    subject: "big files",
    body: "two files",
    headers: { [AgentMailHeaders.attachments]: encodeManifest(rows) },
    attachments: rows.map((row) => ({
      object_key: row.object_key,
      filename: row.filename,
      content_type: row.content_type,
    })),
  });
  expect(response.status).toBe(200);
  const [message] = server.store.inbox("other-agent");
  if (!message) throw new Error("/send did not deliver");
  return { message, data, armored, rows, keys: [dataKey, pgpKey] };
}

describe("delivery by reference", () => {
  it("delivers a message over inlineMessageBytes with empty attachment parts; sizes and downloads come from storage", async () => {
    const server = await serve({ agents: PLATFORM_AGENTS, inlineMessageBytes: 16 * 1024 });
    const { message, data, armored, rows, keys } = await sendTwoFiles(server);
    const raw = new TextDecoder().decode(message.raw);
    // Neither file's bytes are in the message: it is smaller than either.
    expect(message.raw.byteLength).toBeLessThan(data.byteLength / 4);
    expect(raw).not.toContain(data.subarray(0, 30).toString("base64"));
    // Each part keeps its headers, with an empty body right before the next delimiter.
    const boundary = /boundary="([^"]+)"/.exec(raw)?.[1] ?? "";
    expect(boundary).not.toBe("");
    // The composer (@assmbl/mime) quotes the filename (as the Python SDK writes it) or not:
    // either is the part.
    for (const filename of [/filename="?data\.bin/, /r%C3%A9sum%C3%A9\.pdf\.asc/]) {
      const at = raw.search(filename);
      expect(at).toBeGreaterThan(0);
      const part = raw.slice(
        raw.lastIndexOf(`--${boundary}\r\n`, at),
        raw.indexOf(`\r\n--${boundary}`, at),
      );
      expect(part).toMatch(/Content-Transfer-Encoding: base64\r\n/);
      expect(part).toMatch(/Content-Disposition: attachment;/);
      expect(part.endsWith("\r\n\r\n")).toBe(true);
    }
    // The manifest is the one sent: object keys and real sizes.
    const manifest = headerValues(headerFields(message.raw), AgentMailHeaders.attachments)[0] ?? "";
    expect(decodeManifest(manifest)).toEqual(rows);

    const body = MessageSchema.parse(
      await (await call(server, messagePath(message.id), OTHER_TOKEN)).json(),
    );
    expect(body.raw_mime).toBe(raw);
    expect(body.attachments.map((entry) => [entry.file_name, entry.status, entry.size])).toEqual([
      ["data.bin", "ready", data.byteLength],
      ["résumé.pdf.asc", "ready", armored.byteLength],
    ]);
    const status = await call(
      server,
      routePath(Routes.getAttachment, { id: message.id, index: 1 }),
      OTHER_TOKEN,
    );
    expect(AttachmentStatusSchema.parse(await status.json()).size).toBe(armored.byteLength);

    // The sender replacing its upload afterwards does not change what was delivered.
    server.store.objects.delete(keys[0] ?? "");
    for (const [index, expected] of [data, armored].entries()) {
      const presigned = await call(server, downloadPath(message.id, index), OTHER_TOKEN, "POST");
      expect(presigned.status).toBe(200);
      const file = await fetch(DownloadResponseSchema.parse(await presigned.json()).url);
      expect(file.status).toBe(200);
      expect(file.headers.get("content-length")).toBe(String(expected.byteLength));
      expect(sha256(new Uint8Array(await file.arrayBuffer()))).toBe(sha256(expected));
    }
    // The downloaded object shares the upload's bytes: one copy in memory, however large.
    expect(server.store.referencedAttachment(message.id, 1)?.bytes.buffer).toBe(
      server.store.objects.view(keys[1] ?? "")?.bytes.buffer,
    );
    expect(server.sent.messages()[0]?.raw).toEqual(message.raw);
  });

  it("lets no other agent read or download the referenced attachments", async () => {
    const server = await serve({ agents: PLATFORM_AGENTS, inlineMessageBytes: 1024 });
    const { message } = await sendTwoFiles(server);
    for (const token of [MY_TOKEN, THIRD_TOKEN]) {
      await expectProblem(await call(server, messagePath(message.id), token), 404, "not_found");
      const download = await call(server, downloadPath(message.id, 0), token, "POST");
      await expectProblem(download, 404, "not_found");
    }
    expect(server.store.objects.keys().filter((key) => key.startsWith("messages/"))).toEqual([]);
  });

  it("is read by Python's email package: both parts, named, empty, without defects", async () => {
    const server = await serve({ agents: PLATFORM_AGENTS, inlineMessageBytes: 1024 });
    const { message, rows } = await sendTwoFiles(server);
    const script = `
import email, email.policy, json, sys
msg = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.default)
parts = list(msg.iter_attachments())
print(json.dumps({
  "defects": [str(d) for part in msg.walk() for d in part.defects],
  "manifest": json.loads(str(msg["${AgentMailHeaders.attachments}"])),
  "parts": [[p.get_filename(), p.get_content_type(), len(p.get_content())] for p in parts],
}))`;
    const out = JSON.parse((await runPython(script, message.raw)).toString("utf8"));
    expect(out).toEqual({
      defects: [],
      manifest: rows,
      parts: [
        ["data.bin", "application/octet-stream", 0],
        ["résumé.pdf.asc", "application/pgp-encrypted", 0],
      ],
    });
  });

  it("keeps a message under the threshold inline, and refuses a non-armored 'encrypted' file either way", async () => {
    const server = await serve({ agents: PLATFORM_AGENTS });
    const { message, data } = await sendTwoFiles(server);
    expect(new TextDecoder().decode(message.raw)).toContain(
      data.subarray(0, 30).toString("base64"),
    );
    expect(server.store.referencedAttachment(message.id, 0)).toBeUndefined();

    for (const inlineMessageBytes of [undefined, 1024]) {
      const other = await serve({ agents: PLATFORM_AGENTS, inlineMessageBytes });
      const bytes = new TextEncoder().encode(`${ARMORED_FILE}${ARMORED_FILE}`);
      const key = await upload(other, MY_TOKEN, "two.asc", "application/pgp-encrypted", bytes);
      const response = await send(other, MY_TOKEN, {
        to: "other-agent@agents.localhost",
        subject: "s",
        body: "b",
        attachments: [
          { object_key: key, filename: "two.asc", content_type: "application/pgp-encrypted" },
        ],
      });
      await expectProblem(response, 400, "invalid_attachment");
      expect(other.store.inbox("other-agent")).toEqual([]);
    }
  });

  it("validates inlineMessageBytes strictly", async () => {
    for (const inlineMessageBytes of [-1, 1.5, 40 * 1024 * 1024 + 1, "1024"]) {
      const error = await failure(() => serve({ inlineMessageBytes } as never));
      expect(error.code).toBe("invalid_options");
      expect(error.message).toContain("inlineMessageBytes");
    }
    expect((await serve({ inlineMessageBytes: 0 })).store.inlineMessageBytes).toBe(0);
  });
});

describe("DevStore.deliver with attachmentObjects", () => {
  it("refuses an index or key that names no stored object", async () => {
    const server = await serve({ agents: PLATFORM_AGENTS });
    const cases: unknown[] = [new Map([[0, "uploads/nope"]]), new Map([[-1, "k"]]), { 0: "k" }];
    server.store.objects.put({
      key: "k",
      agentId: "my-agent",
      contentType: "text/plain",
      bytes: new Uint8Array(1),
    });
    for (const attachmentObjects of cases) {
      const error = await failure(() =>
        server.store.deliver("other-agent", "Subject: s\r\n\r\n", { attachmentObjects } as never),
      );
      expect(error.code).toBe("invalid_options");
    }
    expect(server.store.inbox("other-agent")).toEqual([]);
  });

  it("keeps the objects it is given, whatever their keys name later", async () => {
    const server = await serve({ agents: PLATFORM_AGENTS });
    const put = (text: string) =>
      server.store.objects.put({
        key: "uploads/my-agent/1-f.bin",
        agentId: "my-agent",
        contentType: "application/octet-stream",
        bytes: new TextEncoder().encode(text),
      });
    put("what was checked");
    const checked = server.store.objects.view("uploads/my-agent/1-f.bin");
    if (!checked) throw new Error("not stored");
    // The upload is replaced between the check and the delivery.
    put("a replacement");
    const message = server.store.deliver("other-agent", "Subject: s\r\n\r\n", {
      attachmentObjects: new Map([[0, checked]]),
    });
    const delivered = server.store.referencedAttachment(message.id, 0);
    expect(new TextDecoder().decode(delivered?.bytes)).toBe("what was checked");
  });
});

describe("/send refuses a multipart attachment type", () => {
  it("with ten attachments, by reference or inline: 400 invalid_attachment, never a 500", async () => {
    for (const inlineMessageBytes of [1_000, 40 * 1024 * 1024]) {
      const server = await serve({ agents: PLATFORM_AGENTS, inlineMessageBytes });
      const attachments = [];
      for (let i = 0; i < 10; i++) {
        const type = i === 7 ? "multipart/mixed" : "text/plain";
        const key = await upload(
          server,
          MY_TOKEN,
          `f${i}.txt`,
          type,
          new TextEncoder().encode(`file ${i}`),
        );
        attachments.push({ object_key: key, filename: `f${i}.txt`, content_type: type });
      }
      const response = await send(server, MY_TOKEN, {
        to: "other-agent@agents.localhost",
        subject: "ten files",
        body: "see attached",
        attachments,
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: "invalid_attachment" });
      expect(server.store.inbox("other-agent")).toEqual([]);
    }
  });
});
