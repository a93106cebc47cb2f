// Hand-built MIME, for senders other than this SDK (gpg users, other mail clients): every byte
// is written here, nothing comes from the SDK's composer.

export interface HandPart {
  filename: string;
  contentType: string;
  bytes: Uint8Array | string;
}

/**
 * A message with the given header lines, a text/plain body and base64 attachments.
 *
 * @example
 * const raw = handMime({ headers: ["From: a@x.example", "Subject: hi"], text: "hello" });
 */
export function handMime(options: {
  headers: string[];
  text: string;
  attachments?: HandPart[];
}): string {
  const crlf = (text: string) => text.replace(/\r?\n/g, "\r\n");
  const head = `${options.headers.join("\r\n")}\r\nMIME-Version: 1.0\r\n`;
  const body = `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n${crlf(options.text)}`;
  if (!options.attachments?.length) return `${head}${body}`;
  const boundary = "=_hand_built_boundary_42";
  const parts = [body];
  for (const part of options.attachments) {
    const bytes =
      typeof part.bytes === "string" ? Buffer.from(part.bytes, "utf8") : Buffer.from(part.bytes);
    const base64 = (bytes.toString("base64").match(/.{1,76}/g) ?? []).join("\r\n");
    parts.push(
      `Content-Type: ${part.contentType}; name="${part.filename}"\r\n` +
        `Content-Disposition: attachment; filename="${part.filename}"\r\n` +
        `Content-Transfer-Encoding: base64\r\n\r\n${base64}`,
    );
  }
  return (
    `${head}Content-Type: multipart/mixed; boundary="${boundary}"\r\n\r\n` +
    parts.map((part) => `--${boundary}\r\n${part}\r\n`).join("") +
    `--${boundary}--\r\n`
  );
}
