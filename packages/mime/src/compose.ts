import {
  AbortSignalSchema,
  AgentMailError,
  AgentMailHeaders,
  assertPrepared,
  DomainNameSchema,
  decodeHeaderWords,
  hasEncodedWordLookalike,
  type Mailbox,
  mimeHeaders,
  type PreparedMessage,
  parseInput,
} from "@assmbl/core";
import { parseHeaderValue } from "nodemailer/lib/mime-funcs";
import MimeNode from "nodemailer/lib/mime-node";
import { z } from "zod";
import { collectAttachments, type MessageLimit } from "./attachments.js";
import { foldableJson } from "./fold.js";
import { addText, withExactNames } from "./header-text.js";
import { encodeNamesAsOneWord } from "./mailbox-header.js";
import { foldParameters } from "./mime-params.js";
import { checkRenderable } from "./prepared.js";

/**
 * Options of {@link composeMime}.
 *
 * @example
 * const options: ComposeMimeOptions = { date: new Date("2025-01-01T00:00:00Z"), messageIdDomain: "mail.example.com" };
 */
export interface ComposeMimeOptions {
  /** The `Date` header (default: now). SES replaces it with the time it accepted the message. */
  date?: Date | undefined;
  /** The `Message-ID`, as `<id@domain>` (default: a new `<uuid@domain>`). */
  messageId?: string | undefined;
  /** Domain of a generated `Message-ID` (default: the domain of `From`). */
  messageIdDomain?: string | undefined;
}

/**
 * A rendered message.
 *
 * @example
 * const { raw, messageId }: ComposedMime = await composeMime(prepared);
 */
export interface ComposedMime {
  /** The whole RFC 5322 message, CRLF line endings, 7-bit clean. */
  raw: Uint8Array;
  /** The `Message-ID` header value written into `raw`, angle brackets included. */
  messageId: string;
}

// <left@right>: printable ASCII without "<", ">" and a second "@"; no brackets on the right.
const MESSAGE_ID = /^<[\x21-\x3b\x3d\x3f\x41-\x7e]+@[\x21-\x3b\x3d\x3f\x41-\x5a\x5e-\x7e]+>$/;

/** {@link ComposeMimeOptions}, checked. @internal */
export const ComposeOptionsSchema = z
  .strictObject({
    date: z
      .date()
      .refine((date) => !Number.isNaN(date.getTime()), "expected a valid Date")
      .optional(),
    messageId: z
      .string()
      .regex(MESSAGE_ID, "expected <id@domain> with printable ASCII and no spaces")
      .max(250)
      .optional(),
    messageIdDomain: DomainNameSchema.optional(),
  })
  .optional();

/**
 * What {@link renderMessage} returns: the bytes, and the message as sent (manifest sizes filled
 * in), which a transport needs beyond the bytes.
 *
 * @example
 * const { raw, messageId, prepared: sent }: RenderedMessage = await renderMessage(prepared);
 */
export interface RenderedMessage extends ComposedMime {
  /** The message as rendered: streamed attachments' manifest rows carry their real `size`. */
  prepared: PreparedMessage;
}

/**
 * How {@link renderMessage} reads streamed attachments.
 *
 * @example
 * const read: RenderOptions = { signal, limit: { bytes: 10 * 1024 * 1024, name: "SES v1" } };
 */
export interface RenderOptions {
  /** Aborts reading attachment streams (`aborted`). */
  signal?: AbortSignal | undefined;
  /** The most bytes the encoded message may have; streams are read only while it can still fit. */
  limit?: MessageLimit | undefined;
}

/** {@link RenderOptions}, checked. @internal */
export const RenderOptionsSchema = z.strictObject({
  signal: AbortSignalSchema.optional(),
  limit: z
    .strictObject({
      bytes: z.int().positive(),
      name: z.string().min(1).max(100),
    })
    .optional(),
});

