import { HttpProblem } from "../http/problem.js";
import type { DevInboxMessage } from "../inbox.js";
import type { MimeAttachment } from "../mime/attachments.js";
import type { DevStore } from "../store.js";
import { presignDownload } from "./download-url.js";
import type { Presigner } from "./presigner.js";

/**
 * A presigned download URL for attachment `index` of `message`, as `POST
 * /messages/{id}/attachments/{index}/download` answers it and the web inbox links it: the part's
 * bytes become an object of the recipient's, served by the storage GET; its kind keeps it from
 * passing for an upload on `/send` or `POST /attachments/downloads`. An attachment delivered by
 * reference is the object it refers to, shared, not copied.
 *
 * @example
 * const url = presignAttachmentDownload(store, presigner, message, 0, part, "http://127.0.0.1:8025");
 * @throws {HttpProblem} `attachment_pending` (with `Retry-After`) or `attachment_failed`.
 */
export function presignAttachmentDownload(
  store: DevStore,
  presigner: Presigner,
  message: DevInboxMessage,
  index: number,
  part: MimeAttachment,
  origin: string,
): string {
  const status = store.attachmentStatus(message.id, index);
  if (status === "pending") {
    throw new HttpProblem(
      "attachment_pending",
      `attachment ${index} is still being processed; retry shortly`,
      { headers: { "Retry-After": "1" } },
    );
  }
  if (status === "failed") {
    throw new HttpProblem("attachment_failed", `attachment ${index} failed processing`);
  }
  const key = `messages/${message.agentId}/${message.id}/${index}`;
  store.objects.putShared({
    key,
    agentId: message.agentId,
    kind: "attachment",
    fileName: part.fileName || `attachment-${index}`,
    contentType: part.contentType || "application/octet-stream",
    bytes: store.referencedAttachment(message.id, index)?.bytes ?? part.bytes,
  });
  return presignDownload(presigner, origin, key, new Date());
}
