// A minimal RFC 5322 / MIME rendering for the v1 SendEmail action, which hands SES structured
// fields instead of a message. It takes core's PreparedMessage and returns `{ raw, messageId }`,
// the shape of transport-ses's `composeMime`, so that it can be replaced by that composer in one
// edit once the dev server may depend on it. It renders no attachments and no custom headers:
// SendEmail has neither.

import { randomBytes } from "node:crypto";
import { formatAddress, type Mailbox, type PreparedMessage } from "@assmbl/core";

/** What {@link renderPlainMime} needs besides the message. */
export interface PlainMimeOptions {
  /** The id for the `Message-ID` header (SES uses `<id@email.amazonses.com>`). */
  messageId: string;
  date: Date;
}

/**
 * Renders a text and/or HTML message: `text/plain`, `text/html`, or `multipart/alternative` when
 * both are given (an empty `text` with `html` gives HTML only). Non-ASCII header text is RFC 2047
 * encoded; bodies are 7bit when they can be, else base64; line ends are CRLF. Bcc is never
 * written.
 *
 * @example
 * const { raw } = renderPlainMime(prepared, { messageId: "abc", date: new Date() });
 */
export function renderPlainMime(
  message: PreparedMessage,
  options: PlainMimeOptions,
): { raw: Uint8Array; messageId: string } {
  const messageId = `<${options.messageId}@email.amazonses.com>`;
  const lines: string[] = [];
  const addressField = (name: string, list: readonly Mailbox[]) => {
    if (list.length > 0) lines.push(`${name}: ${mailboxes(list, name.length + 2)}`);
  };
  addressField("From", [message.from]);
  addressField("To", message.to);
  addressField("Cc", message.cc);
  addressField("Reply-To", message.replyTo);
  lines.push(
    `Subject: ${unstructured(message.subject, "Subject: ".length)}`,
    `Date: ${options.date.toUTCString().replace(/GMT$/, "+0000")}`,
    `Message-ID: ${messageId}`,
    "MIME-Version: 1.0",
  );
  const parts: Array<[subtype: string, content: string]> = [];
  if (message.text !== "" || message.html === undefined) parts.push(["plain", message.text]);
  if (message.html !== undefined) parts.push(["html", message.html]);

  let body: string;
  if (parts.length === 1) {
    const [subtype, content] = parts[0] as [string, string];
    const part = textPart(subtype, content);
    body = `${[...lines, ...part.headers].join("\r\n")}\r\n\r\n${part.body}`;
  } else {
    const boundary = `=_dev_${randomBytes(12).toString("hex")}`;
    lines.push(`Content-Type: multipart/alternative; boundary="${boundary}"`);
    const rendered = parts.map(([subtype, content]) => {
      const part = textPart(subtype, content);
      return `--${boundary}\r\n${part.headers.join("\r\n")}\r\n\r\n${part.body}`;
    });
    body = `${lines.join("\r\n")}\r\n\r\n${rendered.join("\r\n")}\r\n--${boundary}--\r\n`;
  }
  return { raw: new TextEncoder().encode(body), messageId };
}

function textPart(subtype: string, content: string): { headers: string[]; body: string } {
  const text = content.replace(/\r\n|\r|\n/g, "\r\n");
  const sevenBit =
    /^[\x20-\x7e\t\r\n]*$/.test(text) && text.split("\r\n").every((line) => line.length <= 998);
  const body = sevenBit
    ? text
    : (Buffer.from(text, "utf8")
        .toString("base64")
        .match(/.{1,76}/g)
        ?.join("\r\n") ?? "");
  return {
    headers: [
      `Content-Type: text/${subtype}; charset=UTF-8`,
      `Content-Transfer-Encoding: ${sevenBit ? "7bit" : "base64"}`,
    ],
    body: body.endsWith("\r\n") || body === "" ? body : `${body}\r\n`,
  };
}

/** A comma-separated mailbox list, one mailbox per (folded) line; `offset` is the field name's width. */
function mailboxes(list: readonly Mailbox[], offset: number): string {
  return list
    .map((mailbox, index) => {
      if (mailbox.name === undefined || isPlainAscii(mailbox.name)) return formatAddress(mailbox);
      const name = encodedWords(mailbox.name, index === 0 ? offset : 1);
      const lastLine = name.slice(name.lastIndexOf("\n") + 1);
      const width = (name.includes("\n") ? 0 : index === 0 ? offset : 1) + lastLine.length;
      const fold = width + mailbox.address.length + 4 > 78 ? "\r\n " : " ";
      return `${name}${fold}<${mailbox.address}>`;
    })
    .join(",\r\n ");
}

/**
 * Unstructured header text (Subject): as is when it is short printable ASCII that cannot be
 * mistaken for an encoded word, folded at spaces when long; otherwise RFC 2047 encoded words.
 */
function unstructured(text: string, offset: number): string {
  if (!isPlainAscii(text) || text.includes("=?") || /\S{990,}/.test(text)) {
    return encodedWords(text, offset);
  }
  // Unfolding removes the CRLFs only, so a fold before a space gives back the original text.
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    const limit = lines.length === 0 ? 78 - offset : 77;
    if (line !== "" && line.length + 1 + word.length > limit) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" && lines.length === 0 ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines.join("\r\n ");
}

/**
 * `=?UTF-8?B?...?=` words split between characters, folded, each line within 78 characters:
 * the first starts after the field name (`offset`), the others after the folding space.
 */
function encodedWords(text: string, offset: number): string {
  // The `=?UTF-8?B?` and `?=` wrapper takes 12 characters; every 3 bytes take 4 base64 ones.
  const budget = (width: number) => Math.max(6, Math.floor((78 - width - 12) / 4) * 3);
  const words: string[] = [];
  let chunk = "";
  for (const char of text) {
    if (Buffer.byteLength(chunk + char, "utf8") > budget(words.length === 0 ? offset : 1)) {
      words.push(chunk);
      chunk = "";
    }
    chunk += char;
  }
  words.push(chunk);
  return words
    .map((word) => `=?UTF-8?B?${Buffer.from(word, "utf8").toString("base64")}?=`)
    .join("\r\n ");
}

function isPlainAscii(text: string): boolean {
  return /^[\x20-\x7e]*$/.test(text);
}