/**
 * Renders a prepared message as one MIME message (RFC 5322 / 2045–2049) in the shape of the
 * wire contract (spec §2–§4), with nodemailer's MIME engine:
 *
 * - headers in this order: `From`, `To`, `Cc`, `Reply-To`, `Subject` (RFC 2047 when not ASCII),
 *   `Date`, `Message-ID`, the `X-AgentMail-*` headers in core's `mimeHeaders` order, the
 *   caller's headers, `MIME-Version`, then `Content-*`. **No `Bcc` header**, ever: Bcc
 *   recipients travel only in the envelope (SES `Destinations`).
 * - body: one `text/plain; charset=utf-8` part; with HTML, `multipart/alternative`. An
 *   encrypted body is the armored OpenPGP text as the whole of a single `text/plain` part
 *   (7bit), never PGP/MIME and never with HTML beside it.
 * - attachments: `multipart/mixed` after the body, each base64 with its manifest filename in
 *   `Content-Disposition` as the Python SDK writes it (quoted; RFC 2231 `filename*` when not
 *   ASCII or holding `=?`; RFC 2231 sections when long; never folded inside a quoted string) and
 *   an ASCII rendering of it as the `name` of `Content-Type`, the fallback for readers that
 *   ignore RFC 2231, one quoted string never cut.
 * - Subject and custom headers: printable ASCII as given, folded at single spaces (RFC 5322; a
 *   reader must unfold: Python's compat32 `msg.get()` does not, policy.default does); anything
 *   else, and values with `=?` or leading, trailing or repeated spaces, as RFC 2047 words.
 * - streamed attachments are read whole; their manifest rows get their real `size`.
 * - `X-AgentMail-Attachments` stays one unbroken JSON value wherever it has white space to
 *   fold at, so unfolding restores it exactly; a run too long for a 998-character line gets one
 *   space between two JSON tokens (spec §4).
 *
 * @example
 * const prepared = await mailer.prepare({ to: "other-agent@agents.example.com", subject: "Hi", text: "Hello" });
 * const { raw, messageId } = await composeMime(prepared, { date: new Date("2025-01-01T00:00:00Z") });
 * @throws {AgentMailError} `invalid_options`, `invalid_message`, `header_injection`,
 * `invalid_header`, `reserved_header`, `invalid_address`, `invalid_attachment`,
 * `invalid_manifest`, `encryption_failed`, `html_not_encryptable`.
 */
export async function composeMime(
  prepared: PreparedMessage,
  options?: ComposeMimeOptions,
): Promise<ComposedMime> {
  const { raw, messageId } = await renderMessage(prepared, options);
  return { raw, messageId };
}

/**
 * {@link composeMime}, also returning the message as rendered (sizes in the manifest): what a
 * transport that sends whole MIME messages (SES) calls. With `limit`, streamed attachments are
 * read only while the message can still fit it: attachments go out base64 (4 bytes for every 3),
 * so once they hold more than 3/4 of `limit` the stream being read is cancelled and the call fails
 * with `message_too_large`. The caller still checks the rendered size against its limit.
 *
 * @example
 * const { raw, prepared: sent } = await renderMessage(prepared, {}, {
 *   signal,
 *   limit: { bytes: Limits.sesV1MessageBytes, name: "SES v1" },
 * });
 * @throws {AgentMailError} as {@link composeMime}, `aborted`, and `message_too_large` when the
 * attachments alone go past `limit`.
 */
