import { createHash, randomBytes } from "node:crypto";
import { Routes } from "@assmbl/core";
import { describe, expect, it } from "vitest";
import { postJson, useServers } from "../testing/helpers.js";
import { MY_TOKEN, PLATFORM_AGENTS, requestUpload, s3Code } from "../testing/platform.js";

const serve = useServers();
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
// Several of the storage GET's 1 MiB views, and not a multiple of them.
const SIZE = 5 * 1024 * 1024 + 3;

/** The presigned form as raw multipart bytes, the file last. */
function formBody(fields: Record<string, string>, file: Uint8Array) {
  const boundary = `b${randomBytes(8).toString("hex")}`;
  let head = "";
  for (const [name, value] of Object.entries(fields)) {
    head += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  }
  head += `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="f.bin"\r\n\r\n`;
  const body = Buffer.concat([Buffer.from(head), file, Buffer.from(`\r\n--${boundary}--\r\n`)]);
  const closing = `\r\n--${boundary}--\r\n`.length;
  return { body, closing, contentType: `multipart/form-data; boundary=${boundary}` };
}

/** `bytes` as a stream of 64 KiB chunks: fetch sends it chunked, without a Content-Length. */
function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + 65_536));
      offset += 65_536;
    },
  });
}

describe("large objects through the storage URLs", () => {
  it.each([
    ["with a Content-Length", false],
    ["chunked, without a Content-Length", true],
  ])("stores a multi-MiB upload %s byte for byte, and streams it back", async (_, chunked) => {
    const server = await serve({ agents: PLATFORM_AGENTS });
    const file = randomBytes(SIZE);
    const { object_key, upload } = await requestUpload(server, MY_TOKEN, {
      file_name: "f.bin",
      content_type: "application/octet-stream",
      max_bytes: SIZE,
    });
    const { body, closing, contentType } = formBody(upload.fields, file);
    const response = await fetch(upload.url, {
      method: "POST",
      headers: { "content-type": contentType },
      ...(chunked ? { body: streamOf(body), duplex: "half" } : { body }),
    } as RequestInit);
    expect(response.status).toBe(204);
    const stored = server.store.objects.view(object_key);
    expect(stored?.bytes.byteLength).toBe(SIZE);
    if (!chunked) {
      // Written into one buffer sized from the Content-Length (what was left of the body once
      // the file began: the file and the closing delimiter, capped at max_bytes + 1), not
      // gathered in chunks and joined (which would leave a buffer of exactly SIZE).
      expect(stored?.bytes.buffer.byteLength).toBe(Math.min(SIZE + closing, SIZE + 1));
    }

    const presigned = await postJson(
      server,
      Routes.requestDownload.path,
      { object_key },
      { token: MY_TOKEN },
    );
    const { url } = (await presigned.json()) as { url: string };
    const head = await fetch(url, { method: "HEAD" });
    expect(head.headers.get("content-length")).toBe(String(SIZE));
    expect(await head.text()).toBe("");
    const download = await fetch(url);
    expect(download.status).toBe(200);
    expect(download.headers.get("content-length")).toBe(String(SIZE));
    expect(sha256(new Uint8Array(await download.arrayBuffer()))).toBe(sha256(file));
  });

  it.each([false, true])(
    "refuses a file one byte over max_bytes with EntityTooLarge (chunked: %s)",
    async (chunked) => {
      const server = await serve({ agents: PLATFORM_AGENTS });
      const { object_key, upload } = await requestUpload(server, MY_TOKEN, {
        file_name: "f.bin",
        content_type: "application/octet-stream",
        max_bytes: SIZE - 1,
      });
      const { body, contentType } = formBody(upload.fields, randomBytes(SIZE));
      const response = await fetch(upload.url, {
        method: "POST",
        headers: { "content-type": contentType },
        ...(chunked ? { body: streamOf(body), duplex: "half" } : { body }),
      } as RequestInit);
      expect(response.status).toBe(400);
      expect(await s3Code(response)).toBe("EntityTooLarge");
      expect(server.store.objects.view(object_key)).toBeUndefined();
    },
  );
});
