import { DomainNameSchema, parseInput, type Runtime, realRuntime } from "@assmbl/core";
import { z } from "zod";
import {
  attachmentCalls,
  type PresignedUpload,
  type UploadAttachmentInput,
  type UploadedAttachment,
} from "./attachment-calls.js";
import type { CallOptions } from "./call-options.js";
import type { FetchedMessage, FetchMessageOptions } from "./fetch-message.js";
import { createApiHttp } from "./http.js";
import type { InboxItem, InboxPage, InboxQuery, StoredMessage } from "./inbox.js";
import { inboxCalls } from "./inbox-calls.js";
import { ConnectionOptionsShape, type RetryOptions } from "./options.js";

export type {
  PresignedUpload,
  UploadAttachmentInput,
  UploadedAttachment,
} from "./attachment-calls.js";
export type { CallOptions } from "./call-options.js";
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

/** {@link AgentMailClientOptions}, checked. @internal */
export const OptionsSchema = z.strictObject({
  ...ConnectionOptionsShape,
  mailDomain: DomainNameSchema.optional(),
});

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
  return {
    ...inboxCalls({ http, runtime, mailDomain, timeoutMs: config.timeoutMs }),
    ...attachmentCalls(http),
  };
}
