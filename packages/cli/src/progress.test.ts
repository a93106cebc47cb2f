import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { formatBytes, uploadProgress } from "./progress.js";

function stream(isTTY: boolean) {
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on("data", (chunk: Buffer) => chunks.push(chunk.toString()));
  return { out: Object.assign(out, { isTTY, columns: 60 }), chunks };
}

describe("uploadProgress", () => {
  it("draws one line, rewritten in place, on a terminal, and ends it", () => {
    const { out, chunks } = stream(true);
    const progress = uploadProgress(out, 2);
    progress?.update({
      index: 0,
      filename: "a.csv",
      transferredBytes: 512,
      totalBytes: 1024,
      percent: 0.5,
    });
    progress?.update({
      index: 1,
      filename: "b.bin",
      transferredBytes: 2048,
      totalBytes: undefined,
      percent: undefined,
    });
    progress?.done();
    expect(chunks).toEqual([
      "\rupload 1/2 a.csv  50% 512 B\x1b[K",
      "\rupload 2/2 b.bin 2.0 KiB\x1b[K",
      "\n",
    ]);
  });

  it("is nothing at all when the stream is not a terminal, or there is nothing to upload", () => {
    expect(uploadProgress(stream(false).out, 2)).toBeUndefined();
    expect(uploadProgress(stream(true).out, 0)).toBeUndefined();
  });
});

describe("formatBytes", () => {
  it.each([
    [0, "0 B"],
    [1023, "1023 B"],
    [1536, "1.5 KiB"],
    [5 * 1024 * 1024, "5.0 MiB"],
  ])("%d is %s", (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});
