import {
  type AttachmentContent,
  assertSafeHeaderValue,
  DownloadResponseSchema,
  isAttachmentContent,
  Limits,
  MediaTypeSchema,
  parseInput,
  Routes,
  toAttachmentBytes,
  UploadResponseSchema,
} from "@assmbl/core";
import { z } from "zod";
import { signalOf } from "./call-options.js";
import type { AgentMailClient } from "./client.js";
import type { ApiHttp } from "./http.js";
import { MAX_UPLOAD_BYTES, type UploadProgress, uploadContent } from "./upload.js";

/**
 * A presigned upload (S3 POST policy): POST a multipart form with every field, then the file last.
 *
 * @example
 * const { objectKey, upload } = await client.requestAttachmentUpload({ filename: "r.pdf", contentType: "application/pdf", maxBytes: 1 << 20 });
 */
export interface PresignedUpload {
  objectKey: string;
  upload: { url: string; fields: Record<string, string> };
}

/**
 * An attachment in platform storage, in the shape `mailer.send` takes as an attachment.
 *
 * @example
 * const ref: UploadedAttachment = await client.uploadAttachment({ filename: "r.pdf", content: bytes });
 * await mailer.send({ to, subject, text, attachments: [ref] });
 */
export interface UploadedAttachment {
  objectKey: string;
  filename: string;
  contentType: string;
  size: number;
}

/**
 * What {@link AgentMailClient.uploadAttachment} uploads.
 *
 * @example
 * const input: UploadAttachmentInput = { filename: "report.pdf", contentType: "application/pdf", content: bytes };
 */
export interface UploadAttachmentInput {
  /** A base name (no `/` or `\`), at most 255 UTF-8 bytes. */
  filename: string;
  /** Defaults to `application/octet-stream` (`text/plain; charset=utf-8` for a string). */
  contentType?: string | undefined;
  content: AttachmentContent;
  /** For a stream: the most it may hold (default 5 GiB). */
  maxBytes?: number | undefined;
  onProgress?: ((progress: UploadProgress) => void) | undefined;
}

const filename = z
  .string()
  .min(1)
  .refine(
    (value) => !/[/\\]/.test(value) && value !== "." && value !== "..",
    "expected a base name, without / or \\",
  )
  .refine(
    (value) => new TextEncoder().encode(value).length <= Limits.filenameBytes,
    `expected at most ${Limits.filenameBytes} UTF-8 bytes`,
  );

/** The input of `requestAttachmentUpload`, checked. @internal */
export const UploadRequestInputSchema = z.strictObject({
  filename,
  contentType: MediaTypeSchema,
  maxBytes: z.int().positive().max(MAX_UPLOAD_BYTES),
});

/** {@link UploadAttachmentInput}, checked. @internal */
export const UploadInputSchema = z.strictObject({
  filename,
  contentType: MediaTypeSchema.optional(),
  content: z.custom<AttachmentContent>(
    isAttachmentContent,
    "expected bytes, a string, a ReadableStream or an async iterable",
  ),
  maxBytes: z.int().positive().max(MAX_UPLOAD_BYTES).optional(),
  onProgress: z
    .custom<(p: UploadProgress) => void>((v) => typeof v === "function", "expected a function")
    .optional(),
});

/**
 * The attachment storage calls of the client (see `AgentMailClient`).
 *
 * @internal
 * @example
 * const calls = attachmentCalls(http);
 * const ref = await calls.uploadAttachment({ filename: "r.pdf", content: bytes });
 */
export function attachmentCalls(
  http: ApiHttp,
): Pick<
  AgentMailClient,
  "requestAttachmentUpload" | "uploadAttachment" | "requestAttachmentDownload"
> {
  return {
    async requestAttachmentUpload(input, callOptions) {
      const signal = signalOf(callOptions, "requestAttachmentUpload");
      const request = parseInput(UploadRequestInputSchema, input, "requestAttachmentUpload input");
      assertSafeHeaderValue(request.filename, "requestAttachmentUpload filename");
      const { body } = await http.call({
        route: Routes.requestUpload,
        json: {
          file_name: request.filename,
          content_type: request.contentType,
          max_bytes: request.maxBytes,
        },
        schema: UploadResponseSchema,
        what: "requestAttachmentUpload",
        signal,
      });
      return {
        objectKey: body.object_key,
        upload: {
          url: new URL(body.upload.url, `${http.baseUrl}/`).toString(),
          fields: { ...body.upload.fields },
        },
      };
    },
    async uploadAttachment(input, callOptions) {
      const signal = signalOf(callOptions, "uploadAttachment");
      const upload = parseInput(
        UploadInputSchema,
        input,
        "uploadAttachment input",
        "invalid_attachment",
      );
      assertSafeHeaderValue(upload.filename, "uploadAttachment filename");
      const contentType =
        upload.contentType ??
        (typeof upload.content === "string"
          ? "text/plain; charset=utf-8"
          : "application/octet-stream");
      const { objectKey, size } = await uploadContent(http, {
        index: 0,
        filename: upload.filename,
        contentType,
        content: toAttachmentBytes(upload.content),
        maxBytes: upload.maxBytes,
        onProgress: upload.onProgress,
        signal,
      });
      return { objectKey, filename: upload.filename, contentType, size };
    },
    async requestAttachmentDownload(objectKey, callOptions) {
      const signal = signalOf(callOptions, "requestAttachmentDownload");
      const key = parseInput(
        z.string().min(1, "expected an object key"),
        objectKey,
        "requestAttachmentDownload objectKey",
      );
      const { body } = await http.call({
        route: Routes.requestDownload,
        json: { object_key: key },
        schema: DownloadResponseSchema,
        what: "requestAttachmentDownload",
        signal,
      });
      return { url: new URL(body.url, `${http.baseUrl}/`).toString() };
    },
  };
}
