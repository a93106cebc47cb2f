import { AgentMailError, AgentMailHeaders, decodeHeaderWords, parseAddress } from "@assmbl/core";
import { addressParser } from "postal-mime";
import { scanAttachmentSpans, stripSpans } from "./attachment-spans.js";
import { type Email, parseNamed } from "./named-parser.js";
import { asPythonLines } from "./python-lines.js";
import { spanReader, spanSize, spanStream } from "./span-decoder.js";

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
   * (`policy.default`) reads an unstructured header (`decodeHeaderWords`), then with
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
   * Read as Python's `email` reads it (`get_filename()`): a parameter in RFC 2231 form is its
   * RFC 2231 decoded value verbatim (an encoded-word look-alike in it stays literal), a plain one
   * is RFC 2047 decoded (`parseNamed`). It may hold control characters (the reader
   * replaces them before returning it); `null` when the part names none.
   */
  filename: string | null;
  /** Lower-case media type, without parameters. */
  mediaType: string;
  /** The decoded bytes; empty when the part was left in the raw (see `body`). */
  bytes: Uint8Array;
  /**
   * Set for a part `parseMime` left in the raw (`stripAttachments`): its bytes, decoded from the
   * raw as they are read.
   */
  body?: AttachmentBody;
}

/**
 * An attachment body left in the raw message: decoded to the bytes postal-mime would have given.
 *
 * @example
 * if (part.body) await part.body.stream().pipeTo(sink);
 */
export interface AttachmentBody {
  /** Decoded size in bytes (decoded once, nothing kept, on first call). */
  size(): number;
  /** The decoded bytes in chunks of at most 64 KiB, decoded as they are pulled. */
  stream(): ReadableStream<Uint8Array>;
}

/**
 * Options of {@link parseMime}.
 *
 * @example
 * await parseMime(raw, { stripAttachments: true });
 */
export interface ParseMimeOptions {
  /**
   * Leave the body of every part with `Content-Disposition: attachment` in the raw: such a part
   * comes with empty `bytes` and a `body` to stream it from. The message is parsed without those
   * bodies, so it costs little more memory than the raw itself (postal-mime holds about five
   * times a message's size while it decodes it). When the scan cannot be sure how postal-mime
   * reads the message, it is parsed whole, as without this option.
   */
  stripAttachments?: boolean;
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
 * Parses an RFC 5322 message with postal-mime, after `asPythonLines` has put its lines,
 * header blocks and parts in the shape Python's `email` reads (a bare CR ends a line, a line that
 * is not a header ends a header block); header values are read as Python's `email` reads them (so
 * both SDKs see the same subject and headers) and cleaned with {@link cleanText}.
 *
 * With `stripAttachments`, parts with `Content-Disposition: attachment` are not decoded: each
 * has a `body` that streams it from the raw ({@link ParseMimeOptions}).
 *
 * @example
 * const parsed = await parseMime(rawBytes);
 * parsed.headers["x-agentmail-encrypted"]; // "body"
 * const lean = await parseMime(rawBytes, { stripAttachments: true });
 * await lean.attachments[0]?.body?.stream().pipeTo(sink);
 * @throws {AgentMailError} `invalid_message` when the message cannot be parsed.
 */
export async function parseMime(
  raw: string | Uint8Array,
  options: ParseMimeOptions = {},
): Promise<ParsedMime> {
  let lines: Uint8Array;
  try {
    // Lines, header blocks and parts as Python's email reads them (bare CR ends a line there).
    lines = asPythonLines(typeof raw === "string" ? new TextEncoder().encode(raw) : raw);
  } catch (cause) {
    throw invalidMessage(cause);
  }
  if (options.stripAttachments) {
    const stripped = await parseStripped(lines);
    if (stripped) return stripped;
  }
  let email: Email;
  try {
    email = await parseNamed(lines);
  } catch (cause) {
    throw invalidMessage(cause);
  }
  return toParsedMime(email, () => undefined);
}

function invalidMessage(cause: unknown): AgentMailError {
  return new AgentMailError({
    code: "invalid_message",
    message: `the raw message cannot be parsed as MIME: ${cause instanceof Error ? cause.message : String(cause)}`,
    cause,
  });
}

/**
 * The message parsed with each attachment body (per `scanAttachmentSpans`) replaced by a marker
 * line: a random tag and the span's number, only alphanumerics, 40 of them (so that base64 reads
 * all of it). The attachment whose decoded bytes are span i's marker, decoded as span i's
 * encoding, is span i: that proves postal-mime took the part for an attachment, where the scan
 * found it, with the transfer encoding the scan found. `undefined` (parse the whole message) when
 * the scan gives up, or any marker is not found exactly once.
 */
