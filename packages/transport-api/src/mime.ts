import { AgentMailError, AgentMailHeaders, parseAddress } from "@assmbl/core";
import PostalMime, { decodeWords } from "postal-mime";

/** A raw message as the receive side needs it. */
export interface ParsedMime {
  /** `Message-ID` without angle brackets; `undefined` when absent. */
  messageId: string | undefined;
  /** The bare address of the first `From` mailbox; `""` when there is none. */
  sender: string;
  /** RFC 2047 words decoded; `""` when absent. */
  subject: string;
  /**
   * Header values by lower-case name: the first occurrence of each, unfolded, RFC 2047 words
   * decoded (`X-AgentMail-Attachments` is kept exactly as it came).
   */
  headers: Record<string, string>;
  /** The text body (UTF-8 decoded, `\n` line ends); `""` when the message has none. */
  text: string;
  html: string | undefined;
  /** The attachment parts in MIME order. */
  attachments: MimeAttachment[];
}

/** One attachment part. */
export interface MimeAttachment {
  /** RFC 2231 / 2047 decoded; `null` when the part names none. */
  filename: string | null;
  /** Lower-case media type, without parameters. */
  mediaType: string;
  bytes: Uint8Array;
}

const MANIFEST = AgentMailHeaders.attachments.toLowerCase();

/**
 * Parses an RFC 5322 message with postal-mime.
 *
 * @example
 * const parsed = await parseMime(rawBytes);
 * parsed.headers["x-agentmail-encrypted"]; // "body"
 * @throws {AgentMailError} `invalid_message` when the message cannot be parsed.
 */
export async function parseMime(raw: string | Uint8Array): Promise<ParsedMime> {
  let email: Awaited<ReturnType<typeof PostalMime.parse>>;
  try {
    email = await PostalMime.parse(raw, { attachmentEncoding: "arraybuffer" });
  } catch (cause) {
    throw new AgentMailError({
      code: "invalid_message",
      message: `the raw message cannot be parsed as MIME: ${cause instanceof Error ? cause.message : String(cause)}`,
      cause,
    });
  }
  const headers: Record<string, string> = {};
  for (const { key, value } of email.headers) {
    if (Object.hasOwn(headers, key)) continue;
    headers[key] = key === MANIFEST ? value : safeDecodeWords(value);
  }
  const from = email.from;
  const fromAddress = from?.address ?? from?.group?.[0]?.address ?? "";
  return {
    messageId: email.messageId?.trim().replace(/^<|>$/g, "") || undefined,
    sender: bareAddress(fromAddress),
    subject: email.subject ?? "",
    headers,
    text: email.text ?? "",
    html: email.html,
    attachments: email.attachments.map((part) => ({
      filename: part.filename,
      mediaType: part.mimeType.toLowerCase(),
      bytes:
        typeof part.content === "string"
          ? new TextEncoder().encode(part.content)
          : part.content instanceof Uint8Array
            ? part.content
            : new Uint8Array(part.content),
    })),
  };
}

function safeDecodeWords(value: string): string {
  try {
    return decodeWords(value);
  } catch {
    return value;
  }
}

function bareAddress(address: string): string {
  if (!address) return "";
  try {
    return parseAddress(address).address;
  } catch {
    return address;
  }
}
