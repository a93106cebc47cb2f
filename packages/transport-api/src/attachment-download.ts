import { AgentMailError, DownloadResponseSchema, Routes } from "@assmbl/core";
import type { PartStream } from "@assmbl/mime/read";
import type { ApiHttp } from "./http.js";
import { failureFromThrown } from "./http-errors.js";

/**
 * The slowest a download may average once its first `timeoutMs` are over (64 KiB/s): a storage
 * peer that trickles a byte just inside each idle timeout cannot hold a call for `size ×
 * timeoutMs`; a 1 GiB attachment at this floor takes under 5 hours, a slow but honest link far less.
 *
 * @example
 * const latest = started + timeoutMs + (received * 1000) / MIN_DOWNLOAD_BYTES_PER_SECOND;
 */
export const MIN_DOWNLOAD_BYTES_PER_SECOND = 64 * 1024;

/**
 * What {@link downloadAttachment} fetches and how.
 *
 * @example
 * const request: DownloadRequest = { messageId: "m1", index: 0, maxBytes: 1 << 20, timeoutMs: 30_000 };
 */
export interface DownloadRequest {
  messageId: string;
  index: number;
  /** The most bytes read; past it the stream errors with `response_too_large`. */
  maxBytes: number;
  /**
   * The size the platform reported, when it did: a body that ends short of it (or runs past
   * it) is an `invalid_response`, never a truncated file.
   */
  expectedBytes?: number | undefined;
  /**
   * Deadline for the answer's headers, then for each chunk after the one before, in ms; past
   * the first `timeoutMs`, the download must also average {@link MIN_DOWNLOAD_BYTES_PER_SECOND}.
   */
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

/**
 * Streams a received attachment from the platform (the `AttachmentSource` `fetchMessage` hands
 * `@assmbl/mime`'s reader): `POST /messages/{id}/attachments/{index}/download`
 * for a presigned URL, then a GET of it. The answer is never buffered: the stream yields chunks
 * as they arrive, errors with `response_too_large` past `maxBytes` (checked against
 * `Content-Length` first), with `timeout` when no chunk comes for `timeoutMs` or the download
 * falls below {@link MIN_DOWNLOAD_BYTES_PER_SECOND} on average after its first `timeoutMs`, and
 * with `invalid_response` when it ends short of `expectedBytes`. The two
 * requests are retried per the client's policy; a failure mid-stream is not (the stream errors).
 *
 * @example
 * const { stream, close } = await downloadAttachment(http, { messageId, index: 0, maxBytes: size, timeoutMs: 30_000 });
 * try { await stream.pipeTo(sink); } finally { close(); }
 * @throws {AgentMailError} the API's and storage's codes (`not_found`, `attachment_pending`,
 * `forbidden`, `network_error`, `timeout`, ...), `response_too_large`, `aborted`.
 */
export async function downloadAttachment(
  http: ApiHttp,
  request: DownloadRequest,
): Promise<PartStream> {
  const { messageId, index, maxBytes, expectedBytes, timeoutMs, signal } = request;
  const what = `download of attachment ${index} of ${messageId}`;
  const url = await requestInboundDownloadUrl(http, messageId, index, signal, what);
  const { response, controller } = await http.retrying(
    async () => {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(timeoutError()), timeoutMs);
      try {
        // A presigned URL carries its own authorization: the token is never sent to storage.
        const response = await http.fetch(url, {
          signal: signal ? AbortSignal.any([controller.signal, signal]) : controller.signal,
        });
        if (!response.ok) return http.fail(response, what, "storage");
        return { response, controller };
      } catch (error) {
        controller.abort();
        throw error;
      } finally {
        clearTimeout(timer);
      }
    },
    { what, signal },
  );
  const tooLarge = () =>
    new AgentMailError({
      code: "response_too_large",
      message: `${what}: storage sent more than the ${maxBytes} bytes expected; the connection was closed without reading the rest`,
      status: response.status,
    });
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes || !response.body) {
    controller.abort();
    if (declared > maxBytes) throw tooLarge();
    return { stream: new Blob([]).stream(), close: () => {} };
  }
  const reader = response.body.getReader();
  const started = Date.now();
  let total = 0;
  // The next chunk must come within timeoutMs, and before the average falls below the floor.
  const waitMs = () =>
    Math.min(
      timeoutMs,
      Math.max(
        0,
        started + timeoutMs + (total * 1000) / MIN_DOWNLOAD_BYTES_PER_SECOND - Date.now(),
      ),
    );
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(sink) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const idle = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(timeoutError()), waitMs());
        });
        try {
          const next = await Promise.race([reader.read(), idle]);
          if (next.done) {
            if (expectedBytes !== undefined && total !== expectedBytes) {
              throw new AgentMailError({
                code: "invalid_response",
                message: `${what}: storage sent ${total} bytes, the platform reported ${expectedBytes}`,
              });
            }
            sink.close();
            return;
          }
          total += next.value.byteLength;
          if (total > maxBytes) throw tooLarge();
          sink.enqueue(next.value);
        } catch (error) {
          // Closes the connection: the rest of an oversized or stalled body is never read.
          controller.abort();
          reader.cancel().catch(() => {});
          sink.error(failureFromThrown(error, what, http.secrets).error);
        } finally {
          clearTimeout(timer);
        }
      },
      cancel(reason) {
        controller.abort();
        return reader.cancel(reason).catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, close: () => controller.abort() };
}

/**
 * `POST /messages/{id}/attachments/{index}/download`: a presigned URL of a received attachment,
 * absolute (a relative one is resolved against the API's base URL). Retried per the client's
 * policy (it only presigns: asking twice is harmless).
 *
 * @example
 * const url = await requestInboundDownloadUrl(http, "m1", 0, signal);
 * @throws {AgentMailError} the API's codes (`not_found`, `attachment_pending`, ...), `invalid_response`.
 */
export async function requestInboundDownloadUrl(
  http: ApiHttp,
  messageId: string,
  index: number,
  signal: AbortSignal | undefined,
  what = `requestInboundAttachmentDownload(${messageId}, ${index})`,
): Promise<string> {
  const { body } = await http.call({
    route: Routes.downloadAttachment,
    params: { id: messageId, index },
    schema: DownloadResponseSchema,
    what,
    signal,
  });
  const url = new URL(body.url, `${http.baseUrl}/`);
  // Fetched here or handed to the caller, who will fetch or show it: http(s) only, never
  // javascript:, data: or file:.
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new AgentMailError({
      code: "invalid_response",
      message: `${what}: the download URL is not http(s) (${url.protocol})`,
    });
  }
  return url.toString();
}

function timeoutError(): DOMException {
  return new DOMException("storage sent no data in time, or too slowly", "TimeoutError");
}
