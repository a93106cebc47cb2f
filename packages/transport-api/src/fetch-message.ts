import {
  AttachmentStatusSchema,
  Limits,
  MessageSchema,
  parseInput,
  Routes,
  type Runtime,
} from "@assmbl/core";
import {
  cleanText,
  type OpenMessageOptions,
  prepareReceive,
  type ReceivedMessage,
  ReceiveOptionsShape,
  StorageOptionsShape,
  type VerifyWith,
} from "@assmbl/mime/read";
import { z } from "zod";
import { downloadAttachment } from "./attachment-download.js";
import type { ApiHttp } from "./http.js";
import {
  type AttachmentInfo,
  type StoredMessage,
  toAttachmentInfo,
  toPlatformAttachment,
  toStoredMessage,
} from "./inbox.js";
import { MAX_TIMER_MS } from "./options.js";

/**
 * Options of {@link AgentMailClient.fetchMessage}.
 *
 * @example
 * const options: FetchMessageOptions = { decryptWith: key, verifyWith: directory, maxPollMs: 10_000, downloadDir: "./inbox-files" };
 */
export interface FetchMessageOptions extends Omit<OpenMessageOptions, "mailDomain"> {
  /** How often pending attachments are checked, in ms (default 1000; at most 2^31 - 1). */
  pollIntervalMs?: number | undefined;
  /**
   * How long to wait for `pending` attachments, in ms (default 30000; 0 does not wait; at most
   * 2^31 - 1). Past it,
   * the message is returned anyway: each attachment still pending has `status: "pending"`,
   * `bytes: null` and an `attachment_pending` error (`retryable: true`).
   */
  maxPollMs?: number | undefined;
  /**
   * Without `downloadDir`: how many bytes of attachments the platform delivered by reference
   * (messages over 40 MiB carry their attachments as empty MIME parts) are downloaded into
   * memory, all of them together (default `Limits.inMemoryAttachmentBytes`, 64 MiB). An
   * attachment past what is left keeps `bytes: null` with an `attachment_too_large` error: read
   * it with `downloadDir`.
   */
  maxInMemoryAttachmentBytes?: number | undefined;
}

/**
 * A message read through the platform: {@link ReceivedMessage} with the platform's id, sender,
 * `senderVerified`, receipt time and attachment status.
 *
 * @example
 * const { receivedAt, bodyTextDecrypted } = await client.fetchMessage(id, { decryptWith: key });
 */
export interface FetchedMessage extends ReceivedMessage {
  receivedAt: Date;
}

/** {@link FetchMessageOptions}, checked. @internal */
export const FetchOptionsSchema = z
  .strictObject({
    ...ReceiveOptionsShape,
    ...StorageOptionsShape,
    // setTimeout takes at most 2^31 - 1 ms; a larger delay would fire at once.
    pollIntervalMs: z.int().positive().max(MAX_TIMER_MS).default(1_000),
    maxPollMs: z.int().nonnegative().max(MAX_TIMER_MS).default(30_000),
    maxInMemoryAttachmentBytes: z
      .int()
      .positive()
      .max(Number.MAX_SAFE_INTEGER)
      .default(Limits.inMemoryAttachmentBytes),
  })
  .optional();

/**
 * What fetchMessage needs of its client.
 *
 * @example
 * const reader: MessageReader = { http, runtime, mailDomain: "agents.example.com", timeoutMs: 30_000 };
 */
export interface MessageReader {
  http: ApiHttp;
  runtime: Runtime;
  mailDomain: string | undefined;
  /** The client's per-request timeout: also the idle deadline between chunks of a download. */
  timeoutMs: number;
}

/**
 * `GET /messages/{id}`, its answer read under `Limits.messageResponseBytes` and its text fields
 * cleaned (`cleanText`).
 *
 * @example
 * const stored = await getStoredMessage(http, "m1", signal);
 * @throws {AgentMailError} the API's codes, `response_too_large`.
 */
