import {
  type AttachmentContent,
  assertSafeHeaderValue,
  DOMAIN_NAME_PATTERN,
  DownloadResponseSchema,
  InboxPageSchema,
  isAttachmentContent,
  Limits,
  MEDIA_TYPE_PATTERN,
  parseInput,
  Routes,
  toAttachmentBytes,
  UploadResponseSchema,
} from "@assmbl/core";
import { z } from "zod";
import {
  type FetchedMessage,
  type FetchMessageOptions,
  fetchMessage,
  getStoredMessage,
} from "./fetch-message.js";
import { createApiHttp } from "./http.js";
import {
  type InboxItem,
  type InboxPage,
  type InboxQuery,
  InboxQueryOptionsSchema,
  type StoredMessage,
  toInboxItem,
  toWireQuery,
} from "./inbox.js";
import { cleanText } from "./mime.js";
import { ConnectionOptionsShape, type RetryOptions, SignalOptionsSchema } from "./options.js";
import { type Runtime, realRuntime } from "./retry.js";
import { MAX_UPLOAD_BYTES, type UploadProgress, uploadContent } from "./upload.js";

export type { FetchedMessage, FetchMessageOptions } from "./fetch-message.js";

/**
 * Options of {@link createAgentMailClient}.
 *
 * @example
 * const options: AgentMailClientOptions = { baseUrl: process.env.AGENTMAIL_API_BASE_URL ?? "", token: process.env.AGENTMAIL_TOKEN ?? "", mailDomain: "agents.example.com" };
 */
export interface AgentMailClientOptions {
  /** The AgentMail API (`AGENTMAIL_API_BASE_URL`). */
  baseUrl: string;
  /** The agent's bearer token (`AGENTMAIL_TOKEN`): the inbox read is this agent's. */
  token: string;
  /** The platform's mail domain; needed for `fetchMessage(..., { verifyWith: directory })`. */
  mailDomain?: string | undefined;
  fetch?: typeof fetch | undefined;
  /** Retries of 429, 5xx, timeouts and network errors (default `{ limit: 3, backoffLimitMs: 5000, maxRetryAfterMs: 60000 }`). */
  retry?: RetryOptions | undefined;
  /** Deadline of each attempt of a call, in ms, headers and body included (default 30000). */
  timeoutMs?: number | undefined;
}

/**
 * A presigned upload (S3 POST policy): POST a multipart form with every field, then the file last.
 *
 * @example
 * const { objectKey, upload } = await client.requestAttachmentUpload({ filename: "r.pdf", contentType: "application/pdf", maxBytes: 1 << 20 });
 */
export interface PresignedUpload {
  objectKey: string;
  upload: { url: string; fields: Record<string, string> };
}

/**
 * An attachment in platform storage, in the shape `mailer.send` takes as an attachment.
 *
 * @example
 * const ref: UploadedAttachment = await client.uploadAttachment({ filename: "r.pdf", content: bytes });
 * await mailer.send({ to, subject, text, attachments: [ref] });
 */
export interface UploadedAttachment {
  objectKey: string;
  filename: string;
  contentType: string;
  size: number;
}

/**
 * What {@link AgentMailClient.uploadAttachment} uploads.
 *
 * @example
 * const input: UploadAttachmentInput = { filename: "report.pdf", contentType: "application/pdf", content: bytes };
 */
export interface UploadAttachmentInput {
  /** A base name (no `/` or `\`), at most 255 UTF-8 bytes. */
  filename: string;
  /** Defaults to `application/octet-stream` (`text/plain; charset=utf-8` for a string). */
  contentType?: string | undefined;
  content: AttachmentContent;
  /** For a stream: the most it may hold (default 5 GiB). */
  maxBytes?: number | undefined;
  onProgress?: ((progress: UploadProgress) => void) | undefined;
}

/**
 * Per-call options.
 *
 * @example
 * await client.listInbox({}, { signal: AbortSignal.timeout(5_000) });
 */
export interface CallOptions {
  signal?: AbortSignal | undefined;
}

