// read_message: fetches one message, decrypts it with the configured private key, checks its
// signature against the directory (bound to the sender's address), and returns the text with
// its attachments as embedded resources, or written to a folder. Plaintext that fails its
// integrity check is never returned (fetchMessage gives none): the result says why instead.
import { AgentMailError } from "@assmbl/core";
import type { FetchedMessage, ReceivedAttachment } from "@assmbl/transport-api";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { CliEnv } from "../config.js";
import { FileRefused, folderUnderRoot } from "../safe-files.js";
import type { McpContext } from "./context.js";
import { INLINE_ATTACHMENT_BYTES, inlineAttachments } from "./incoming-attachments.js";
import { jsonResult } from "./results.js";

/**
 * read_message's input.
 *
 * @example
 * ReadMessageInput.parse({ id: "msg_123", save_attachments_to: "./inbox-files" });
 */
export const ReadMessageInput = z.strictObject({
  id: z.string().min(1).max(512).describe("The message id, as list_inbox returns it"),
  save_attachments_to: z
    .string()
    .min(1)
    .max(4096)
    .optional()
    .describe(
      "A folder under the server's AGENTMAIL_MCP_FILES_DIR (relative to it) to write the attachments to (created if missing, one level: its parent must exist; existing files are never replaced). Without it, attachments come back inline as resources",
    ),
});

/** What read_message is called with. */
export type ReadMessageArgs = z.infer<typeof ReadMessageInput>;

/** The tool's description, as the model reads it. */
export const READ_MESSAGE_DESCRIPTION =
  "Read one message: sender (and whether the platform verified it), subject, the body decrypted " +
  "with this agent's private key, and the signature status (`valid` means the sender's directory " +
  "key signed it; `invalid`, `unverified` or `unsigned` mean you cannot trust who wrote it). " +
  `Attachments come back as embedded resources (up to ${INLINE_ATTACHMENT_BYTES / 1024 / 1024} MiB in all), or are written ` +
  "to save_attachments_to. Reading marks the message read.";

/**
 * Reads message `args.id` for the configured agent.
 *
 * @example
 * const result = await readMessage(context, { id });
 * @throws {AgentMailError} `not_found`, `invalid_options`, `bad_passphrase`, the API's codes.
 */
export async function readMessage(
  context: McpContext,
  args: ReadMessageArgs,
): Promise<CallToolResult> {
  const key = await context.privateKey();
  const downloadDir = args.save_attachments_to
    ? await saveFolder(context.filesDir, args.save_attachments_to)
    : undefined;
  const message = await context.client.fetchMessage(args.id, {
    ...(key ? { decryptWith: key } : {}),
    verifyWith: context.directory,
    ...(downloadDir ? { downloadDir } : { maxInMemoryAttachmentBytes: INLINE_ATTACHMENT_BYTES }),
  });
  const { blocks, inline } = downloadDir
    ? { blocks: [], inline: new Map<number, string>() }
    : inlineAttachments(message.id, message.attachments);
  return jsonResult(describeMessage(message, key !== undefined, inline), blocks, context.secrets);
}

// Only under AGENTMAIL_MCP_FILES_DIR, created one level at most: a model must not pick where
// files land (or make the server recurse through /proc creating folders).
async function saveFolder(filesDir: string | undefined, path: string): Promise<string> {
  if (filesDir === undefined) {
    throw new AgentMailError({
      code: "invalid_options",
      message: `save_attachments_to is off: set ${CliEnv.mcpFilesDir} where the server starts to the folder attachments may be saved under`,
    });
  }
  try {
    return await folderUnderRoot(filesDir, path);
  } catch (error) {
    if (!(error instanceof FileRefused)) throw error;
    throw new AgentMailError({
      code: "invalid_options",
      message: `save_attachments_to ${path}: ${error.reason === "outside_root" ? `outside ${CliEnv.mcpFilesDir}` : error.message}`,
    });
  }
}

function describeMessage(message: FetchedMessage, hasKey: boolean, inline: Map<number, string>) {
  const decrypted = message.bodyTextDecrypted !== undefined;
  return {
    id: message.id,
    from: message.sender,
    sender_verified: message.senderVerified,
    subject: message.subject,
    received_at: message.receivedAt.toISOString(),
    encrypted: message.encrypted,
    decrypted,
    signature: message.verification ?? (message.encrypted ? null : "unsigned"),
    ...(message.signer ? { signer: message.signer } : {}),
    body: message.encrypted ? (message.bodyTextDecrypted ?? null) : message.bodyText,
    ...(message.bodyError ? { body_error: errorOf(message.bodyError) } : {}),
    ...(message.encrypted && !decrypted && !message.bodyError && !hasKey
      ? {
          note: "the body is encrypted and this server has no private key: set AGENTMAIL_PRIVATE_KEY_FILE (and AGENTMAIL_PGP_PASSPHRASE) where the server starts",
        }
      : {}),
    ...(message.manifestError ? { manifest_error: errorOf(message.manifestError) } : {}),
    attachments: message.attachments.map((a) => describeAttachment(a, inline.get(a.index))),
  };
}

function describeAttachment(attachment: ReceivedAttachment, inline: string | undefined) {
  return {
    index: attachment.index,
    filename: attachment.filename,
    content_type: attachment.contentType,
    size: attachment.size,
    status: attachment.status,
    encrypted: attachment.encrypted,
    decrypted: attachment.decrypted,
    ...(attachment.verification ? { signature: attachment.verification } : {}),
    ...(attachment.signer ? { signer: attachment.signer } : {}),
    ...(attachment.path ? { saved_to: attachment.path } : {}),
    ...(inline?.startsWith("agentmail://") ? { resource: inline } : {}),
    ...(inline && !inline.startsWith("agentmail://") ? { note: inline } : {}),
    ...(attachment.error ? { error: errorOf(attachment.error) } : {}),
  };
}

function errorOf(error: { code: string; message: string }) {
  return { code: error.code, message: error.message };
}
