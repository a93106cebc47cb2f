import PostalMime from "postal-mime";

/**
 * One attachment part of a received message, decoded.
 *
 * @example
 * const [first] = await mimeAttachments(message.raw);
 * first?.fileName; // "report.pdf.asc"
 */
export interface MimeAttachment {
  /** The part's filename (`Content-Disposition` or `Content-Type` name); `""` when it has none. */
  fileName: string;
  /** The part's media type, lower-case, without parameters. */
  contentType: string;
  /** The decoded bytes. */
  bytes: Uint8Array;
}

/**
 * The attachment parts of a raw message, in MIME order, as postal-mime finds them (parts with
 * `Content-Disposition: attachment`, and parts that are not the message's text or HTML body).
 * A message postal-mime cannot parse has none.
 *
 * @example
 * (await mimeAttachments(raw)).map((part) => part.bytes.byteLength);
 */
export async function mimeAttachments(raw: Uint8Array): Promise<MimeAttachment[]> {
  let parsed: Awaited<ReturnType<typeof PostalMime.parse>>;
  try {
    parsed = await PostalMime.parse(raw, { attachmentEncoding: "arraybuffer" });
  } catch {
    return [];
  }
  return parsed.attachments.map((part) => ({
    fileName: part.filename ?? "",
    contentType: part.mimeType,
    bytes:
      typeof part.content === "string"
        ? new TextEncoder().encode(part.content)
        : new Uint8Array(part.content),
  }));
}
