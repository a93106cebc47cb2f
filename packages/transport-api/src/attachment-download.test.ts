// downloadAttachment against a loopback server playing both the API (the download route) and
// storage: exact bytes, the cap, the idle deadline, and no token sent to storage.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { realRuntime } from "@assmbl/core";
import { readPart } from "@assmbl/mime";
import { afterEach, describe, expect, it } from "vitest";
import { downloadAttachment } from "./attachment-download.js";
import { createApiHttp } from "./http.js";
import { RetryOptionsSchema } from "./options.js";
import { errorOf, sampleBytes } from "./testing/fixtures.js";

const TOKEN = "am_test_token_download";
type Storage = (req: IncomingMessage, res: ServerResponse) => void;
let server: Server | undefined;
const seen: { url: string; authorization: string | undefined }[] = [];

async function start(storage: Storage): Promise<string> {
  seen.length = 0;
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? "", authorization: req.headers.authorization });
    if (req.method === "POST" && req.url === "/messages/m1/attachments/0/download") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ url: "/_storage/objects/m1-0?signature=abc" }));
      return;
    }
    if (req.method === "GET" && req.url?.startsWith("/_storage/")) return storage(req, res);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

const httpFor = (baseUrl: string) =>
  createApiHttp(
    { baseUrl, token: TOKEN, retry: RetryOptionsSchema.parse({ limit: 0 }), timeoutMs: 2_000 },
    realRuntime,
  );

describe("downloadAttachment", () => {
  it("streams the stored bytes exactly, and sends no token to storage", async () => {
    const bytes = sampleBytes(300_000, 8);
    const url = await start((_req, res) => {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      // In pieces, without Content-Length: the stream must not depend on it.
      res.write(bytes.subarray(0, 100_000));
      res.end(bytes.subarray(100_000));
    });
    const part = await downloadAttachment(httpFor(url), {
      messageId: "m1",
      index: 0,
      maxBytes: bytes.length,
      timeoutMs: 2_000,
    });
    expect(await readPart(part)).toEqual(bytes);
    expect(seen.map((s) => [s.url.split("?")[0], s.authorization])).toEqual([
      ["/messages/m1/attachments/0/download", `Bearer ${TOKEN}`],
      ["/_storage/objects/m1-0", undefined],
    ]);
  });

  it("stops reading past maxBytes (response_too_large) without Content-Length", async () => {
    const url = await start((_req, res) => {
      res.writeHead(200);
      res.end(new Uint8Array(2_000));
    });
    const error = await errorOf(
      downloadAttachment(httpFor(url), {
        messageId: "m1",
        index: 0,
        maxBytes: 1_000,
        timeoutMs: 2_000,
      }).then(readPart),
    );
    expect(error).toMatchObject({ code: "response_too_large" });
  });

  it("a Content-Length over the cap fails before the body is read", async () => {
    const url = await start((_req, res) => {
      res.writeHead(200, { "content-length": String(10 * 1024 * 1024) });
      res.write(new Uint8Array(1024));
      // Never ends: only the declared length can fail it in time.
    });
    const error = await errorOf(
      downloadAttachment(httpFor(url), {
        messageId: "m1",
        index: 0,
        maxBytes: 1_000,
        timeoutMs: 5_000,
      }),
    );
    expect(error).toMatchObject({ code: "response_too_large" });
  });

  it("a body that stalls between chunks fails with timeout (idle deadline), not a hang", async () => {
    const url = await start((_req, res) => {
      res.writeHead(200);
      res.write(new Uint8Array(1024));
    });
    const part = await downloadAttachment(httpFor(url), {
      messageId: "m1",
      index: 0,
      maxBytes: 1_000_000,
      timeoutMs: 300,
    });
    expect(await errorOf(readPart(part))).toMatchObject({ code: "timeout", retryable: true });
  });

  it("a body that trickles just inside the idle deadline still ends soon after timeoutMs (rate floor)", async () => {
    let timer: ReturnType<typeof setInterval> | undefined;
    const url = await start((_req, res) => {
      res.writeHead(200);
      // One byte every 200 ms: never idle for 300 ms, and 1,000 bytes would take 200 s.
      timer = setInterval(() => res.write(new Uint8Array(1)), 200);
      res.on("close", () => clearInterval(timer));
    });
    const part = await downloadAttachment(httpFor(url), {
      messageId: "m1",
      index: 0,
      maxBytes: 1_000,
      expectedBytes: 1_000,
      timeoutMs: 300,
    });
    // Without the floor this would run for 200 s, far past the test's timeout.
    expect(await errorOf(readPart(part))).toMatchObject({ code: "timeout" });
    clearInterval(timer);
  });

  it("a body that ends short of the size the platform reported is an invalid_response", async () => {
    const url = await start((_req, res) => {
      res.writeHead(200);
      res.end(new Uint8Array(600));
    });
    const part = await downloadAttachment(httpFor(url), {
      messageId: "m1",
      index: 0,
      maxBytes: 1_000,
      expectedBytes: 1_000,
      timeoutMs: 2_000,
    });
    expect(await errorOf(readPart(part))).toMatchObject({
      code: "invalid_response",
      message: expect.stringContaining("sent 600 bytes, the platform reported 1000"),
    });
  });

  it("a storage error is mapped like any storage answer", async () => {
    const url = await start((_req, res) => {
      res.writeHead(403, { "content-type": "application/xml" });
      res.end("<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>");
    });
    const error = await errorOf(
      downloadAttachment(httpFor(url), {
        messageId: "m1",
        index: 0,
        maxBytes: 10,
        timeoutMs: 2_000,
      }),
    );
    expect(error).toMatchObject({ code: "forbidden" });
  });
});
