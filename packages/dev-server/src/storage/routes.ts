import { constants } from "node:buffer";
import type { Context, Hono } from "hono";
import { logServerError } from "../http/problem.js";
import { attachmentDisposition } from "./content-disposition.js";
import {
  objectKeyOfPath,
  STORAGE_OBJECTS_PREFIX,
  STORAGE_PREFIX,
  STORAGE_UPLOAD_PATH,
  verifyDownload,
} from "./download-url.js";
import { MultipartError, MultipartReader, multipartBoundary } from "./multipart.js";
import type { ObjectStore } from "./object-store.js";
import type { Presigner } from "./presigner.js";
import { accessDenied, malformedPost, S3Error, s3ErrorResponse } from "./s3-error.js";
import { verifyUpload } from "./upload-policy.js";

/** What the storage URLs share with the API routes that presign them. */
export interface StorageContext {
  objects: ObjectStore;
  presigner: Presigner;
}

/** Form fields before `file`: a handful of short values in a real presigned POST. */
const MAX_FIELDS = 32;
const MAX_FIELD_BYTES = 64 * 1024;
/** The largest buffer Node allocates (4 GiB on 64-bit Node 20): the largest object stored. */
const MAX_OBJECT_BYTES = constants.MAX_LENGTH;
/** A download goes out in views of this size. */
const DOWNLOAD_CHUNK_BYTES = 1024 * 1024;

/**
 * Mounts the storage URLs the API presigns, answering like S3 (XML errors, 204 on upload):
 * `POST /_storage/upload` takes a presigned multipart form, `GET /_storage/objects/<key>` a
 * presigned download. Other methods get S3's 405 `MethodNotAllowed`.
 */
export function mountStorageRoutes(app: Hono, context: StorageContext): void {
  app.all(`${STORAGE_PREFIX}*`, async (c) => {
    try {
      const path = new URL(c.req.url).pathname;
      if (path === STORAGE_UPLOAD_PATH) {
        if (c.req.method !== "POST") throw methodNotAllowed();
        return await upload(c, context);
      }
      if (path.startsWith(STORAGE_OBJECTS_PREFIX)) {
        if (c.req.method !== "GET" && c.req.method !== "HEAD") throw methodNotAllowed();
        return download(c, context, path.slice(STORAGE_OBJECTS_PREFIX.length));
      }
      throw new S3Error("NoSuchKey", "The specified key does not exist.", 404);
    } catch (error) {
      if (error instanceof S3Error) return s3ErrorResponse(error);
      logServerError(error);
      return s3ErrorResponse(
        new S3Error("InternalError", "We encountered an internal error. Please try again.", 500),
      );
    }
  });
}

/**
 * The presigned POST: fields first (checked against their signed policy before a byte of the
 * file is read), then `file`, whose size is checked as it arrives. Fields after `file` are
 * ignored, as S3 does. Storing under an existing key replaces the object.
 */
