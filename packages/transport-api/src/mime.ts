import { AgentMailError, AgentMailHeaders, decodeHeaderWords, parseAddress } from "@assmbl/core";
import PostalMime from "postal-mime";
import { asPythonLines } from "./python-lines.js";

/** A raw message as the receive side needs it. */
export interface ParsedMime {
  /** `Message-ID` without angle brackets; `undefined` when absent. */
  messageId: string | undefined;
  /** The bare address of the first `From` mailbox; `""` when there is none. */
  sender: string;
  /** Decoded as Python's `email` reads it, control characters replaced; `""` when absent. */
  subject: string;
  /**
   * Header values by lower-case name: the first occurrence of each, read as Python's `email`
   * (`policy.default`) reads an unstructured header ({@link decodeHeaderWords}), then with
   * {@link cleanText} applied.
   */
  headers: Record<string, string>;
  /**
   * The first `X-AgentMail-Attachments` value exactly as it came (after `Name:`, folds and
   * encoded words included), for `decodeManifest`; `undefined` when absent.
   */
  manifestHeader: string | undefined;
  /** The text body (UTF-8 decoded, `\n` line ends); `""` when the message has none. */
  text: string;
  html: string | undefined;
  /** The attachment parts in MIME order. */
  attachments: MimeAttachment[];
}

/** One attachment part. */
export interface MimeAttachment {
  /**
   * RFC 2231 / 2047 decoded, as the sender wrote it: it may hold control characters (the reader
   * replaces them before returning it); `null` when the part names none.
   */
  filename: string | null;
  /** Lower-case media type, without parameters. */
  mediaType: string;
  bytes: Uint8Array;
}

const MANIFEST = AgentMailHeaders.attachments.toLowerCase();

// C0 controls, DEL and C1 controls (TAB among them; it is handled apart); the line and
// paragraph separators U+2028 and U+2029 (line ends to Python's `str.splitlines`, JavaScript's
// `^`/`$` with the `m` flag, and many log viewers); the bidi embeddings, overrides and isolates
// U+202A-U+202E and U+2066-U+2069 (they reorder the text after them: "Trojan Source",
// CVE-2021-42574).
const UNSAFE_CHARACTERS =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: replacing control characters is the point.
  /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * What every text field of a received message goes through: a TAB (what folding leaves between
 * words) becomes a space; every other control character (C0 such as CR, LF, NUL, ESC; DEL; C1
 * such as NEL), the line and paragraph separators U+2028 and U+2029, and the bidi embeddings,
 * overrides and isolates (U+202A-U+202E, U+2066-U+2069) become U+FFFD. Decoded headers and names
 * come from the sender: this keeps a CR LF smuggled in an encoded word, a line break that only
 * some readers see, or a right-to-left override that makes `invoice\u202Efdp.exe` display as
 * `invoiceexe.pdf`, out of anything a caller logs, displays or writes into another header, while
 * still showing that something was there.
 *
 * The implicit direction marks LRM, RLM (U+200E, U+200F) and ALM (U+061C) are kept: each acts as
 * one invisible letter of its direction, so it can reorder nothing that a Hebrew or Latin letter
 * in the same place could not; right-to-left text needs them to display correctly.
 *
 * @example
 * cleanText("Invoice\r\nBcc: victim@example.com"); // "Invoice\uFFFD\uFFFDBcc: victim@example.com"
 * cleanText("invoice\u202Efdp.exe"); // "invoice\uFFFDfdp.exe"
 */
export function cleanText(value: string): string {
  return value.replace(/\t/g, " ").replace(UNSAFE_CHARACTERS, "\ufffd");
}

/**
 * Parses an RFC 5322 message with postal-mime, after {@link asPythonLines} has put its lines,
 * header blocks and parts in the shape Python's `email` reads (a bare CR ends a line, a line that
 * is not a header ends a header block); header values are read as Python's `email` reads them (so
 * both SDKs see the same subject and headers) and cleaned with {@link cleanText}.
 *
 * @example
 * const parsed = await parseMime(rawBytes);
 * parsed.headers["x-agentmail-encrypted"]; // "body"
 * @throws {AgentMailError} `invalid_message` when the message cannot be parsed.
 */
export async function parseMime(raw: string | Uint8Array): Promise<ParsedMime> {
  let email: Awaited<ReturnType<typeof PostalMime.parse>>;
  try {
    // Lines, header blocks and parts as Python's email reads them (bare CR ends a line there).
    const bytes = typeof raw === "string" ? new TextEncoder().encode(raw) : raw;
    email = await PostalMime.parse(asPythonLines(bytes), { attachmentEncoding: "arraybuffer" });
  } catch (cause) {
    throw new AgentMailError({
      code: "invalid_message",
      message: `the raw message cannot be parsed as MIME: ${cause instanceof Error ? cause.message : String(cause)}`,
      cause,
    });
  }
  const headers: Record<string, string> = {};
  let manifestHeader: string | undefined;
  // Raw lines (folds kept), so that each value is unfolded and decoded the way Python does it.
  for (const { key, line } of email.headerLines) {
    const colon = line.indexOf(":");
    if (colon < 0 || Object.hasOwn(headers, key)) continue;
    const value = line.slice(colon + 1);
    if (key === MANIFEST) manifestHeader = value;
    headers[key] = cleanText(decodeHeaderWords(value));
  }
  const from = email.from;
  const fromAddress = from?.address ?? from?.group?.[0]?.address ?? "";
  const messageId = headers["message-id"]?.trim().replace(/^<|>$/g, "");
  return {
    messageId: messageId || undefined,
    sender: cleanText(bareAddress(fromAddress)),
    subject: headers.subject ?? "",
    headers,
    manifestHeader,
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

function bareAddress(address: string): string {
  if (!address) return "";
  try {
    return parseAddress(address).address;
  } catch {
    return address;
  }
}
