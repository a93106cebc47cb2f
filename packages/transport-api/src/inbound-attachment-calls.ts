import { AttachmentStatusSchema, Routes } from "@assmbl/core";
import { cleanText } from "@assmbl/mime/read";
import { requestInboundDownloadUrl } from "./attachment-download.js";
import { signalOf } from "./call-options.js";
import type { AgentMailClient } from "./client.js";
import type { ApiHttp } from "./http.js";
import { attachmentIndexOf, messageIdOf } from "./ids.js";
import { toAttachmentInfo } from "./inbox.js";

/**
 * The received-attachment calls of the client (see `AgentMailClient`): the Python SDK's
 * `get_inbound_attachment_status` and `request_inbound_attachment_download`.
 *
 * @internal
 * @example
 * const calls = inboundAttachmentCalls(http);
 * const { status } = await calls.getInboundAttachmentStatus("m1", 0);
 */
export function inboundAttachmentCalls(
  http: ApiHttp,
): Pick<AgentMailClient, "getInboundAttachmentStatus" | "requestInboundAttachmentDownload"> {
  return {
    async getInboundAttachmentStatus(messageId, index, callOptions) {
      const what = "getInboundAttachmentStatus";
      const signal = signalOf(callOptions, what);
      const id = messageIdOf(messageId, what);
      const at = attachmentIndexOf(index, what);
      const { body } = await http.call({
        route: Routes.getAttachment,
        params: { id, index: at },
        schema: AttachmentStatusSchema,
        what: `${what}(${id}, ${at})`,
        signal,
      });
      const info = toAttachmentInfo(body);
      // Text from the platform, cleaned as getMessage cleans the same fields.
      return {
        ...info,
        filename: cleanText(info.filename),
        contentType: cleanText(info.contentType),
      };
    },
    async requestInboundAttachmentDownload(messageId, index, callOptions) {
      const what = "requestInboundAttachmentDownload";
      const signal = signalOf(callOptions, what);
      const id = messageIdOf(messageId, what);
      const at = attachmentIndexOf(index, what);
      return { url: await requestInboundDownloadUrl(http, id, at, signal) };
    },
  };
}
