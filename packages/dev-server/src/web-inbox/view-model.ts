// What the web inbox shows of the store: plain data read from each message as stored. Nothing
// is decrypted; every string here is the sender's and is escaped when rendered.
import { createHash } from "node:crypto";
import {
  AgentMailError,
  AgentMailHeaders,
  decodeManifest,
  ENCRYPTED_BODY,
  type ManifestRow,
} from "@assmbl/core";
import PostalMime from "postal-mime";
import type { DevAttachmentStatus, DevInboxMessage } from "../inbox.js";
import { mimeAttachments } from "../mime/attachments.js";
import { decodeEncodedWords, headerFields, headerValues } from "../mime/headers.js";
import type { DevStore } from "../store.js";
import type { WebInboxFeed } from "./feed.js";

/** How much of a body or raw message the page shows inline; the raw route has all of it. */
export const INLINE_TEXT_CHARS = 64 * 1024;

// The page renders every agent's mail on each load and refresh, and a sender controls how many
// messages, header fields and parts there are and how long a field is (SES takes 40 MB): each is
// cut here so that the page stays a bounded size, and the page says what it left out.

/** How many of an agent's newest messages the page shows; the API has the older ones. */
export const MAX_MESSAGES_PER_AGENT = 100;
/** How many header fields of a message the page shows; the raw view has all of them. */
export const MAX_HEADER_FIELDS = 100;
/** How many characters of a header field's value (and of its decoded form) the page shows. */
export const MAX_HEADER_VALUE_CHARS = 4 * 1024;
/** How many attachment parts of a message the page lists. */
export const MAX_ATTACHMENT_ROWS = 100;

/** How a message reached the inbox: `POST /send`, the SES endpoint, or `store.deliver`. */
export type WebInboxVia = "api" | "ses" | "store";

/** One attachment part, as the page lists it. */
export interface WebInboxAttachment {
  index: number;
  fileName: string;
  contentType: string;
  size: number;
  status: DevAttachmentStatus;
}

/** One message, as the page shows it. */
export interface WebInboxMessage {
  id: string;
  sender: string;
  senderVerified: boolean;
  subject: string;
  receivedAt: string;
  isRead: boolean;
  isArchived: boolean;
  labels: string[];
  via: WebInboxVia;
  /** `X-AgentMail-Encrypted: body`, or a text body that is an armored OpenPGP message. */
  encrypted: "header" | "armored-body" | false;
  /** The first {@link MAX_HEADER_FIELDS} fields, values cut at {@link MAX_HEADER_VALUE_CHARS}. */
  headers: { name: string; value: string; decoded: string }[];
  /** How many more header fields the message has. */
  headersNotShown: number;
  /** `X-AgentMail-Attachments` decoded; `error` says why it could not be. */
  manifest: { rows: ManifestRow[] } | { error: string } | undefined;
  correlationId: string | undefined;
  idempotencyKey: string | undefined;
  marketplaceRequestId: string | undefined;
  /** The first {@link MAX_ATTACHMENT_ROWS} attachment parts. */
  attachments: WebInboxAttachment[];
  /** How many more attachment parts the message has. */
  attachmentsNotShown: number;
  /** The text body (at most {@link INLINE_TEXT_CHARS}); ciphertext stays ciphertext. */
  text: string;
  /** The raw MIME, UTF-8 decoded, at most {@link INLINE_TEXT_CHARS}. */
  raw: string;
  rawBytes: number;
}

/** One agent and its messages, newest first. */
export interface WebInboxAgent {
  agentId: string;
  address: string;
  /** The registered key's version, `null` before registration. */
  keyVersion: number | null;
  /** The newest {@link MAX_MESSAGES_PER_AGENT} messages. */
  messages: WebInboxMessage[];
  /** How many messages the agent's inbox holds in all. */
  messageCount: number;
  /** How many older messages are not in `messages`. */
  olderNotShown: number;
}

/** The whole page's data, and a digest that changes whenever any of it does. */
export interface WebInboxState {
  mailDomain: string;
  agents: WebInboxAgent[];
  version: string;
}

/**
 * Reads every agent's inbox into what the page shows (newest message first).
 *
 * @example
 * const state = await webInboxState(server.store, feed);
 * state.agents[0]?.messages[0]?.subject;
 */
export async function webInboxState(store: DevStore, feed: WebInboxFeed): Promise<WebInboxState> {
  const agents: WebInboxAgent[] = [];
  for (const agent of store.agents()) {
    const inbox = store.inbox(agent.agentId);
    const messages = inbox.slice(-MAX_MESSAGES_PER_AGENT).reverse();
    agents.push({
      agentId: agent.agentId,
      address: `${agent.agentId}@${store.mailDomain}`,
      keyVersion: agent.key?.keyVersion ?? null,
      messageCount: inbox.length,
      olderNotShown: inbox.length - messages.length,
      messages: await Promise.all(messages.map((m) => messageView(store, feed, m))),
    });
  }
  return { mailDomain: store.mailDomain, agents, version: webInboxVersion(store) };
}