async function upload(c: Context, { objects, presigner }: StorageContext): Promise<Response> {
  const boundary = multipartBoundary(c.req.header("content-type"));
  if (boundary === undefined) {
    throw new S3Error(
      "PreconditionFailed",
      "Bucket POST must be of the enclosure-type multipart/form-data",
      412,
    );
  }
  const body = c.req.raw.body;
  if (!body) throw malformedPost("the body is empty");
  const reader = new MultipartReader(body, boundary);
  try {
    const fields = new Map<string, string>();
    for (;;) {
      const part = await reader.nextPart();
      if (!part) {
        throw new S3Error(
          "InvalidArgument",
          "POST requires exactly one file upload per request.",
          400,
        );
      }
      const name = part.name.toLowerCase();
      if (name === "file") break;
      if (fields.has(name) || fields.size >= MAX_FIELDS) {
        throw new S3Error(
          "InvalidArgument",
          fields.has(name)
            ? `The form field ${part.name.slice(0, 64)} is given more than once.`
            : "The form has too many fields.",
          400,
        );
      }
      const value = await reader.readContent(MAX_FIELD_BYTES);
      fields.set(name, new TextDecoder().decode(value));
    }
    const grant = verifyUpload(presigner, fields, new Date());
    const granted = objects.grantOf(grant.key);
    if (granted === undefined) throw accessDenied("The key was not issued by this server.");
    // One object is one buffer: past the largest one Node allocates, the upload is refused as
    // too large (a 5 GiB policy still works for anything smaller).
    const limit = Math.min(grant.maxBytes, MAX_OBJECT_BYTES);
    let bytes: Uint8Array;
    try {
      bytes = await reader.readContent(limit, sizeHint(c, reader, limit));
    } catch (error) {
      if (error instanceof MultipartError && error.reason === "too_large") {
        throw new S3Error(
          "EntityTooLarge",
          `Your proposed upload exceeds the maximum allowed size (${limit} bytes).`,
          400,
        );
      }
      throw error;
    }
    // Stored as read, without a copy: the reader's buffer is nobody else's.
    objects.putShared({
      key: grant.key,
      agentId: granted.agentId,
      kind: "upload",
      fileName: granted.fileName,
      contentType: grant.contentType,
      bytes,
    });
    return c.body(null, 204);
  } catch (error) {
    reader.cancel();
    if (error instanceof MultipartError) {
      throw error.reason === "too_large"
        ? new S3Error(
            "MaxPostPreDataLengthExceeded",
            "Your POST request fields preceding the upload file were too large.",
            400,
          )
        : malformedPost(error.message);
    }
    throw error;
  }
}

/**
 * The presigned GET: the object's bytes, with the type it was stored with. The type is the
 * uploader's or a mail sender's, and the URL is on the API's origin, so the bytes are never
 * sniffed nor rendered: `nosniff`, and always `Content-Disposition: attachment`.
 */
function download(c: Context, { objects, presigner }: StorageContext, encoded: string): Response {
  const key = objectKeyOfPath(encoded);
  if (key === undefined) throw accessDenied("The object key in the path is not valid.");
  verifyDownload(presigner, key, new URL(c.req.url).searchParams, new Date());
  const object = objects.view(key);
  if (!object) throw new S3Error("NoSuchKey", "The specified key does not exist.", 404);
  return new Response(c.req.method === "HEAD" ? null : streamOf(object.bytes), {
    status: 200,
    headers: {
      "Content-Type": headerSafeType(object.contentType),
      "Content-Length": String(object.bytes.byteLength),
      "Content-Disposition": attachmentDisposition(object.fileName),
      "X-Content-Type-Options": "nosniff",
    },
  });
}

/**
 * A stored type as an HTTP header value. A type from a mail's MIME or an upload request may hold
 * characters a header cannot carry (U+2028, say: HTTP header values are Latin-1 and Node refuses
 * more); such a type is served as `application/octet-stream` rather than failing the download.
 *
 * @example
 * headerSafeType("text/plain\u2028"); // "application/octet-stream"
 */
export function headerSafeType(contentType: string): string {
  return /^[\x20-\x7e]+$/.test(contentType) ? contentType : "application/octet-stream";
}

/**
 * The stored bytes as a stream of views (no copy): a `Uint8Array` body would be copied whole by
 * `Response` (fetch copies buffer sources), and node-server writes each view as it is pulled, so
 * a GiB object goes out under the socket's back-pressure.
 */
function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.byteLength) {
        controller.close();
        return;
      }
      const end = Math.min(offset + DOWNLOAD_CHUNK_BYTES, bytes.byteLength);
      controller.enqueue(bytes.subarray(offset, end));
      offset = end;
    },
  });
}

/**
 * What is left of a body with a Content-Length once the file part begins (an upper bound on
 * the file), capped at `limit` + 1 (one byte more tells a too-large file); 0 without one.
 */
function sizeHint(c: Context, reader: MultipartReader, limit: number): number {
  const length = Number(c.req.header("content-length"));
  if (!Number.isSafeInteger(length) || length <= 0) return 0;
  return Math.max(0, Math.min(length - reader.bytesConsumed, limit + 1, MAX_OBJECT_BYTES));
}

function methodNotAllowed(): S3Error {
  return new S3Error(
    "MethodNotAllowed",
    "The specified method is not allowed against this resource.",
    405,
  );
}
