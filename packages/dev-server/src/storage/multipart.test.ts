import { describe, expect, it } from "vitest";
import { MultipartError, MultipartReader, multipartBoundary } from "./multipart.js";

/** A stream of `bytes` cut into chunks of `size` bytes, counting what was pulled. */
function chunked(bytes: Uint8Array, size: number) {
  let offset = 0;
  const stats = { pulled: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      const chunk = bytes.slice(offset, offset + size);
      offset += chunk.length;
      stats.pulled += chunk.length;
      controller.enqueue(chunk);
    },
  });
  return { stream, stats };
}

const encode = (text: string) => new TextEncoder().encode(text);

async function readAll(body: Uint8Array, boundary: string, chunkSize: number) {
  const reader = new MultipartReader(chunked(body, chunkSize).stream, boundary);
  const parts: Array<{ name: string; filename?: string; contentType?: string; text: string }> = [];
  for (let part = await reader.nextPart(); part; part = await reader.nextPart()) {
    parts.push({ ...part, text: new TextDecoder().decode(await reader.readContent(1 << 20)) });
  }
  return parts;
}

const BODY =
  "preamble to ignore\r\n" +
  "--XyZ\r\n" +
  'Content-Disposition: form-data; name="key"\r\n\r\n' +
  "uploads/a/1-r.pdf\r\n" +
  "--XyZ\r\n" +
  'Content-Disposition: form-data; name="quoted"\r\n\r\n' +
  "a\r\n--XyNOT a boundary\r\n" +
  "--XyZ  \r\n" +
  'Content-Disposition: form-data; name="file"; filename="a \\"b\\"; c.txt"\r\n' +
  "Content-Type: text/plain\r\n\r\n" +
  "line 1\r\nline 2\r\n" +
  "--XyZ--\r\nepilogue";

describe("MultipartReader", () => {
  it.each([1, 2, 3, 7, 64, 100_000])(
    "reads fields and the file whatever the chunking (%i-byte chunks)",
    async (size) => {
      expect(await readAll(encode(BODY), "XyZ", size)).toEqual([
        { name: "key", text: "uploads/a/1-r.pdf" },
        { name: "quoted", text: "a\r\n--XyNOT a boundary" },
        {
          name: "file",
          filename: 'a "b"; c.txt',
          contentType: "text/plain",
          text: "line 1\r\nline 2",
        },
      ]);
    },
  );

  it("keeps binary content byte for byte, CR and LF and boundary look-alikes included", async () => {
    const payload = Uint8Array.from({ length: 5000 }, (_, i) => (i * 37 + (i >> 3)) % 256);
    payload.set(encode("\r\n--b"), 1000);
    const body = Buffer.concat([
      encode('--b0\r\nContent-Disposition: form-data; name="file"\r\n\r\n'),
      payload,
      encode("\r\n--b0--\r\n"),
    ]);
    for (const size of [1, 13, 4096]) {
      const reader = new MultipartReader(chunked(body, size).stream, "b0");
      expect((await reader.nextPart())?.name).toBe("file");
      expect(Buffer.from(await reader.readContent(5000)).equals(Buffer.from(payload))).toBe(true);
      expect(await reader.nextPart()).toBeUndefined();
      expect(await reader.nextPart()).toBeUndefined();
    }
  });

  it("skips an unread part when asked for the next one", async () => {
    const reader = new MultipartReader(chunked(encode(BODY), 5).stream, "XyZ");
    await reader.nextPart();
    expect((await reader.nextPart())?.name).toBe("quoted");
    expect((await reader.nextPart())?.name).toBe("file");
  });

  it("refuses a part over the limit as soon as the limit is passed, without reading the rest", async () => {
    const head = encode('--B\r\nContent-Disposition: form-data; name="file"\r\n\r\n');
    const body = Buffer.concat([head, new Uint8Array(4 * 1024 * 1024), encode("\r\n--B--\r\n")]);
    const { stream, stats } = chunked(body, 16 * 1024);
    const reader = new MultipartReader(stream, "B");
    await reader.nextPart();
    const error = await reader.readContent(1000).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MultipartError);
    expect((error as MultipartError).reason).toBe("too_large");
    expect(stats.pulled).toBeLessThan(64 * 1024);
  });

  it("accepts a part of exactly the limit", async () => {
    const body = encode('--B\r\nContent-Disposition: form-data; name="file"\r\n\r\n12345\r\n--B--');
    const reader = new MultipartReader(chunked(body, 2).stream, "B");
    await reader.nextPart();
    expect(new TextDecoder().decode(await reader.readContent(5))).toBe("12345");
  });

  it.each([
    ["no boundary at all", "just some text"],
    [
      "a body that ends inside a part",
      '--B\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue',
    ],
    ["a body that ends inside the headers", '--B\r\nContent-Disposition: form-data; name="a"'],
    ["a part without Content-Disposition", "--B\r\nContent-Type: text/plain\r\n\r\nx\r\n--B--"],
    ["a part without a name", "--B\r\nContent-Disposition: form-data\r\n\r\nx\r\n--B--"],
    [
      "a disposition other than form-data",
      '--B\r\nContent-Disposition: attachment; name="a"\r\n\r\nx\r\n--B--',
    ],
    ["a header line without a colon", "--B\r\nnonsense\r\n\r\nx\r\n--B--"],
    [
      "text after a boundary",
      '--Bjunk\r\nContent-Disposition: form-data; name="a"\r\n\r\nx\r\n--B--',
    ],
    ["headers that never end", `--B\r\nX-Long: ${"a".repeat(40_000)}`],
  ])("refuses %s as malformed", async (_, text) => {
    const error = await readAll(encode(text), "B", 3).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MultipartError);
    expect((error as MultipartError).reason).toBe("malformed");
  });
});

