import type { AttachmentBytes } from "@assmbl/core";

const encoder = new TextEncoder();

/** A multipart/form-data request body, streamed. */
export interface MultipartBody {
  body: ReadableStream<Uint8Array>;
  /** `multipart/form-data; boundary=...`. */
  contentType: string;
  /** The exact byte length when the file is bytes; `undefined` for a stream (sent chunked). */
  length: number | undefined;
}

/**
 * Builds the body of an S3-style presigned POST: every field in order, then the file as the last
 * entry (S3 ignores fields after `file`). It is streamed, never assembled: a stream is read as the
 * request goes out, and `onFileBytes` is told how many file bytes have left so far.
 *
 * Names and filenames are escaped as browsers do (WHATWG: `"` as `%22`, CR as `%0D`, LF as `%0A`);
 * the filename is otherwise sent as UTF-8.
 *
 * @example
 * const { body, contentType, length } = multipartBody(upload.fields, { name: "file", filename: "a.txt", contentType: "text/plain", content: bytes });
 * await fetch(upload.url, { method: "POST", body, duplex: "half", headers: { "content-type": contentType } });
 */
export function multipartBody(
  fields: Record<string, string>,
  file: { name: string; filename: string; contentType: string; content: AttachmentBytes },
  onFileBytes?: (sent: number) => void,
  boundary = `----AgentMailFormBoundary${randomHex(16)}`,
): MultipartBody {
  let head = "";
  for (const [name, value] of Object.entries(fields)) {
    head += `--${boundary}\r\nContent-Disposition: form-data; name="${escapeName(name)}"\r\n\r\n${value}\r\n`;
  }
  head +=
    `--${boundary}\r\nContent-Disposition: form-data; name="${escapeName(file.name)}"; ` +
    `filename="${escapeName(file.filename)}"\r\nContent-Type: ${file.contentType}\r\n\r\n`;
  const headBytes = encoder.encode(head);
  const tailBytes = encoder.encode(`\r\n--${boundary}--\r\n`);
  const content = file.content;
  const length =
    content instanceof Uint8Array
      ? headBytes.length + content.length + tailBytes.length
      : undefined;

  let sent = 0;
  const count = (chunk: Uint8Array) => {
    sent += chunk.length;
    onFileBytes?.(sent);
  };
  // Chunks of at most 64 KiB, so progress is reported while large byte arrays go out too.
  const CHUNK = 64 * 1024;
  let stage: "head" | "file" | "tail" | "done" = "head";
  let offset = 0;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (stage === "head") {
          controller.enqueue(headBytes);
          stage = "file";
          return;
        }
        if (stage === "file") {
          if (content instanceof Uint8Array) {
            if (offset < content.length) {
              const chunk = content.subarray(offset, offset + CHUNK);
              offset += chunk.length;
              controller.enqueue(chunk);
              count(chunk);
              return;
            }
          } else {
            reader ??= content.getReader();
            const next = await reader.read();
            if (!next.done) {
              controller.enqueue(next.value);
              count(next.value);
              return;
            }
          }
          stage = "tail";
        }
        if (stage === "tail") {
          controller.enqueue(tailBytes);
          stage = "done";
          return;
        }
        controller.close();
      },
      async cancel(reason) {
        if (!(content instanceof Uint8Array)) await (reader ?? content).cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return { body, contentType: `multipart/form-data; boundary=${boundary}`, length };
}

function escapeName(value: string): string {
  return value.replace(/"/g, "%22").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

function randomHex(bytes: number): string {
  return Array.from(globalThis.crypto.getRandomValues(new Uint8Array(bytes)), (b) =>
    b.toString(16).padStart(2, "0"),
  ).join("");
}