/** The AgentMail API for one agent: its inbox, its messages, attachment storage. */
export interface AgentMailClient {
  /**
   * One page of the inbox, oldest first.
   * @throws {AgentMailError} `invalid_options`, `invalid_request` (bad cursor), `unauthorized`, ...
   */
  listInbox(query?: InboxQuery, options?: CallOptions): Promise<InboxPage>;
  /** Every inbox item matching `query`, page after page. */
  iterInbox(query?: InboxQuery, options?: CallOptions): AsyncIterableIterator<InboxItem>;
  /**
   * `GET /messages/{id}` (marks the message read).
   * @throws {AgentMailError} `invalid_options` for an id that is `.`, `..` or holds control
   * characters (no request is made), `not_found`, ...
   */
  getMessage(id: string, options?: CallOptions): Promise<StoredMessage>;
  /** A message read per spec §7, decrypted with `decryptWith`, waiting for pending attachments. */
  fetchMessage(id: string, options?: FetchMessageOptions): Promise<FetchedMessage>;
  /**
   * Deletes a message. A retry that finds it gone after any earlier lost answer succeeds (even
   * with a 503 or 429 in between: the lost attempt may have deleted it).
   * @throws {AgentMailError} `invalid_options` for a bad id, `not_found`, ...
   */
  deleteMessage(id: string, options?: CallOptions): Promise<void>;
  /** A presigned upload for a file of at most `maxBytes`. */
  requestAttachmentUpload(
    input: { filename: string; contentType: string; maxBytes: number },
    options?: CallOptions,
  ): Promise<PresignedUpload>;
  /** Uploads a file (presign, then the form POST) and returns a ref for `mailer.send`. */
  uploadAttachment(
    input: UploadAttachmentInput,
    options?: CallOptions,
  ): Promise<UploadedAttachment>;
  /** A presigned download URL of one of this agent's uploads. */
  requestAttachmentDownload(objectKey: string, options?: CallOptions): Promise<{ url: string }>;
}

const OptionsSchema = z.strictObject({
  ...ConnectionOptionsShape,
  mailDomain: z
    .string()
    .regex(DOMAIN_NAME_PATTERN, "expected a domain name such as agents.example.com")
    .optional(),
});

// Ids go into a URL path: "." and ".." would be resolved as dot-segments (addressing another
// route), and control characters belong in no id (nor in the error messages that name it).
const IdSchema = z
  .string()
  .min(1, "expected a message id")
  .refine((value) => value !== "." && value !== "..", "expected a message id, not . or ..")
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), "expected no control characters");
const mediaType = z
  .string()
  .regex(MEDIA_TYPE_PATTERN, "expected a media type such as application/pdf");
const filename = z
  .string()
  .min(1)
  .refine(
    (value) => !/[/\\]/.test(value) && value !== "." && value !== "..",
    "expected a base name, without / or \\",
  )
  .refine(
    (value) => new TextEncoder().encode(value).length <= Limits.filenameBytes,
    `expected at most ${Limits.filenameBytes} UTF-8 bytes`,
  );

const UploadRequestInputSchema = z.strictObject({
  filename,
  contentType: mediaType,
  maxBytes: z.int().positive().max(MAX_UPLOAD_BYTES),
});

const UploadInputSchema = z.strictObject({
  filename,
  contentType: mediaType.optional(),
  content: z.custom<AttachmentContent>(
    isAttachmentContent,
    "expected bytes, a string, a ReadableStream or an async iterable",
  ),
  maxBytes: z.int().positive().max(MAX_UPLOAD_BYTES).optional(),
  onProgress: z
    .custom<(p: UploadProgress) => void>((v) => typeof v === "function", "expected a function")
    .optional(),
});

/**
 * The platform's text fields of an inbox item with control characters replaced, as the reader
 * does for every header it decodes (`cleanText`); the id is kept as it is, to be passed back.
 */
function cleanItem<T extends InboxItem>(item: T): T {
  return {
    ...item,
    sender: cleanText(item.sender),
    subject: cleanText(item.subject),
    labels: item.labels.map(cleanText),
  };
}

/**
 * A client of the AgentMail API for one agent (the token's): the inbox (`listInbox`, `iterInbox`),
 * messages (`getMessage`, `fetchMessage` with decryption and signature checks, `deleteMessage`),
 * and attachment storage. camelCase results in front of the platform's PascalCase/snake_case
 * wire; every call is retried on 429, 5xx, timeouts and network errors.
 *
 * @example
 * import { loadPrivateKey } from "@assmbl/crypto";
 * const client = createAgentMailClient({ baseUrl: process.env.AGENTMAIL_API_BASE_URL ?? "", token: process.env.AGENTMAIL_TOKEN ?? "" });
 * const decryptWith = await loadPrivateKey(process.env.AGENT_PRIVATE_KEY ?? "", process.env.AGENT_PASSPHRASE);
 * for await (const item of client.iterInbox({ verifiedOnly: true })) {
 *   const message = await client.fetchMessage(item.id, { decryptWith });
 *   console.log(message.subject, message.bodyTextDecrypted ?? message.bodyText);
 * }
 * @throws {AgentMailError} `invalid_options` for unknown (named) or malformed options.
 */
export function createAgentMailClient(options: AgentMailClientOptions): AgentMailClient {
  return createClient(options, realRuntime);
}

