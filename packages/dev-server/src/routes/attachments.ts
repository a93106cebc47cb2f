import { randomUUID } from "node:crypto";
import {
  DownloadRequestSchema,
  Limits,
  MEDIA_TYPE_PATTERN,
  Routes,
  UploadRequestSchema,
} from "@assmbl/core";
import { requireAgent } from "../http/auth.js";
import { parseBody, readJsonBody } from "../http/json-body.js";
import { HttpProblem } from "../http/problem.js";
import type { DevRoute } from "../http/route.js";
import { presignDownload, STORAGE_UPLOAD_PATH } from "../storage/download-url.js";
import type { Presigner } from "../storage/presigner.js";
import { presignUpload } from "../storage/upload-policy.js";
import type { DevStore } from "../store.js";

/** Upload and download requests are a few short strings. */
export const ATTACHMENT_BODY_LIMIT = 16 * 1024;

// C0 and C1 control characters and DEL: nothing of the sort belongs in a file name or type.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * `POST /attachments/uploads` (a presigned S3-style POST for one object of the caller's) and
 * `POST /attachments/downloads` (a presigned GET of one of the caller's uploads).
 */
export function attachmentRoutes(store: DevStore, presigner: Presigner): DevRoute[] {
  return [
    {
      route: Routes.requestUpload,
      handler: async (c) => {
        const agent = requireAgent(c, store);
        const body = await readJsonBody(c, ATTACHMENT_BODY_LIMIT);
        const request = parseBody(UploadRequestSchema, body, "upload request");
        checkFileName(request.file_name);
        if (CONTROL.test(request.content_type) || !MEDIA_TYPE_PATTERN.test(request.content_type)) {
          throw new HttpProblem(
            "invalid_request",
            "upload request: content_type is not a media type such as application/pdf",
          );
        }
        const key = `uploads/${agent.agentId}/${randomUUID()}-${request.file_name}`;
        store.objects.grant(key, agent.agentId, request.file_name);
        const fields = presignUpload(
          presigner,
          { key, contentType: request.content_type, maxBytes: request.max_bytes },
          new Date(),
        );
        return c.json({
          object_key: key,
          upload: { url: new URL(c.req.url).origin + STORAGE_UPLOAD_PATH, fields },
        });
      },
    },
    {
      route: Routes.requestDownload,
      handler: async (c) => {
        const agent = requireAgent(c, store);
        const body = await readJsonBody(c, ATTACHMENT_BODY_LIMIT);
        const { object_key: key } = parseBody(DownloadRequestSchema, body, "download request");
        // Uploads only: a received attachment is downloaded through its message's route.
        if (!store.objects.ownUpload(key, agent.agentId)) {
          throw new HttpProblem("not_found", "object_key is not one of your uploaded objects");
        }
        return c.json({
          url: presignDownload(presigner, new URL(c.req.url).origin, key, new Date()),
        });
      },
    },
  ];
}

/** A base name (no `/` or `\`), at most 255 UTF-8 bytes, without control characters. */
function checkFileName(name: string): void {
  const problem = (why: string) =>
    new HttpProblem("invalid_request", `upload request: file_name ${why}`);
  if (/[/\\]/.test(name)) throw problem("must be a base name, without / or \\");
  if (CONTROL.test(name)) throw problem("contains a control character");
  if (Buffer.byteLength(name, "utf8") > Limits.filenameBytes) {
    throw problem(`is longer than ${Limits.filenameBytes} UTF-8 bytes`);
  }
}