export async function getStoredMessage(
  http: ApiHttp,
  id: string,
  signal: AbortSignal | undefined,
): Promise<StoredMessage> {
  const { body } = await http.call({
    route: Routes.getMessage,
    params: { id },
    schema: MessageSchema,
    what: `getMessage(${id})`,
    // raw_mime is up to an SES v2 message (40 MiB), JSON-escaped: more than other answers.
    maxResponseBytes: Limits.messageResponseBytes,
    signal,
  });
  const stored = toStoredMessage(body);
  return {
    ...stored,
    sender: cleanText(stored.sender),
    subject: cleanText(stored.subject),
    labels: stored.labels.map(cleanText),
    attachments: stored.attachments.map((attachment) => ({
      ...attachment,
      filename: cleanText(attachment.filename),
      contentType: cleanText(attachment.contentType),
    })),
  };
}

/**
 * `fetchMessage`: the stored message, its pending attachments waited for, read per spec §7 with
 * the plaintext budget, and its attachments in memory or (with `downloadDir`) in files, their
 * bytes from the platform's download route.
 *
 * @example
 * const message = await fetchMessage(reader, "m1", { decryptWith: key, downloadDir: "./files" });
 * @throws {AgentMailError} `invalid_options` (before any request), the API's codes.
 */
export async function fetchMessage(
  reader: MessageReader,
  messageId: string,
  fetchOptions: FetchMessageOptions | undefined,
): Promise<FetchedMessage> {
  const { http, mailDomain } = reader;
  const opts = parseInput(FetchOptionsSchema, fetchOptions, "fetchMessage options") ?? {
    pollIntervalMs: 1_000,
    maxPollMs: 30_000,
    maxInMemoryAttachmentBytes: Limits.inMemoryAttachmentBytes,
  };
  const { signal } = opts;
  // Every option is checked (and downloadDir opened) before any request is made.
  const reading = await prepareReceive(
    { ...opts, verifyWith: opts.verifyWith as VerifyWith | undefined },
    mailDomain,
  );
  const stored = await getStoredMessage(http, messageId, signal);
  const attachments =
    opts.includeAttachments === false
      ? stored.attachments
      : await settle(reader, messageId, stored.attachments, opts, signal);
  // With downloadDir the bytes come from the download route, and without attachments they are
  // not read: the raw's attachment bodies are not decoded at all (only measured, if needed).
  const { fields } = await reading.read(stored.rawMime, {
    // Signature verdicts bound to the sender the platform vouches for, whose key is looked up.
    sender: stored.sender,
    attachments: attachments.map(toPlatformAttachment),
    source: {
      open: (index, maxBytes, expectedBytes) =>
        downloadAttachment(http, {
          messageId,
          index,
          maxBytes,
          expectedBytes,
          timeoutMs: reader.timeoutMs,
          signal,
        }),
      maxInMemoryBytes: opts.maxInMemoryAttachmentBytes,
    },
  });
  return {
    id: stored.id,
    sender: stored.sender,
    senderVerified: stored.senderVerified,
    receivedAt: stored.receivedAt,
    ...fields,
  };
}

/** Waits while attachments are pending, checking each pending one every `pollIntervalMs`. */
async function settle(
  { http, runtime }: MessageReader,
  id: string,
  attachments: AttachmentInfo[],
  { pollIntervalMs, maxPollMs }: { pollIntervalMs: number; maxPollMs: number },
  signal: AbortSignal | undefined,
): Promise<AttachmentInfo[]> {
  const current = [...attachments];
  const deadline = runtime.now() + maxPollMs;
  for (;;) {
    const pending = current.filter((a) => a.status === "pending");
    const left = deadline - runtime.now();
    if (pending.length === 0 || left <= 0) return current;
    await runtime.sleep(Math.min(pollIntervalMs, left), signal);
    for (const attachment of pending) {
      const { body } = await http.call({
        route: Routes.getAttachment,
        params: { id, index: attachment.index },
        schema: AttachmentStatusSchema,
        what: `attachment ${attachment.index} of ${id}`,
        signal,
      });
      const at = current.findIndex((a) => a.index === attachment.index);
      current[at] = toAttachmentInfo(body);
    }
  }
}