/**
 * {@link createAgentMailClient} with an injected clock, randomness and sleep (for tests).
 *
 * @example
 * const client = createClient({ baseUrl, token }, { now: () => 0, random: () => 0, sleep: async () => {} });
 * @throws {AgentMailError} `invalid_options`.
 */
export function createClient(options: AgentMailClientOptions, runtime: Runtime): AgentMailClient {
  const config = parseInput(OptionsSchema, options, "createAgentMailClient options");
  const mailDomain = config.mailDomain?.toLowerCase();
  const http = createApiHttp(config, runtime);
  const reader = { http, runtime, mailDomain, timeoutMs: config.timeoutMs };
  const signalOf = (callOptions: unknown, what: string) =>
    parseInput(SignalOptionsSchema, callOptions, `${what} options`)?.signal;

  async function listInbox(query: InboxQuery | undefined, signal: AbortSignal | undefined) {
    const parsed = parseInput(InboxQueryOptionsSchema, query, "inbox query");
    const { body } = await http.call({
      route: Routes.listInbox,
      query: toWireQuery(parsed),
      schema: InboxPageSchema,
      what: "listInbox",
      signal,
    });
    return {
      items: body.items.map((item) => cleanItem(toInboxItem(item))),
      nextCursor: body.next_cursor,
    };
  }

  return {
    async listInbox(query, callOptions) {
      return listInbox(query, signalOf(callOptions, "listInbox"));
    },
    async *iterInbox(query, callOptions) {
      const signal = signalOf(callOptions, "iterInbox");
      let cursor = parseInput(InboxQueryOptionsSchema, query, "inbox query")?.cursor;
      do {
        const page = await listInbox({ ...query, cursor }, signal);
        yield* page.items;
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
    },
    async getMessage(id, callOptions) {
      const signal = signalOf(callOptions, "getMessage");
      return getStoredMessage(http, parseInput(IdSchema, id, "getMessage id"), signal);
    },
    async fetchMessage(id, fetchOptions) {
      const messageId = parseInput(IdSchema, id, "fetchMessage id");
      return fetchMessage(reader, messageId, fetchOptions);
    },
    async deleteMessage(id, callOptions) {
      const signal = signalOf(callOptions, "deleteMessage");
      const messageId = parseInput(IdSchema, id, "deleteMessage id");
      await http.call({
        route: Routes.deleteMessage,
        params: { id: messageId },
        what: `deleteMessage(${messageId})`,
        goneAfterAmbiguousIsSuccess: true,
        signal,
      });
    },
    async requestAttachmentUpload(input, callOptions) {
      const signal = signalOf(callOptions, "requestAttachmentUpload");
      const request = parseInput(UploadRequestInputSchema, input, "requestAttachmentUpload input");
      assertSafeHeaderValue(request.filename, "requestAttachmentUpload filename");
      const { body } = await http.call({
        route: Routes.requestUpload,
        json: {
          file_name: request.filename,
          content_type: request.contentType,
          max_bytes: request.maxBytes,
        },
        schema: UploadResponseSchema,
        what: "requestAttachmentUpload",
        signal,
      });
      return {
        objectKey: body.object_key,
        upload: {
          url: new URL(body.upload.url, `${http.baseUrl}/`).toString(),
          fields: { ...body.upload.fields },
        },
      };
    },
    async uploadAttachment(input, callOptions) {
      const signal = signalOf(callOptions, "uploadAttachment");
      const upload = parseInput(
        UploadInputSchema,
        input,
        "uploadAttachment input",
        "invalid_attachment",
      );
      assertSafeHeaderValue(upload.filename, "uploadAttachment filename");
      const contentType =
        upload.contentType ??
        (typeof upload.content === "string"
          ? "text/plain; charset=utf-8"
          : "application/octet-stream");
      const { objectKey, size } = await uploadContent(http, {
        index: 0,
        filename: upload.filename,
        contentType,
        content: toAttachmentBytes(upload.content),
        maxBytes: upload.maxBytes,
        onProgress: upload.onProgress,
        signal,
      });
      return { objectKey, filename: upload.filename, contentType, size };
    },
    async requestAttachmentDownload(objectKey, callOptions) {
      const signal = signalOf(callOptions, "requestAttachmentDownload");
      const key = parseInput(
        z.string().min(1, "expected an object key"),
        objectKey,
        "requestAttachmentDownload objectKey",
      );
      const { body } = await http.call({
        route: Routes.requestDownload,
        json: { object_key: key },
        schema: DownloadResponseSchema,
        what: "requestAttachmentDownload",
        signal,
      });
      return { url: new URL(body.url, `${http.baseUrl}/`).toString() };
    },
  };
}