describe("multipartBoundary", () => {
  it.each([
    ["multipart/form-data; boundary=abc", "abc"],
    ['Multipart/Form-Data; charset=utf-8; boundary="a b;c"', "a b;c"],
    ["multipart/form-data", undefined],
    ["multipart/form-data; boundary=", undefined],
    [`multipart/form-data; boundary=${"x".repeat(71)}`, undefined],
    ["multipart/mixed; boundary=abc", undefined],
    ["application/json", undefined],
    [undefined, undefined],
  ])("%s → %s", (contentType, boundary) => {
    expect(multipartBoundary(contentType)).toBe(boundary);
  });
});

describe("MultipartReader.readContent with a size hint", () => {
  const file = new Uint8Array(Array.from({ length: 5000 }, (_, i) => (i * 7) % 256));
  const body = new Uint8Array(
    Buffer.concat([
      Buffer.from('--B\r\nContent-Disposition: form-data; name="key"\r\n\r\nk\r\n'),
      Buffer.from('--B\r\nContent-Disposition: form-data; name="file"\r\n\r\n'),
      Buffer.from(file),
      Buffer.from("\r\n--B--\r\n"),
    ]),
  );

  /** Reads the field, then the file with `hint(bytes left in the body)` as its size hint. */
  async function readFile(chunkSize: number, hint: (left: number) => number) {
    const reader = new MultipartReader(chunked(body, chunkSize).stream, "B");
    await reader.nextPart();
    expect(new TextDecoder().decode(await reader.readContent(10))).toBe("k");
    await reader.nextPart();
    const left = body.length - reader.bytesConsumed;
    const bytes = await reader.readContent(1 << 20, hint(left));
    return { bytes, left };
  }

  it.each([1, 7, 64, 4096, 100_000])(
    "fills one buffer of the body's remaining size and returns a view of it (%i-byte chunks)",
    async (size) => {
      const { bytes, left } = await readFile(size, (rest) => rest);
      // What is left after the file's headers: the file and the closing delimiter.
      expect(left).toBe(file.length + "\r\n--B--\r\n".length);
      expect(bytes).toEqual(file);
      expect(bytes.buffer.byteLength).toBe(left);
    },
  );

  it.each([
    ["too small", (left: number) => left - 100],
    ["one byte", () => 1],
    ["far too large", (left: number) => left * 3],
    ["absent", () => 0],
  ])("reads the same bytes when the hint is %s", async (_, hint) => {
    for (const size of [3, 1000]) {
      const { bytes } = await readFile(size, hint);
      expect(bytes).toEqual(file);
      // Never more than twice the file is kept alive by what is returned.
      expect(bytes.buffer.byteLength).toBeLessThanOrEqual(2 * file.length);
    }
  });

  it("still refuses a part over the limit", async () => {
    const reader = new MultipartReader(chunked(body, 100).stream, "B");
    await reader.nextPart();
    await reader.readContent(10);
    await reader.nextPart();
    const error = await reader.readContent(4999, 5000).catch((caught: unknown) => caught);
    expect((error as MultipartError).reason).toBe("too_large");
  });
});
