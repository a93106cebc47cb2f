// A received message's attachments as MCP content: each one with bytes becomes an embedded
// resource (text for UTF-8 text types, else a base64 blob), up to a budget that keeps the whole
// answer well inside a stdio client's 10 MB message buffer. The rest are listed with a hint to
// save them to a folder instead.
import type { ReceivedAttachment } from "@assmbl/transport-api";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

type Content = CallToolResult["content"][number];

/** Most attachment bytes one read_message answer carries inline (base64 grows it by a third). */
export const INLINE_ATTACHMENT_BYTES = 4 * 1024 * 1024;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The `agentmail://` URI naming attachment `index` of message `id`.
 *
 * @example
 * attachmentUri("msg-1", 0, "a.txt"); // "agentmail://messages/msg-1/attachments/0/a.txt"
 */
export function attachmentUri(id: string, index: number, filename: string): string {
  return `agentmail://messages/${encodeURIComponent(id)}/attachments/${index}/${encodeURIComponent(filename)}`;
}

/**
 * The embedded resources for `attachments` of message `id`, and for each attachment the URI of
 * its resource (or why it has none).
 *
 * @example
 * const { blocks, inline } = inlineAttachments(message.id, message.attachments);
 */
export function inlineAttachments(
  id: string,
  attachments: readonly ReceivedAttachment[],
): { blocks: Content[]; inline: Map<number, string> } {
  const blocks: Content[] = [];
  const inline = new Map<number, string>();
  let budget = INLINE_ATTACHMENT_BYTES;
  for (const attachment of attachments) {
    const { bytes } = attachment;
    // Ciphertext that did not decrypt is not worth a model's context: its error says why.
    if (bytes === null || (attachment.encrypted && !attachment.decrypted)) continue;
    if (bytes.byteLength > budget) {
      inline.set(attachment.index, "too large to return inline: read it with save_attachments_to");
      continue;
    }
    budget -= bytes.byteLength;
    const uri = attachmentUri(id, attachment.index, attachment.filename);
    const mimeType = attachment.contentType;
    const text = asText(mimeType, bytes);
    blocks.push({
      type: "resource",
      resource:
        text === undefined
          ? { uri, mimeType, blob: Buffer.from(bytes).toString("base64") }
          : { uri, mimeType, text },
    });
    inline.set(attachment.index, uri);
  }
  return { blocks, inline };
}

function asText(mimeType: string, bytes: Uint8Array): string | undefined {
  const type = mimeType.toLowerCase();
  const textual =
    type.startsWith("text/") || /^application\/(json|xml|yaml|x-yaml|csv)\b/.test(type);
  if (!textual) return undefined;
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}