/**
 * A digest of what the page shows: agents, keys, message ids and flags. The event stream
 * compares it to tell the page to refresh.
 *
 * @example
 * webInboxVersion(store); // "9f86d081884c7d65"
 */
export function webInboxVersion(store: DevStore): string {
  const hash = createHash("sha256");
  for (const agent of store.agents()) {
    hash.update(`${agent.agentId}\u0000${agent.key?.keyVersion ?? "-"}\u0000`);
    for (const m of store.inbox(agent.agentId)) {
      hash.update(`${m.id}:${Number(m.isRead)}${Number(m.isArchived)}:${m.labels.join(",")}\u0000`);
      for (const status of attachmentStatuses(store, m.id)) hash.update(status);
    }
  }
  return hash.digest("hex").slice(0, 16);
}

async function messageView(
  store: DevStore,
  feed: WebInboxFeed,
  message: DevInboxMessage,
): Promise<WebInboxMessage> {
  const fields = headerFields(message.raw);
  const first = (name: string) => headerValues(fields, name)[0];
  const parts = await mimeAttachments(message.raw);
  const text = await textBody(message.raw);
  const messageId = first("message-id")?.replace(/^\s*<|>\s*$/g, "");
  const via: WebInboxVia =
    message.sesMessageId !== undefined
      ? "ses"
      : ((messageId === undefined ? undefined : feed.viaOf(messageId)) ?? "store");
  const decoded = new TextDecoder().decode(message.raw.subarray(0, INLINE_TEXT_CHARS * 4));
  return {
    id: message.id,
    sender: message.sender,
    senderVerified: message.senderVerified,
    subject: message.subject,
    receivedAt: message.receivedAt.toISOString(),
    isRead: message.isRead,
    isArchived: message.isArchived,
    labels: message.labels,
    via,
    encrypted:
      first(AgentMailHeaders.encrypted)?.trim() === ENCRYPTED_BODY
        ? "header"
        : /^\s*-----BEGIN PGP MESSAGE-----[\s\S]*-----END PGP MESSAGE-----\s*$/.test(text)
          ? "armored-body"
          : false,
    headers: fields.slice(0, MAX_HEADER_FIELDS).map(({ name, value }) => ({
      name: cut(name),
      value: cut(value),
      // Decoded from a cut value: encoded words only shrink when decoded, so it is cut too.
      decoded: cut(decodeEncodedWords(cut(value))),
    })),
    headersNotShown: Math.max(0, fields.length - MAX_HEADER_FIELDS),
    manifest: manifestOf(first(AgentMailHeaders.attachments)),
    correlationId: first(AgentMailHeaders.correlationId),
    idempotencyKey: first(AgentMailHeaders.idempotencyKey),
    marketplaceRequestId: first(AgentMailHeaders.marketplaceRequestId),
    attachmentsNotShown: Math.max(0, parts.length - MAX_ATTACHMENT_ROWS),
    attachments: parts.slice(0, MAX_ATTACHMENT_ROWS).map((part, index) => ({
      index,
      fileName: cut(part.fileName),
      contentType: cut(part.contentType),
      size:
        store.referencedAttachment(message.id, index)?.bytes.byteLength ?? part.bytes.byteLength,
      status: store.attachmentStatus(message.id, index),
    })),
    text: text.slice(0, INLINE_TEXT_CHARS),
    raw: decoded.slice(0, INLINE_TEXT_CHARS),
    rawBytes: message.raw.byteLength,
  };
}

/** A sender's string cut to {@link MAX_HEADER_VALUE_CHARS}, marked with `…` when it was. */
function cut(value: string): string {
  return value.length > MAX_HEADER_VALUE_CHARS
    ? `${value.slice(0, MAX_HEADER_VALUE_CHARS)}…`
    : value;
}

function manifestOf(value: string | undefined): WebInboxMessage["manifest"] {
  if (value === undefined) return undefined;
  try {
    return { rows: decodeManifest(value) };
  } catch (error) {
    return { error: AgentMailError.is(error) ? error.message : "the manifest cannot be read" };
  }
}

/** The message's text body as postal-mime reads it; `""` when it has none or cannot be parsed. */
async function textBody(raw: Uint8Array): Promise<string> {
  try {
    return (await PostalMime.parse(raw)).text ?? "";
  } catch {
    return "";
  }
}

/** The statuses of a message's first attachments, for the version digest (cheap: no parse). */
function attachmentStatuses(store: DevStore, messageId: string): string[] {
  // Pending turns ready with time alone; the first few indexes are enough to notice it.
  return [0, 1, 2, 3].map((index) => store.attachmentStatus(messageId, index).charAt(0));
}
