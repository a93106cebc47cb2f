import { Routes } from "@assmbl/core";
import type { Context } from "hono";
import { requireAgent } from "../http/auth.js";
import { HttpProblem } from "../http/problem.js";
import type { DevRoute } from "../http/route.js";
import type { DevInboxMessage } from "../inbox.js";
import { type MimeAttachment, mimeAttachments } from "../mime/attachments.js";
import { presignAttachmentDownload } from "../storage/attachment-download.js";
import type { Presigner } from "../storage/presigner.js";
import type { DevStore } from "../store.js";
import { attachmentWire, inboxItemWire } from "../wire.js";

/**
 * The caller's received messages: `GET /messages/{id}` (marks it read), `DELETE
 * /messages/{id}`, and per attachment its status and a presigned download. Another agent's
 * message is a 404, as if it did not exist.
 */
export function messageRoutes(store: DevStore, presigner: Presigner): DevRoute[] {
  return [
    {
      route: Routes.getMessage,
      handler: async (c) => {
        const message = ownMessage(c, store);
        const read = store.updateMessage(message.id, { isRead: true });
        const parts = await mimeAttachments(read.raw);
        return c.json({
          ...inboxItemWire(read),
          raw_mime: new TextDecoder().decode(read.raw),
          attachments: parts.map((part, index) =>
            attachmentWire(
              index,
              part,
              store.attachmentStatus(read.id, index),
              store.referencedAttachment(read.id, index)?.bytes.byteLength,
            ),
          ),
        });
      },
    },
    {
      route: Routes.deleteMessage,
      handler: (c) => {
        const message = ownMessage(c, store);
        store.deleteMessage(message.id);
        return c.body(null, 204);
      },
    },
    {
      route: Routes.getAttachment,
      handler: async (c) => {
        const message = ownMessage(c, store);
        const { index, part } = await attachmentOf(c, message);
        return c.json(
          attachmentWire(
            index,
            part,
            store.attachmentStatus(message.id, index),
            store.referencedAttachment(message.id, index)?.bytes.byteLength,
          ),
        );
      },
    },
    {
      route: Routes.downloadAttachment,
      handler: async (c) => {
        const message = ownMessage(c, store);
        const { index, part } = await attachmentOf(c, message);
        const origin = new URL(c.req.url).origin;
        return c.json({
          url: presignAttachmentDownload(store, presigner, message, index, part, origin),
        });
      },
    },
  ];
}

/** The `{id}` message when it is in the caller's inbox. */
function ownMessage(c: Context, store: DevStore): DevInboxMessage {
  const agent = requireAgent(c, store);
  const message = store.message(c.req.param("id") ?? "");
  if (!message || message.agentId !== agent.agentId) {
    throw new HttpProblem("not_found", "no message with this id in your inbox");
  }
  return message;
}

/** The `{index}` attachment part of a message. */
async function attachmentOf(
  c: Context,
  message: DevInboxMessage,
): Promise<{ index: number; part: MimeAttachment }> {
  const raw = c.req.param("index") ?? "";
  const parts = await mimeAttachments(message.raw);
  const index = /^\d{1,6}$/.test(raw) ? Number(raw) : -1;
  const part = parts[index];
  if (!part) throw new HttpProblem("not_found", "the message has no attachment with this index");
  return { index, part };
}
