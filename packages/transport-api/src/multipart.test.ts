// The upload form, read back by undici's multipart parser (what Node's fetch uses for
// Response.formData()): an independent reader of what multipartBody writes.
import { describe, expect, it } from "vitest";
import { multipartBody } from "./multipart.js";
import { sampleBytes, streamOf } from "./testing/fixtures.js";

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

const fields = {
  key: "uploads/my-agent/1-r\u00e9sum\u00e9.pdf.asc",
  "Content-Type": "application/pgp-encrypted",
  policy: "eyJleHBpcmF0aW9uIjoi...==",
  "x-amz-signature": "ab".repeat(32),
};

describe("multipartBody", () => {
  it("writes every field in order, then the file last, with its exact length", async () => {
    const bytes = sampleBytes(200_000);
    const progress: number[] = [];
    const form = multipartBody(
      fields,
      {
        name: "file",
        filename: 'r\u00e9sum\u00e9 "1".pdf.asc',
        contentType: "application/pgp-encrypted",
        content: bytes,
      },
      (sent) => progress.push(sent),
    );
    const raw = await collect(form.body);
    expect(raw.length).toBe(form.length);
    const parsed = await new Response(raw, {
      headers: { "content-type": form.contentType },
    }).formData();
    expect([...parsed.keys()]).toEqual([...Object.keys(fields), "file"]);
    for (const [name, value] of Object.entries(fields)) expect(parsed.get(name)).toBe(value);
    const file = parsed.get("file") as File;
    // The WHATWG escaping of quotes round-trips through a browser-compatible parser.
    expect(file.name).toBe('r\u00e9sum\u00e9 "1".pdf.asc');
    expect(file.type).toBe("application/pgp-encrypted");
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(bytes);
    // Reported in 64 KiB steps as the bytes went out, ending at the whole file.
    expect(progress).toEqual([65_536, 131_072, 196_608, 200_000]);
  });

  it("streams a stream without knowing its length", async () => {
    const bytes = sampleBytes(10_000, 7);
    const progress: number[] = [];
    const form = multipartBody(
      { key: "k" },
      {
        name: "file",
        filename: "a.bin",
        contentType: "application/octet-stream",
        content: streamOf(bytes, 4_000),
      },
      (sent) => progress.push(sent),
    );
    expect(form.length).toBeUndefined();
    const parsed = await new Response(await collect(form.body), {
      headers: { "content-type": form.contentType },
    }).formData();
    expect(new Uint8Array(await (parsed.get("file") as File).arrayBuffer())).toEqual(bytes);
    expect(progress).toEqual([4_000, 8_000, 10_000]);
  });

  it("an empty file is an empty part", async () => {
    const form = multipartBody(
      {},
      {
        name: "file",
        filename: "empty.txt",
        contentType: "text/plain",
        content: new Uint8Array(0),
      },
    );
    const raw = await collect(form.body);
    expect(raw.length).toBe(form.length);
    const parsed = await new Response(raw, {
      headers: { "content-type": form.contentType },
    }).formData();
    expect((parsed.get("file") as File).size).toBe(0);
  });

  it("cancelling the body cancels the source stream", async () => {
    let cancelled: unknown;
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new Uint8Array(10));
      },
      cancel(reason) {
        cancelled = reason;
      },
    });
    const form = multipartBody(
      {},
      { name: "file", filename: "x", contentType: "application/octet-stream", content: source },
    );
    const reader = form.body.getReader();
    await reader.read();
    await reader.read();
    await reader.cancel("stop");
    expect(cancelled).toBe("stop");
  });
});
