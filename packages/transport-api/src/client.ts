import { DomainNameSchema, parseInput, type Runtime, realRuntime } from "@assmbl/core";
import { z } from "zod";
import {
  attachmentCalls,
  type PresignedUpload,
  type UploadAttachmentInput,
  type UploadedAttachment,
} from "./attachment-calls.js";
import {
  type BillingBalance,
  type BillingPricing,
  billingCalls,
  type UsagePage,
  type UsageQuery,
  type UsageRow,
} from "./billing-calls.js";
import type { CallOptions } from "./call-options.js";
import type { FetchedMessage, FetchMessageOptions } from "./fetch-message.js";
import { createApiHttp } from "./http.js";
import { inboundAttachmentCalls } from "./inbound-attachment-calls.js";
import type { AttachmentInfo, InboxItem, InboxPage, InboxQuery, StoredMessage } from "./inbox.js";
import { inboxCalls } from "./inbox-calls.js";
import { messageIteration } from "./message-iteration.js";
import {
  type NotificationRule,
  type NotificationRuleInput,
  notificationCalls,
} from "./notification-calls.js";
import { ConnectionOptionsShape, type RetryOptions } from "./options.js";
import {
  type PutTrustedPeerInput,
  type TrustedPeer,
  trustedPeerCalls,
} from "./trusted-peer-calls.js";
import { type PutWebhookInput, type WebhookSettings, webhookCalls } from "./webhook-calls.js";

export type {
  PresignedUpload,
  UploadAttachmentInput,
  UploadedAttachment,
} from "./attachment-calls.js";
export type {
  BillingBalance,
  BillingPricing,
  UsageCounts,
  UsagePage,
  UsageQuery,
  UsageRow,
} from "./billing-calls.js";
export type { CallOptions } from "./call-options.js";
export type { FetchedMessage, FetchMessageOptions } from "./fetch-message.js";
export type {
  NotificationFilters,
  NotificationRule,
  NotificationRuleInput,
} from "./notification-calls.js";
export type { PutTrustedPeerInput, RateCap, TrustedPeer } from "./trusted-peer-calls.js";
export type { PutWebhookInput, WebhookSettings } from "./webhook-calls.js";

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
  /**
   * Every message of the inbox matching `query`, page after page, each read with `fetchMessage`
   * and `options` (decrypted with `decryptWith`, attachments written to `downloadDir`): the
   * Python SDK's `iter_inbox`. A message deleted between the listing and its fetch is skipped.
   * @throws {AgentMailError} `invalid_options` at the call (before any request), then
   * `fetchMessage`'s codes.
   */
  iterMessages(
    query?: InboxQuery,
    options?: FetchMessageOptions,
  ): AsyncIterableIterator<FetchedMessage>;
  /**
   * `GET /messages/{id}/attachments/{index}`: a received attachment's status (`pending`,
   * `ready`, `failed`), name, type and size; `index` is zero-based.
   * @throws {AgentMailError} `invalid_options` for a bad id or index (no request is made),
   * `not_found`, ...
   */
  getInboundAttachmentStatus(
    messageId: string,
    index: number,
    options?: CallOptions,
  ): Promise<AttachmentInfo>;
  /**
   * `POST /messages/{id}/attachments/{index}/download`: a presigned URL of a received
   * attachment's stored bytes (as stored: still encrypted if it arrived encrypted).
   * @throws {AgentMailError} `invalid_options` for a bad id or index, `not_found`,
   * `attachment_pending`, ...
   */
  requestInboundAttachmentDownload(
    messageId: string,
    index: number,
    options?: CallOptions,
  ): Promise<{ url: string }>;
  /**
   * `PUT /webhook`: sets the webhook. `signingSecret` comes back on the first set-up and with
   * `rotateSecret: true`, never otherwise: store it. Retried like other calls; if a retry may
   * have lost a first set-up's secret, the client rotates once and returns the new secret.
   * @throws {AgentMailError} `invalid_options` (a URL that is not http(s) or holds
   * credentials), `invalid_request` (the dev server takes loopback URLs only), ...
   */
  putWebhook(input: PutWebhookInput, options?: CallOptions): Promise<WebhookSettings>;
  /** `GET /webhook`: the webhook (never its secret), or `null` when none is set. */
  getWebhook(options?: CallOptions): Promise<Omit<WebhookSettings, "signingSecret"> | null>;
  /** `DELETE /webhook`: removes it (also when there is none). */
  deleteWebhook(options?: CallOptions): Promise<void>;
  /** `GET /notifications`: the notification rules. */
  getNotifications(options?: CallOptions): Promise<NotificationRule[]>;
  /**
   * `PUT /notifications`: replaces the whole list (at most 50 rules, distinct ids); answers the
   * list as stored.
   * @throws {AgentMailError} `invalid_options` (unknown keys named, bounds), ...
   */
  putNotifications(
    rules: NotificationRuleInput[],
    options?: CallOptions,
  ): Promise<NotificationRule[]>;
  /**
   * `PUT /trusted-peers/{peerAgentId}`: trusts an agent of the platform's domain, with an
   * optional rate cap (replacing any earlier one).
   * @throws {AgentMailError} `invalid_agent_id` (no request is made), `agent_not_found`, ...
   */
  putTrustedPeer(
    peerAgentId: string,
    input?: PutTrustedPeerInput,
    options?: CallOptions,
  ): Promise<TrustedPeer>;
  /** `GET /trusted-peers`. */
  listTrustedPeers(options?: CallOptions): Promise<TrustedPeer[]>;
  /**
   * `DELETE /trusted-peers/{peerAgentId}`.
   * @throws {AgentMailError} `invalid_agent_id` (no request is made), ...
   */
  deleteTrustedPeer(peerAgentId: string, options?: CallOptions): Promise<void>;
  /** `GET /billing/pricing`: this agent's pricing as a seller. */
  getBillingPricing(options?: CallOptions): Promise<BillingPricing>;
  /** `PUT /billing/pricing`: sets it (also what `GET /public/agents/{id}/pricing` shows). */
  putBillingPricing(pricing: BillingPricing, options?: CallOptions): Promise<BillingPricing>;
  /** `GET /billing/balance`: the wallet. */
  getBillingBalance(options?: CallOptions): Promise<BillingBalance>;
  /** `GET /billing/usage`: one page of usage rows, oldest first. */
  getBillingUsage(query?: UsageQuery, options?: CallOptions): Promise<UsagePage>;
  /** Every usage row, page after page (`query.limit` is the page size). */
  iterBillingUsage(query?: UsageQuery, options?: CallOptions): AsyncIterableIterator<UsageRow>;
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
  const inbox = inboxCalls({ http, runtime, mailDomain, timeoutMs: config.timeoutMs });
  return {
    ...inbox,
    ...messageIteration(inbox),
    ...attachmentCalls(http),
    ...inboundAttachmentCalls(http),
    // putWebhook watches its own attempts through a fetch of its own (see webhookCalls).
    ...webhookCalls(http, (fetch) => createApiHttp({ ...config, fetch }, runtime)),
    ...notificationCalls(http),
    ...trustedPeerCalls(http),
    ...billingCalls(http),
  };
}
