import { basename, extname } from "node:path";
import { type ContentAttachment, Limits, type MailMessage } from "@assmbl/core";
import { type Command, Option } from "commander";
import { mailerFor, type Via } from "../config.js";
import type { CommandContext } from "../context.js";
import { UsageError } from "../exit-codes.js";
import { printResult, readAllCapped } from "../io.js";
import { uploadProgress } from "../progress.js";
import { FileRefused, readCapped } from "../safe-files.js";

// A text body beyond this is not a message body; SES refuses a whole message over 10 MiB anyway.
const MAX_TEXT_BYTES = 10 * 1024 * 1024;

// One attachment beyond an SES v2 raw message cannot be sent by any transport.
const MAX_ATTACHMENT_BYTES = Limits.sesV2MessageBytes;

// The types a receiver most often needs to open a file; anything else is octet-stream.
const CONTENT_TYPES: Record<string, string> = {
  ".txt": "text/plain",
  ".csv": "text/csv",
  ".json": "application/json",
  ".pdf": "application/pdf",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".html": "text/html",
  ".md": "text/markdown",
  ".zip": "application/zip",
};

interface SendFlags {
  to: string[];
  subject: string;
  text?: string;
  textFile?: string;
  attach?: string[];
  encrypt?: boolean;
  requireEncryption?: boolean;
  via: Via;
  correlationId?: string;
  idempotencyKey?: string;
}

/**
 * `agentmail send`: one message from the configured agent. `--encrypt` encrypts the body and
 * every attachment to each recipient's directory key and fails (exit 1, nothing sent) when a
 * recipient has none; `--require-encryption` does the same with keys looked up fresh, never from
 * a cache, so a key revoked a minute ago is not used. Without either, the message goes in clear.
 * The body is `--text`, `--text-file`, or stdin when neither is given and stdin is not a terminal.
 *
 * @example
 * registerSend(program, context); // agentmail send --to other-agent@agents.example.com --subject Hi --text Hello --encrypt
 */
export function registerSend(program: Command, context: CommandContext): void {
  program
    .command("send")
    .description("send a message (encrypted with --encrypt or --require-encryption)")
    .requiredOption("--to <address...>", "recipient address(es)")
    .requiredOption("--subject <subject>", "the subject (always in clear: keep secrets out of it)")
    .option("--text <text>", "the text body")
    .option("--text-file <file>", "read the text body from a file")
    .option("--attach <file...>", "attach file(s)")
    .option(
      "--encrypt",
      "encrypt body and attachments to each recipient's key; fail if one has none",
    )
    .option(
      "--require-encryption",
      "like --encrypt, with every key looked up fresh from the directory",
    )
    .addOption(
      new Option("--via <transport>", "send through the AgentMail API or SES")
        .choices(["api", "ses"])
        .default("api"),
    )
    .option(
      "--correlation-id <id>",
      "X-AgentMail-Correlation-Id: ties the messages of one workflow",
    )
    .option(
      "--idempotency-key <key>",
      "X-AgentMail-Idempotency-Key: a retry with it never sends twice",
    )
    .addHelpText(
      "after",
      "\nThe body: --text, --text-file, or stdin (piped) when neither is given.",
    )
    .action(async (flags: SendFlags, command: Command) => {
      const config = context.config(command);
      const text = await bodyOf(flags, context);
      const attachments = await Promise.all((flags.attach ?? []).map(attachmentOf));
      const encrypt = flags.requireEncryption
        ? { body: true, attachments: true, freshKeys: true }
        : flags.encrypt
          ? true
          : undefined;
      // Only the API transport uploads attachments (SES carries them inside the message).
      const progress =
        flags.via === "api" ? uploadProgress(context.io.stderr, attachments.length) : undefined;
      const mailer = await mailerFor(config, flags.via, { onUploadProgress: progress?.update });
      const message: MailMessage = {
        to: flags.to.length === 1 ? (flags.to[0] ?? "") : flags.to,
        subject: flags.subject,
        text,
        ...(attachments.length > 0 ? { attachments } : {}),
        ...(encrypt ? { encrypt } : {}),
        ...(flags.correlationId ? { correlationId: flags.correlationId } : {}),
        ...(flags.idempotencyKey ? { idempotencyKey: flags.idempotencyKey } : {}),
      };
      let result: Awaited<ReturnType<typeof mailer.send>>;
      try {
        result = await mailer.send(message);
      } finally {
        progress?.done();
      }
      const summary = {
        messageId: result.messageId,
        transport: result.transport,
        correlationId: result.correlationId,
        idempotencyKey: result.idempotencyKey,
        encrypted: result.encrypted,
        recipients: result.recipients,
        attachments: result.attachments,
        copies: result.copies.map((copy) => ({
          kind: copy.kind,
          messageId: copy.messageId,
          recipients: copy.recipients,
        })),
      };
      const encrypted = result.encrypted.body
        ? `encrypted to ${result.recipients.map((r) => `${r.address} (${r.keyFingerprint ?? "?"})`).join(", ")}`
        : "in clear";
      printResult(
        context.io,
        config,
        summary,
        `sent ${result.messageId} via ${result.transport}, ${encrypted}`,
      );
    });
}

async function bodyOf(flags: SendFlags, context: CommandContext): Promise<string> {
  const given = [flags.text !== undefined, flags.textFile !== undefined].filter(Boolean).length;
  if (given > 1) throw new UsageError("give --text or --text-file, not both");
  if (flags.text !== undefined) return flags.text;
  if (flags.textFile !== undefined) {
    const bytes = await readFileFlag("--text-file", flags.textFile, MAX_TEXT_BYTES);
    return bytes.toString("utf8");
  }
  // A terminal on stdin means nobody piped a body: waiting for one would look like a hang.
  if (context.io.stdin.isTTY)
    throw new UsageError("give --text, --text-file, or pipe the body on stdin");
  const bytes = await readAllCapped(context.io.stdin, MAX_TEXT_BYTES, "the body on stdin");
  return new TextDecoder("utf-8", { fatal: false }).decode(bytes);
}

async function attachmentOf(path: string): Promise<ContentAttachment> {
  const bytes = await readFileFlag("--attach", path, MAX_ATTACHMENT_BYTES);
  const type = CONTENT_TYPES[extname(path).toLowerCase()] ?? "application/octet-stream";
  return {
    filename: basename(path),
    content: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    contentType: type,
  };
}

// Through one handle, regular files only, never past the cap: stat's size means nothing on
// procfs (/proc/self/pagemap says 0 and reads for gigabytes).
async function readFileFlag(flag: string, path: string, max: number): Promise<Buffer> {
  try {
    return await readCapped(path, max);
  } catch (error) {
    if (!(error instanceof FileRefused)) throw error;
    throw new UsageError(
      error.reason === "too_large"
        ? `${flag} ${path} is over ${max} bytes`
        : `${flag} ${path} is not a readable regular file`,
    );
  }
}
