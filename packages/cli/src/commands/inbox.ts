import type { InboxItem, InboxQuery } from "@assmbl/transport-api";
import { type Command, InvalidArgumentError } from "commander";
import { apiClient, directoryFor, privateKey } from "../config.js";
import type { CommandContext } from "../context.js";
import { UsageError } from "../exit-codes.js";
import { printResult } from "../io.js";
import { FileRefused, makeFolder } from "../safe-files.js";

interface InboxFlags {
  all?: boolean;
  limit?: number;
  cursor?: string;
  unread?: boolean;
  q?: string;
  label?: string;
  verifiedOnly?: boolean;
  includeArchived?: boolean;
}

/**
 * `agentmail inbox`, `agentmail read ID` and `agentmail delete ID`: the configured agent's
 * messages through the AgentMail API (AGENTMAIL_API_BASE_URL, AGENTMAIL_TOKEN).
 *
 * @example
 * registerInboxCommands(program, context); // agentmail inbox --unread --json
 */
export function registerInboxCommands(program: Command, context: CommandContext): void {
  program
    .command("inbox")
    .description("list the inbox, oldest first (one page; --all for every page)")
    .option("--all", "every page, not only the first")
    .option("--limit <n>", "page size, 1-100", positiveInt)
    .option("--cursor <cursor>", "the nextCursor of the previous page")
    .option("--unread", "only unread messages")
    .option("--q <text>", "subject or sender contains this text")
    .option("--label <label>", "only messages with this label")
    .option("--verified-only", "only senders the platform verified")
    .option("--include-archived", "archived messages too")
    .action(async (flags: InboxFlags, command: Command) => {
      const config = context.config(command);
      const client = apiClient(config);
      const query: InboxQuery = {
        ...(flags.limit ? { limit: flags.limit } : {}),
        ...(flags.cursor ? { cursor: flags.cursor } : {}),
        ...(flags.unread ? { isRead: false } : {}),
        ...(flags.q ? { q: flags.q } : {}),
        ...(flags.label ? { label: flags.label } : {}),
        ...(flags.verifiedOnly ? { verifiedOnly: true } : {}),
        ...(flags.includeArchived ? { includeArchived: true } : {}),
      };
      let items: InboxItem[];
      let nextCursor: string | null = null;
      if (flags.all) {
        items = [];
        for await (const item of client.iterInbox(query)) items.push(item);
      } else {
        ({ items, nextCursor } = await client.listInbox(query));
      }
      const rows = items.map((item) => ({ ...item, receivedAt: item.receivedAt.toISOString() }));
      const text =
        rows.length === 0
          ? "no messages"
          : rows
              .map(
                (r) =>
                  `${r.id}  ${r.receivedAt}  ${r.isRead ? " " : "*"} ${r.sender}${r.senderVerified ? "" : " (unverified)"}  ${r.subject}`,
              )
              .join("\n") + (nextCursor ? `\nmore: --cursor ${nextCursor}` : "");
      printResult(context.io, config, { items: rows, nextCursor }, text);
    });

  program
    .command("read")
    .description(
      "read a message: decrypted body, signature status, attachments (written with --download-dir)",
    )
    .argument("<id>", "the message id (from inbox)")
    .option(
      "--download-dir <dir>",
      "write the attachments (decrypted) to this folder; existing files are never replaced",
    )
    .action(async (id: string, flags: { downloadDir?: string }, command: Command) => {
      const config = context.config(command);
      const client = apiClient(config);
      const key = await privateKey(config);
      const downloadDir = flags.downloadDir ? await downloadFolder(flags.downloadDir) : undefined;
      const message = await client.fetchMessage(id, {
        ...(key ? { decryptWith: key } : {}),
        // The directory tells whose key signed: a signature counts only from the sender's own key.
        ...(config.mailDomain ? { verifyWith: directoryFor(config) } : {}),
        ...(downloadDir ? { downloadDir } : { includeAttachments: false }),
      });
      const errorOf = (error: { code: string; message: string } | undefined) =>
        error && { code: error.code, message: error.message };
      const body = message.encrypted ? message.bodyTextDecrypted : message.bodyText;
      const result = {
        id: message.id,
        sender: message.sender,
        senderVerified: message.senderVerified,
        subject: message.subject,
        receivedAt: message.receivedAt.toISOString(),
        encrypted: message.encrypted,
        body: body ?? null,
        bodyError: errorOf(message.bodyError),
        verification: message.verification ?? null,
        signer: message.signer,
        attachments: message.attachments.map((a) => ({
          index: a.index,
          filename: a.filename,
          contentType: a.contentType,
          size: a.size,
          status: a.status,
          encrypted: a.encrypted,
          decrypted: a.decrypted,
          path: a.path,
          verification: a.verification,
          error: errorOf(a.error),
        })),
      };
      const lines = [
        `from:       ${message.sender}${message.senderVerified ? "" : " (not verified by the platform)"}`,
        `subject:    ${message.subject}`,
        `received:   ${result.receivedAt}`,
        `encrypted:  ${message.encrypted ? (body !== undefined ? "yes, decrypted" : "yes, NOT decrypted") : "no"}`,
        `signature:  ${message.verification ?? (message.encrypted ? "unknown" : "none (not encrypted)")}${message.signer ? ` (signed by ${message.signer.fingerprint ?? message.signer.keyId}: ${message.signer.reason})` : ""}`,
      ];
      if (message.bodyError)
        lines.push(`body error: [${message.bodyError.code}] ${message.bodyError.message}`);
      for (const a of result.attachments) {
        const where = a.path ?? (downloadDir ? "not written" : "use --download-dir to save it");
        lines.push(
          `attachment: ${a.filename} (${a.contentType}, ${a.size} bytes, ${a.decrypted ? "decrypted" : a.encrypted ? "encrypted" : "clear"}) -> ${where}${a.error ? ` [${a.error.code}] ${a.error.message}` : ""}`,
        );
      }
      lines.push("", body ?? "");
      printResult(context.io, config, result, lines.join("\n"));
    });

  program
    .command("delete")
    .description("delete a message")
    .argument("<id>", "the message id")
    .action(async (id: string, _flags: unknown, command: Command) => {
      const config = context.config(command);
      await apiClient(config).deleteMessage(id);
      printResult(context.io, config, { deleted: id }, `deleted ${id}`);
    });
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a positive integer");
  return n;
}

// The last component only (its parent must exist), never under /proc, /sys or /dev:
// mkdir({ recursive: true }) loops for ever on procfs.
async function downloadFolder(path: string): Promise<string> {
  try {
    return await makeFolder(path);
  } catch (error) {
    if (error instanceof FileRefused) throw new UsageError(`--download-dir: ${error.message}`);
    throw error;
  }
}