export async function renderMessage(
  prepared: PreparedMessage,
  options?: ComposeMimeOptions,
  read?: RenderOptions,
): Promise<RenderedMessage> {
  const config = parseInput(ComposeOptionsSchema, options, "composeMime options") ?? {};
  const reading = parseInput(RenderOptionsSchema, read ?? {}, "renderMessage read options");
  // Core's one validation: O(1) for a message createMailer prepared (frozen and marked), a full
  // check of one built by hand (the dev server's, a queue's); then what only this rendering knows.
  const checked = assertPrepared(prepared);
  checkRenderable(checked);
  const collected = await collectAttachments(checked, reading);
  const message = collected.prepared;
  const messageId =
    // WebCrypto's randomUUID (global on Node 20, Deno, Bun, Workers), not node:crypto's.
    config.messageId ??
    `<${globalThis.crypto.randomUUID()}@${config.messageIdDomain ?? message.from.domain}>`;
  const headers = mimeHeaders(message);

  const body = bodyOf(message);
  const hasAttachments = collected.contents.length > 0;
  const root = new MimeNode(hasAttachments ? "multipart/mixed" : body.contentType, {
    newline: "win",
  });
  // Addressing and identity first, then the contract's headers, then MIME-Version; nodemailer
  // writes Content-Transfer-Encoding and Content-Type last.
  // A name with "=?", non-ASCII or odd spacing is one B encoded word (see mailbox-header.ts):
  // nodemailer would quote a printable one, and Python's email decodes words in quotes too.
  encodeNamesAsOneWord(root);
  root.setHeader("From", mailbox(message.from));
  if (message.to.length > 0) root.setHeader("To", message.to.map(mailbox));
  if (message.cc.length > 0) root.setHeader("Cc", message.cc.map(mailbox));
  if (message.replyTo.length > 0) root.setHeader("Reply-To", message.replyTo.map(mailbox));
  // An empty subject is no Subject header (RFC 5322 makes it optional).
  if (message.subject !== "") addText(root, "Subject", message.subject);
  root.setHeader("Date", config.date ?? new Date());
  // Written as is: nodemailer would fold a long id onto its own line, and Python's parser then
  // keeps the fold's leading space in the value.
  root.setHeader("Message-ID", { prepared: true, value: messageId });
  for (const [name, value] of Object.entries(headers)) {
    addText(root, name, name === AgentMailHeaders.attachments ? foldableJson(value) : value);
  }
  root.setHeader("MIME-Version", "1.0");

  if (!hasAttachments) {
    fillBody(root, body);
  } else {
    fillBody(root.createChild(body.contentType), body);
    message.attachments.forEach((attachment, i) => {
      const { filename, content_type: contentType } = attachment.manifest;
      // Both parameter headers are written here (prepared), folded only between parameters:
      // nodemailer and a plain header folder both fold inside a quoted `name="..."`, and a
      // reader that does not unfold (Python's compat32 `get_filename()`) keeps that CRLF.
      // Not createChild's `filename` either: nodemailer would put an RFC 2047 word inside the
      // quoted `name` parameter, which RFC 2047 §5 forbids (Python reports it as a defect).
      const child = root.createChild("application/octet-stream");
      child.setHeader("Content-Type", {
        prepared: true,
        value: contentTypeValue(contentType, filename),
      });
      child.setHeader("Content-Transfer-Encoding", "base64");
      child.setHeader("Content-Disposition", {
        prepared: true,
        value: foldParameters("Content-Disposition", "attachment", [
          { name: "filename", value: filename },
        ]),
      });
      const bytes = collected.contents[i] as Uint8Array;
      child.setContent(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    });
  }
  let built: Buffer;
  try {
    built = await root.build();
  } catch (cause) {
    throw new AgentMailError({
      code: "invalid_message",
      message: "the MIME composer could not render the message",
      cause,
    });
  }
  const raw = withExactNames(built, Object.keys(headers));
  return { raw, messageId, prepared: message };
}

type Body =
  | { contentType: "text/plain; charset=utf-8"; text: string }
  | { contentType: "text/html; charset=utf-8"; html: string }
  | { contentType: "multipart/alternative"; text: string; html: string };

function bodyOf({ text, html }: PreparedMessage): Body {
  if (html === undefined) return { contentType: "text/plain; charset=utf-8", text };
  if (text === "") return { contentType: "text/html; charset=utf-8", html };
  return { contentType: "multipart/alternative", text, html };
}

function fillBody(node: MimeNode, body: Body): void {
  if (body.contentType === "multipart/alternative") {
    node.createChild("text/plain; charset=utf-8").setContent(body.text);
    node.createChild("text/html; charset=utf-8").setContent(body.html);
  } else {
    node.setContent("text" in body ? body.text : body.html);
  }
}

/**
 * The `name` parameter of an attachment's Content-Type: the filename in printable ASCII for
 * readers that ignore RFC 2231 (accents dropped, other characters as "_"). RFC 2231 readers,
 * Python's among them, take the exact name from Content-Disposition's `filename*`.
 */
export function asciiFallback(filename: string): string {
  return (
    filename
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/[^\x20-\x7e]|["\\]/g, "_")
      // No encoded-word look-alike: nodemailer would encode it into the parameter, and a reader
      // that decodes encoded words in parameters would restore another name.
      .replace(/=\?/g, "=_")
  );
}

/**
 * The Content-Type of an attachment part: the manifest's media type, its parameters as given
 * (an RFC 2231 value nodemailer's parser hands back as an encoded word is decoded first, then
 * written as RFC 2231 again), and `name`, the ASCII fallback of the filename, on a line of its own
 * when long, never cut or folded. The caller's type holds no `name`/`filename` and no `=?`
 * (core's `assertPrepared`, and `checkRenderable` for `name`/`filename`).
 */
function contentTypeValue(contentType: string, filename: string): string {
  const type = parseHeaderValue(contentType);
  const params = Object.entries(type.params as Record<string, string>).map(([name, value]) => ({
    name,
    value: hasEncodedWordLookalike(value) ? decodeHeaderWords(value) : value,
  }));
  return foldParameters("Content-Type", type.value, [
    ...params,
    { name: "name", value: asciiFallback(filename), split: false },
  ]);
}

function mailbox(entry: Mailbox): { name: string; address: string } {
  return { name: entry.name ?? "", address: entry.address };
}
