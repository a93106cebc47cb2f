// Turns send_message's `attachments` (file paths, or inline base64) into the mailer's content
// attachments. Files are read whole, under a cap, after checking they are regular files: the
// bytes (not a stream) let the transport retry an upload.
import { readFile, stat } from "node:fs/promises";
import { basename, extname, resolve } from "node:path";
import { AgentMailError, type ContentAttachment, Limits } from "@assmbl/core";
import { z } from "zod";

/** The most bytes one attachment may have: an SES v2 raw message, the largest a send can carry. */
export const MAX_ATTACHMENT_BYTES = Limits.sesV2MessageBytes;

/**
 * One attachment as a tool call gives it: a path the server can read, or a name with base64 bytes.
 *
 * @example
 * AttachmentInputSchema.parse("./report.pdf");
 * AttachmentInputSchema.parse({ filename: "a.txt", content_base64: "aGk=" });
 */
export const AttachmentInputSchema = z.union([
  z
    .string()
    .min(1)
    .max(4096)
    .describe(
      "A path to a file on the machine running this server (relative to its working directory)",
    ),
  z
    .strictObject({
      filename: z.string().min(1).max(255).describe("The attachment's file name, e.g. report.pdf"),
      content_base64: z.string().describe("The attachment's bytes, base64-encoded"),
      content_type: z
        .string()
        .min(1)
        .max(255)
        .optional()
        .describe("Its media type; default application/octet-stream"),
    })
    .describe("An attachment given inline"),
]);

/** One element of send_message's `attachments`. */
export type AttachmentInput = z.infer<typeof AttachmentInputSchema>;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The mailer's attachments for `inputs`, in order.
 *
 * @example
 * const attachments = await toAttachments(["./numbers.csv"]);
 * @throws {AgentMailError} `invalid_attachment` (unreadable path, not a file, bad base64) or
 * `attachment_too_large`.
 */
export async function toAttachments(
  inputs: readonly AttachmentInput[],
): Promise<ContentAttachment[]> {
  return Promise.all(inputs.map((input) => toAttachment(input)));
}

async function toAttachment(input: AttachmentInput): Promise<ContentAttachment> {
  if (typeof input === "string") return fromFile(input);
  const compact = input.content_base64.replace(/\s+/g, "");
  if (!BASE64.test(compact) || compact.length % 4 === 1) {
    throw new AgentMailError({
      code: "invalid_attachment",
      message: `content_base64 of ${input.filename} is not base64`,
    });
  }
  const content = Buffer.from(compact, "base64");
  tooLarge(input.filename, content.byteLength);
  return {
    filename: input.filename,
    content: new Uint8Array(content.buffer, content.byteOffset, content.byteLength),
    ...(input.content_type ? { contentType: input.content_type } : {}),
  };
}

async function fromFile(path: string): Promise<ContentAttachment> {
  const full = resolve(path);
  const info = await stat(full).catch((error: NodeJS.ErrnoException) => {
    throw unreadable(path, error.code ?? "error");
  });
  if (!info.isFile()) throw unreadable(path, "not a regular file");
  tooLarge(path, info.size);
  const content = await readFile(full).catch((error: NodeJS.ErrnoException) => {
    throw unreadable(path, error.code ?? "error");
  });
  // The file may have grown between stat and read.
  tooLarge(path, content.byteLength);
  const contentType = CONTENT_TYPES[extname(full).toLowerCase()];
  return {
    filename: basename(full),
    content: new Uint8Array(content),
    ...(contentType ? { contentType } : {}),
  };
}

// The common types by extension, so a receiver (and its model) knows a CSV from a PDF; any
// other file goes as application/octet-stream, the mailer's default.
const CONTENT_TYPES: Record<string, string> = {
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".csv": "text/csv",
  ".html": "text/html",
  ".json": "application/json",
  ".xml": "application/xml",
  ".yaml": "application/yaml",
  ".yml": "application/yaml",
  ".pdf": "application/pdf",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".zip": "application/zip",
};

function unreadable(path: string, why: string): AgentMailError {
  return new AgentMailError({
    code: "invalid_attachment",
    message: `cannot read attachment ${path}: ${why}`,
  });
}

function tooLarge(name: string, size: number): void {
  if (size > MAX_ATTACHMENT_BYTES) {
    throw new AgentMailError({
      code: "attachment_too_large",
      message: `attachment ${name} has ${size} bytes; the most one send carries is ${MAX_ATTACHMENT_BYTES}`,
    });
  }
}
