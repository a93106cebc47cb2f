// Storage that takes the whole upload and never answers: the call ends `timeoutMs` after the
// last byte went out, instead of waiting for undici's 300 s header timeout. The deadline also
// allows for bytes still in socket buffers (the file's size at 64 KiB/s, up to 8 MiB), so the
// files here are a few KiB: 200 kB would add 3 s to every attempt and prove nothing more.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createAgentMailClient } from "./client.js";
import { errorOf, sampleBytes } from "./testing/fixtures.js";

let server: Server | undefined;
let received = 0;

async function silentStorage(): Promise<string> {
  received = 0;
  server = createServer((req, res) => {
    if (req.url === "/attachments/uploads") {
      req.resume();
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          object_key: "uploads/a/1-f.bin",
          upload: { url: "/storage", fields: { key: "uploads/a/1-f.bin" } },
        }),
      );
      return;
    }
    // Reads everything, answers nothing.
    req.on("data", (chunk: Buffer) => {
      received += chunk.length;
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

describe("storage's answer to an upload has a deadline", () => {
  it("bytes: the attempt times out timeoutMs after the last byte (then the retries do too)", async () => {
    const baseUrl = await silentStorage();
    const client = createAgentMailClient({
      baseUrl,
      token: "am_t",
      timeoutMs: 300,
      // No backoff between the two attempts: the wait is not what is tested.
      retry: { limit: 1, backoffLimitMs: 0 },
    });
    const bytes = sampleBytes(4_096, 3);
    const error = await errorOf(client.uploadAttachment({ filename: "f.bin", content: bytes }));
    expect(error).toMatchObject({ code: "timeout" });
    // Both attempts sent the whole file before waiting for the answer.
    expect(received).toBeGreaterThanOrEqual(2 * bytes.length);
  });

  it("a stream: upload_failed (not retried: the stream was consumed)", async () => {
    const baseUrl = await silentStorage();
    const client = createAgentMailClient({ baseUrl, token: "am_t", timeoutMs: 300 });
    const bytes = sampleBytes(4_096, 4);
    const error = await errorOf(
      client.uploadAttachment({
        filename: "f.bin",
        content: new Blob([bytes as Uint8Array<ArrayBuffer>]).stream(),
      }),
    );
    expect(error).toMatchObject({ code: "upload_failed", retryable: false });
    expect(error.message).toContain("no answer in time");
  });
});