async function parseStripped(lines: Uint8Array): Promise<ParsedMime | undefined> {
  // A body that decodes to nothing stays: it costs nothing to parse, and an empty part is how
  // the platform marks one delivered by reference.
  const spans = scanAttachmentSpans(lines)?.filter(
    (span) => spanReader(lines, span.start, span.end, span.encoding).read(new Uint8Array(4)) > 0,
  );
  if (!spans || spans.length === 0) return undefined;
  const tag = Array.from(crypto.getRandomValues(new Uint8Array(12)), (byte) =>
    byte.toString(16).padStart(2, "0"),
  ).join("");
  const markers = spans.map((_, i) => `Z${tag}${String(i).padStart(15, "0")}`);
  let email: Email;
  try {
    email = await parseNamed(stripSpans(lines, spans, markers));
  } catch {
    return undefined; // the whole message tells the error
  }
  const expected = new Map<string, number>();
  markers.forEach((marker, i) => {
    const line = new TextEncoder().encode(`${marker}\r\n`);
    const out = new Uint8Array(64);
    const n = spanReader(line, 0, line.length, spans[i]?.encoding ?? "identity").read(out);
    expected.set(latin1(out.subarray(0, n)), i);
  });
  const spanOf = new Map<number, number>();
  const found = new Set<number>();
  email.attachments.forEach((part, index) => {
    const content = part.content;
    if (typeof content === "string" || content.byteLength > 64) return;
    const i = expected.get(latin1(new Uint8Array(content)));
    if (i === undefined) return;
    spanOf.set(index, i);
    found.add(i);
  });
  if (found.size !== spans.length || spanOf.size !== spans.length) return undefined;
  return toParsedMime(email, (index) => {
    const span = spans[spanOf.get(index) ?? -1];
    if (!span) return undefined;
    let size: number | undefined;
    return {
      size: () => {
        size ??= spanSize(lines, span.start, span.end, span.encoding);
        return size;
      },
      stream: () => spanStream(lines, span.start, span.end, span.encoding),
    };
  });
}

function latin1(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}

function toParsedMime(
  email: Email,
  bodyOf: (index: number) => AttachmentBody | undefined,
): ParsedMime {
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
  const fromAddress = singleFromAddress(email);
  const messageId = headers["message-id"]?.trim().replace(/^<|>$/g, "");
  return {
    messageId: messageId || undefined,
    sender: cleanText(bareAddress(fromAddress)),
    subject: headers.subject ?? "",
    headers,
    manifestHeader,
    text: email.text ?? "",
    html: email.html,
    attachments: email.attachments.map((part, index) => {
      const filename = part.filename;
      const mediaType = part.mimeType.toLowerCase();
      const body = bodyOf(index);
      if (body) return { filename, mediaType, bytes: new Uint8Array(0), body };
      return {
        filename,
        mediaType,
        bytes:
          typeof part.content === "string"
            ? new TextEncoder().encode(part.content)
            : part.content instanceof Uint8Array
              ? part.content
              : new Uint8Array(part.content),
      };
    }),
  };
}

/**
 * The address of the message's one `From` mailbox, or "" when there is no such thing: no From,
 * two From headers, a group, or a list of several addresses. A signature is bound to the
 * sender's address, so a From naming several people (`mallory@x, alice@x`) must not read as
 * mallory alone next to a `valid` verdict: with no sender, a directory verdict cannot be `valid`.
 */
const ENCODED_WORD = /=\?[^?\s]*\?[bBqQ]\?[^?\s]*\?=/g;

function singleFromAddress(email: Email): string {
  const fromLines = email.headerLines.filter(({ key }) => key === "from");
  if (fromLines.length !== 1) return "";
  const line = (fromLines[0] as { line: string }).line;
  // An encoded word is one opaque token of a display name, as Python reads it: its decoded text
  // (which may hold ":" or ",") must not be parsed as address syntax. A quoted placeholder keeps
  // the shape; one that lands in an address (quotes in it) makes the From unusable.
  const opaque = line.slice(line.indexOf(":") + 1).replace(ENCODED_WORD, '"ew"');
  const mailboxes = addressParser(opaque);
  const only = mailboxes.length === 1 ? mailboxes[0] : undefined;
  if (only === undefined || only.group !== undefined) return "";
  const address = only.address ?? "";
  return address.includes('"') ? "" : address;
}

function bareAddress(address: string): string {
  if (!address) return "";
  try {
    return parseAddress(address).address;
  } catch {
    return address;
  }
}
