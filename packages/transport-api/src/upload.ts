import { AgentMailError, type AttachmentBytes, Routes, UploadResponseSchema } from "@assmbl/core";
import { MIN_DOWNLOAD_BYTES_PER_SECOND } from "./attachment-download.js";
import type { ApiHttp } from "./http.js";
import { multipartBody } from "./multipart.js";
import { MAX_TIMER_MS } from "./options.js";
import { type StorageRedirect, storagePost, storageRedirectMode } from "./storage-post.js";

/**
 * Progress of one attachment upload. Counts file bytes only (not the form around them); a retried
 * upload starts again from 0.
 *
 * @example
 * const onUploadProgress = (p: UploadProgress) => console.log(p.filename, p.percent ?? p.transferredBytes);
 */
export interface UploadProgress {
  /** The attachment's index in the message (0 for a lone `uploadAttachment`). */
  index: number;
  filename: string;
  transferredBytes: number;
  /** `undefined` for a stream, whose size is known only at its end. */
  totalBytes: number | undefined;
  /** 0..1, when `totalBytes` is known. */
  percent: number | undefined;
}

/** What an upload produced: the storage key `/send` refers to, and the bytes stored. */
export interface UploadedObject {
  objectKey: string;
  size: number;
}

/** The largest upload a presigned POST can take (S3's limit for one POST: 5 GiB). */
export const MAX_UPLOAD_BYTES = 5 * 1024 ** 3;

/**
 * Uploads one file: `POST /attachments/uploads` for a presigned form, then the form POST to
 * storage (fields first, file last, no token). Bytes are retried like any request (storage
 * replaces an object uploaded twice); a stream is sent once, since the first attempt consumes
 * it: a failure that would have been retried becomes `upload_failed` with `retryable: false`.
 *
 * Sending the file has no timeout (a large file may legitimately take long; abort with
 * `signal`), but storage must answer within `timeoutMs` of the last byte sent.
 * Memory stays flat whatever the file's size: the form is pulled one chunk at a time as the
 * socket takes it, and redirects are refused, so fetch keeps no copy of the body to replay.
 * Where fetch cannot refuse them itself (Cloudflare Workers take no `redirect: "error"`), the
 * redirect answer is refused here instead ({@link storageRedirectMode}).
 *
 * @example
 * const { objectKey, size } = await uploadContent(http, { index: 0, filename: "a.pdf", contentType: "application/pdf", content: bytes });
 * @throws {AgentMailError} the API's and storage's codes (`forbidden`, `payload_too_large`,
 * `server_error`, `network_error`, ...), `upload_failed` for a stream that failed in transit,
 * `invalid_response` when storage answers with a redirect (never followed nor retried).
 * @param redirect how redirects are refused; the runtime's own mode unless a test forces one.
 */
export async function uploadContent(
  http: ApiHttp,
  file: {
    index: number;
    filename: string;
    contentType: string;
    content: AttachmentBytes;
    /** For a stream: the most it may hold (default {@link MAX_UPLOAD_BYTES}). */
    maxBytes?: number | undefined;
    onProgress?: ((progress: UploadProgress) => void) | undefined;
    signal?: AbortSignal | undefined;
  },
  redirect: StorageRedirect = storageRedirectMode(),
): Promise<UploadedObject> {
  const { content, filename, index, signal } = file;
  const isBytes = content instanceof Uint8Array;
  const what = `upload of attachment ${index} (${filename})`;
  // A presigned policy needs a positive max_bytes: an empty file gets a range of 0..1.
  const maxBytes = isBytes ? Math.max(1, content.length) : (file.maxBytes ?? MAX_UPLOAD_BYTES);
  const { body: presigned } = await http.call({
    route: Routes.requestUpload,
    json: { file_name: filename, content_type: file.contentType, max_bytes: maxBytes },
    schema: UploadResponseSchema,
    what: `${what}: request an upload URL`,
    signal,
  });
  const url = new URL(presigned.upload.url, `${http.baseUrl}/`).toString();
  const totalBytes = isBytes ? content.length : undefined;
  let size = 0;
  try {
    await http.retrying(
      async () => {
        size = 0;
        const form = multipartBody(
          presigned.upload.fields,
          { name: "file", filename, contentType: file.contentType, content },
          (sent) => {
            size = sent;
            file.onProgress?.({
              index,
              filename,
              transferredBytes: sent,
              totalBytes,
              percent: totalBytes ? sent / totalBytes : undefined,
            });
          },
        );
        const answer = answerDeadline(form.body, http.timeoutMs, what);
        const init = {
          method: "POST",
          body: answer.body,
          headers: {
            "content-type": form.contentType,
            ...(form.length === undefined ? {} : { "content-length": String(form.length) }),
          },
          // A streamed request body needs half duplex (Node's fetch; ignored where unsupported).
          duplex: "half",
          // `redirect` is storagePost's: "error" where the runtime takes it (Node: any other
          // mode makes undici tee the body to replay it, keeping every byte sent), else "manual".
          signal: signal ? AbortSignal.any([signal, answer.signal]) : answer.signal,
        } as RequestInit;
        const response = await storagePost(http, url, what, init, redirect).finally(answer.clear);
        if (!response.ok) return http.fail(response, what, "storage");
        await response.body?.cancel();
      },
      { what, signal, replayable: isBytes },
    );
  } catch (error) {
    if (!isBytes && AgentMailError.is(error) && error.retryable && error.code !== "aborted") {
      throw new AgentMailError({
        code: "upload_failed",
        message: `${error.message}; the attachment was a stream, which that attempt consumed, so it was not retried and nothing was sent: send again with a fresh stream, or pass bytes to let the transport retry`,
        ...(error.status === undefined ? {} : { status: error.status }),
        body: error.body,
        retryable: false,
        cause: error,
      });
    }
    throw error;
  }
  return { objectKey: presigned.object_key, size: isBytes ? content.length : size };
}

/**
 * The upload itself has no deadline (a large file may legitimately take long), but storage's
 * answer does: `timeoutMs` from the moment the last byte of the form was handed to `fetch`, plus
 * time for what may still sit in socket buffers at that moment (up to 8 MiB, at the 64 KiB/s a
 * download must average): a storage peer that reads the whole file and never answers cannot hold
 * the call, and a slow but honest link is not cut off while its buffers drain.
 */
function answerDeadline(
  body: ReadableStream<Uint8Array>,
  timeoutMs: number,
  what: string,
): { body: ReadableStream<Uint8Array>; signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let sent = 0;
  const watched = body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, out) {
        sent += chunk.byteLength;
        out.enqueue(chunk);
      },
      flush() {
        const draining = (Math.min(sent, IN_FLIGHT_BYTES) * 1000) / MIN_DOWNLOAD_BYTES_PER_SECOND;
        const waitMs = Math.min(timeoutMs + draining, MAX_TIMER_MS);
        const reason = new DOMException(
          `${what}: storage did not answer within ${Math.round(waitMs)} ms of the last byte sent`,
          "TimeoutError",
        );
        timer = setTimeout(() => controller.abort(reason), waitMs);
      },
    }),
  );
  return { body: watched, signal: controller.signal, clear: () => clearTimeout(timer) };
}

// The most of an upload that may still be on its way (socket send buffers) when fetch has taken
// the last byte: Linux's largest default TCP send buffer is 4 MiB; twice that, for any proxy.
const IN_FLIGHT_BYTES = 8 * 1024 * 1024;
