// Turns send_message's `attachments` (file paths, or inline base64) into the mailer's content
// attachments. Paths are read only from under AGENTMAIL_MCP_FILES_DIR (symlinks resolved first),
// through one handle, regular files only, never past the cap: the bytes (not a stream) let the
// transport retry an upload. Nothing carrying a configured secret or a private key goes out.
import { basename, extname } from "node:path";
import { AgentMailError, type ContentAttachment, Limits } from "@assmbl/core";
import { z } from "zod";
import { CliEnv } from "../config.js";
import { FileRefused, readCapped, resolveUnderRoot } from "../safe-files.js";

/** The most bytes one attachment may have: an SES v2 raw message, the largest a send can carry. */
export const MAX_ATTACHMENT_BYTES = Limits.sesV2MessageBytes;

/** The most bytes one inline (content_base64) attachment may decode to: keeps a call's JSON sane. */
export const MAX_INLINE_ATTACHMENT_BYTES = 7 * 1024 * 1024;

const PRIVATE_KEY_ARMOR = "-----BEGIN PGP PRIVATE KEY BLOCK-----";

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
      "A path to a file under the server's AGENTMAIL_MCP_FILES_DIR (relative to that folder); refused when it is not set",
    ),
  z
    .strictObject({
      filename: z.string().min(1).max(255).describe("The attachment's file name, e.g. report.pdf"),
      content_base64: z
        .string()
        .max(10 * 1024 * 1024)
        .describe("The attachment's bytes, base64-encoded (at most 7 MiB decoded)"),
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
 * Where path attachments may come from, and what no attachment may contain.
 *
 * @example
 * const options: AttachmentOptions = { filesDir: "/srv/agent-files", secretMarkers: [token] };
 */
export interface AttachmentOptions {
  /** AGENTMAIL_MCP_FILES_DIR; undefined refuses every path attachment. */
  filesDir: string | undefined;
  /** Values (secrets, private key lines) whose presence refuses the send. */
  secretMarkers: readonly string[];
}

/**
 * The mailer's attachments for `inputs`, in order.
 *
 * @example
 * const attachments = await toAttachments(["numbers.csv"], { filesDir: "/srv/agent-files", secretMarkers: [] });
 * @throws {AgentMailError} `invalid_attachment` (no files folder, outside it, unreadable, not a
 * regular file, bad base64), `attachment_too_large`, `secret_in_message`.
 */
export async function toAttachments(
  inputs: readonly AttachmentInput[],
  options: AttachmentOptions,
): Promise<ContentAttachment[]> {
  const attachments: ContentAttachment[] = [];
  // One at a time: twenty capped reads at once would hold twenty caps of memory.
  for (const input of inputs) {
    const attachment = await toAttachment(input, options.filesDir);
    refuseSecrets(attachment.content as Uint8Array, `attachment ${attachment.filename}`, options);
    attachments.push(attachment);
  }
  return attachments;
}

/**
 * Fails when `bytes` hold a configured secret, a line of the private key, or any armored
 * private key: a model tricked into mailing them out must not manage to.
 *
 * @example
 * refuseSecrets(new TextEncoder().encode(text), "the text", options);
 * @throws {AgentMailError} `secret_in_message` (naming `what`, never the secret).
 */
export function refuseSecrets(
  bytes: Uint8Array,
  what: string,
  options: Pick<AttachmentOptions, "secretMarkers">,
): void {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hit =
    buffer.includes(PRIVATE_KEY_ARMOR) ||
    options.secretMarkers.some((marker) => marker.length > 0 && buffer.includes(marker));
  if (hit) {
    throw new AgentMailError({
      code: "secret_in_message",
      message: `${what} contains a configured secret or a private key: nothing was sent`,
    });
  }
}

async function toAttachment(
  input: AttachmentInput,
  filesDir: string | undefined,
): Promise<ContentAttachment> {
  if (typeof input === "string") return fromFile(input, filesDir);
  const compact = input.content_base64.replace(/\s+/g, "");
  if (!BASE64.test(compact) || compact.length % 4 === 1) {
    throw new AgentMailError({
      code: "invalid_attachment",
      message: `content_base64 of ${input.filename} is not base64`,
    });
  }
  const content = Buffer.from(compact, "base64");
  if (content.byteLength > MAX_INLINE_ATTACHMENT_BYTES) {
    throw new AgentMailError({
      code: "attachment_too_large",
      message: `content_base64 of ${input.filename} decodes to ${content.byteLength} bytes; the most inline is ${MAX_INLINE_ATTACHMENT_BYTES} (put bigger files under AGENTMAIL_MCP_FILES_DIR)`,
    });
  }
  return {
    filename: input.filename,
    content: new Uint8Array(content.buffer, content.byteOffset, content.byteLength),
    ...(input.content_type ? { contentType: input.content_type } : {}),
  };
}

async function fromFile(path: string, filesDir: string | undefined): Promise<ContentAttachment> {
  if (filesDir === undefined) {
    throw new AgentMailError({
      code: "invalid_attachment",
      message: `attachment ${path}: path attachments are off; set ${CliEnv.mcpFilesDir} where the server starts to the folder it may read files from, or give {filename, content_base64}`,
    });
  }
  let content: Buffer;
  let full: string;
  try {
    full = await resolveUnderRoot(filesDir, path);
    content = await readCapped(full, MAX_ATTACHMENT_BYTES);
  } catch (error) {
    if (!(error instanceof FileRefused)) throw error;
    if (error.reason === "too_large") tooLarge(path);
    throw unreadable(
      path,
      error.reason === "outside_root"
        ? `outside ${CliEnv.mcpFilesDir} (symlinks are followed before the check)`
        : error.reason === "not_regular"
          ? "not a regular file"
          : (error.message.split(": ").pop() ?? "error"),
    );
  }
  const contentType = CONTENT_TYPES[extname(full).toLowerCase()];
  return {
    filename: basename(full),
    content: new Uint8Array(content.buffer, content.byteOffset, content.byteLength),
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

function tooLarge(name: string): never {
  throw new AgentMailError({
    code: "attachment_too_large",
    message: `attachment ${name} has more than ${MAX_ATTACHMENT_BYTES} bytes, the most one send carries`,
  });
}
