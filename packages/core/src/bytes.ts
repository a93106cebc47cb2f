import { type CiphertextExpectations, guardCiphertext } from "./ciphertext-guard.js";
import { AgentMailError } from "./errors.js";

export { concatBytes } from "./concat-bytes.js";

import type { AttachmentBytes } from "./transport.js";

/** Attachment content a caller may pass: bytes, text (sent as UTF-8), or a stream of bytes. */
export type AttachmentContent =
  | Uint8Array
  | ArrayBuffer
  | ArrayBufferView
  | string
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array | string>;

const encoder = new TextEncoder();

/**
 * True for a web `ReadableStream`, from this realm or another (duck-typed on `getReader`).
 *
 * @example
 * isReadableStream(new Response("x").body); // true
 */
export function isReadableStream(value: unknown): value is ReadableStream<Uint8Array> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as ReadableStream).getReader === "function"
  );
}

/**
 * True for anything `for await` can read, such as a Node `Readable`.
 *
 * @example
 * isAsyncIterable(fs.createReadStream("report.pdf")); // true
 */
export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function"
  );
}

/**
 * True when `value` is something {@link toAttachmentBytes} accepts.
 *
 * @example
 * isAttachmentContent("hello"); // true
 * isAttachmentContent(42); // false
 */
export function isAttachmentContent(value: unknown): value is AttachmentContent {
  return (
    typeof value === "string" ||
    value instanceof Uint8Array ||
    value instanceof ArrayBuffer ||
    ArrayBuffer.isView(value) ||
    isReadableStream(value) ||
    isAsyncIterable(value)
  );
}

/**
 * Normalises attachment content to bytes or a web stream of `Uint8Array` chunks. Streams stay
 * streams, so a large file is never held whole; string chunks become UTF-8.
 *
 * @example
 * toAttachmentBytes("hi"); // Uint8Array [104, 105]
 * toAttachmentBytes(fs.createReadStream("big.bin")); // ReadableStream<Uint8Array>
 */
export function toAttachmentBytes(content: AttachmentContent): AttachmentBytes {
  if (typeof content === "string") return encoder.encode(content);
  if (content instanceof Uint8Array) return content;
  if (content instanceof ArrayBuffer) return new Uint8Array(content);
  if (ArrayBuffer.isView(content))
    return new Uint8Array(content.buffer, content.byteOffset, content.byteLength);
  if (isReadableStream(content)) return content.pipeThrough(chunksToBytes());
  const iterator = content[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array | string>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel(reason) {
      await iterator.return?.(reason);
    },
  }).pipeThrough(chunksToBytes());
}

function chunksToBytes(): TransformStream<unknown, Uint8Array> {
  return new TransformStream({
    transform(chunk, controller) {
      if (chunk instanceof Uint8Array) controller.enqueue(chunk);
      else if (typeof chunk === "string") controller.enqueue(encoder.encode(chunk));
      else if (chunk instanceof ArrayBuffer) controller.enqueue(new Uint8Array(chunk));
      else if (ArrayBuffer.isView(chunk)) {
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      } else {
        controller.error(
          new AgentMailError({
            code: "invalid_attachment",
            message: "an attachment stream yielded a chunk that is not bytes or text",
          }),
        );
      }
    },
  });
}

const ARMOR_HEADER = "-----BEGIN PGP MESSAGE-----";
const ARMOR_FOOTER = "-----END PGP MESSAGE-----";

/**
 * True when `text` is one ASCII-armored OpenPGP message (leading white space allowed).
 *
 * @example
 * isArmoredMessage("-----BEGIN PGP MESSAGE-----\n\nwcBMA...\n-----END PGP MESSAGE-----\n"); // true
 */
export function isArmoredMessage(text: string): boolean {
  const trimmed = text.trim();
  return (
    trimmed.startsWith(ARMOR_HEADER) &&
    trimmed.endsWith(ARMOR_FOOTER) &&
    // Exactly one block: clear text between two armored messages is not "one message".
    trimmed.indexOf(ARMOR_HEADER, 1) === -1 &&
    trimmed.indexOf(ARMOR_FOOTER) === trimmed.length - ARMOR_FOOTER.length
  );
}

/**
 * Fails closed on ciphertext that is not one armored encrypted OpenPGP message: its base64
 * must decode (CRC-24 checked when present) to session key packets (PKESK v3) and exactly one
 * SEIPD v1 packet, nothing else (`expect` adds the recipients, v6 and stream-error wrapping; see
 * {@link guardCiphertext}). Bytes are checked at once; a stream is checked line by line as it is
 * read and errors before yielding anything unchecked, so a transport reading it never sends
 * plaintext.
 *
 * @example
 * const safe = guardArmored(await crypto.encryptAttachment(bytes, recipients), "report.pdf");
 * @throws {AgentMailError} `encryption_failed`.
 */
export function guardArmored(
  content: AttachmentBytes,
  what: string,
  expect: CiphertextExpectations = {},
): AttachmentBytes {
  return guardCiphertext(content, what, expect);
}
