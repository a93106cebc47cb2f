import { randomUUID } from "node:crypto";
import { decodeEncodedWords, headerFields, headerValues } from "./mime/headers.js";
import { strictMailboxes } from "./mime/strict-mailboxes.js";
import type { DevStoredObject } from "./storage/object-store.js";

/**
 * An attachment's processing state on a received message, as `GET /messages/{id}` reports it.
 *
 * @example
 * const status: DevAttachmentStatus = store.attachmentStatus(messageId, 0); // "ready"
 */
export type DevAttachmentStatus = "pending" | "ready" | "failed";

/**
 * One message in an agent's inbox: the raw MIME exactly as it arrived, plus the fields
 * `GET /inbox` lists (`MessageID`, `Sender`, `SenderVerified`, `Subject`, `ReceivedAt`, `Labels`,
 * `IsRead`, `IsArchived`).
 *
 * @example
 * const [first] = server.store.inbox("my-agent");
 * new TextDecoder().decode(first?.raw); // "From: ...\r\n..."
 */
export interface DevInboxMessage {
  /** The inbox message id (`MessageID` on the wire); unique on this server. */
  id: string;
  /** The agent whose inbox holds it (lower-case). */
  agentId: string;
  /** The complete message, byte for byte as sent. */
  raw: Uint8Array;
  /**
   * The sender's bare address: the `From` header's first mailbox; the envelope sender when the
   * message has no `From`; `""` when its `From` cannot be read plainly (see `firstMailbox`).
   */
  sender: string;
  /**
   * True for mail sent through `POST /send` by an authenticated agent, and for other mail whose
   * sender is a known agent on the server's mail domain.
   */
  senderVerified: boolean;
  /** The `Subject` header, RFC 2047 words decoded; `""` when absent. */
  subject: string;
  receivedAt: Date;
  /** Labels the `label` filter of `GET /inbox` selects on; set them with `store.updateMessage`. */
  labels: string[];
  /** Set by `GET /messages/{id}` or `store.updateMessage`. */
  isRead: boolean;
  /** Archived messages are listed only with `include_archived=true`. */
  isArchived: boolean;
  /** The SES `MessageId` of the send that delivered it, when it came through the SES endpoint. */
  sesMessageId?: string;
}

/**
 * Options of {@link DevStore.deliver}.
 *
 * @example
 * store.deliver("my-agent", raw, { sender: "bounce@x.example", receivedAt: new Date(0) });
 */
export interface DeliverOptions {
  /** The envelope sender, used when the message has no `From` header. */
  sender?: string | undefined;
  /** Defaults to now. */
  receivedAt?: Date | undefined;
  /** Recorded on the inbox message. */
  sesMessageId?: string | undefined;
  /** Default: whether the sender is a known agent on the server's mail domain. */
  senderVerified?: boolean | undefined;
  /** Labels the message starts with; none by default. */
  labels?: string[] | undefined;
  /**
   * Attachments delivered by reference, by attachment index: the stored object that holds each
   * one's bytes, or its key (the message's part for it has an empty body). The message keeps the
   * object as given (a key: as it is at delivery), so its downloads do not change if the key is
   * later replaced; `/send` passes the objects it checked, so an upload replaced while the
   * message is composed is not what gets delivered.
   */
  attachmentObjects?: ReadonlyMap<number, string | Readonly<DevStoredObject>> | undefined;
}

/** The store's record of a message: the snapshot fields plus what only the server tracks. */
export interface StoredInboxMessage extends DevInboxMessage {
  /** Store-wide delivery order: inbox cursors point between these. */
  seq: number;
  /** When it was delivered (`Date.now()`), for `attachmentProcessingMs`. */
  deliveredAtMs: number;
  /** Statuses a test set by attachment index, overriding the computed one. */
  attachmentStatus: Map<number, DevAttachmentStatus>;
  /** Attachments delivered by reference: the stored object of each, by index (bytes shared). */
  attachmentObjects: Map<number, Readonly<DevStoredObject>>;
}

/** Builds the inbox record of a raw message (the bytes are copied). */
export function inboxMessage(
  agentId: string,
  raw: Uint8Array,
  options: Omit<DeliverOptions, "attachmentObjects"> & {
    seq: number;
    isVerified: (sender: string) => boolean;
    attachmentObjects: Map<number, Readonly<DevStoredObject>>;
  },
): StoredInboxMessage {
  const fields = headerFields(raw);
  const subject = headerValues(fields, "subject")[0];
  const from = headerValues(fields, "from");
  // A From header that cannot be read plainly names no sender: the envelope sender must not
  // stand in for it (and be marked verified) while recipients show the header's.
  const sender = firstMailbox(from) ?? (from.length === 0 ? options.sender : undefined) ?? "";
  const senderVerified = options.senderVerified ?? options.isVerified(sender);
  return {
    id: randomUUID(),
    agentId,
    raw: new Uint8Array(raw),
    // A verified sender is an agent: shown as its canonical (lower-case) address.
    sender: senderVerified ? sender.toLowerCase() : sender,
    senderVerified,
    subject: subject === undefined ? "" : decodeEncodedWords(subject),
    receivedAt: new Date(options.receivedAt ?? Date.now()),
    labels: [...(options.labels ?? [])],
    isRead: false,
    isArchived: false,
    ...(options.sesMessageId === undefined ? {} : { sesMessageId: options.sesMessageId }),
    seq: options.seq,
    deliveredAtMs: Date.now(),
    attachmentStatus: new Map(),
    attachmentObjects: options.attachmentObjects,
  };
}

/** A copy that shares nothing with the stored record and carries none of its internals. */
export function copyInboxMessage(message: DevInboxMessage): DevInboxMessage {
  return {
    id: message.id,
    agentId: message.agentId,
    raw: new Uint8Array(message.raw),
    sender: message.sender,
    senderVerified: message.senderVerified,
    subject: message.subject,
    receivedAt: new Date(message.receivedAt),
    labels: [...message.labels],
    isRead: message.isRead,
    isArchived: message.isArchived,
    ...(message.sesMessageId === undefined ? {} : { sesMessageId: message.sesMessageId }),
  };
}

/**
 * The bare address of the first mailbox of `From`, or `undefined` when there is none or it is
 * not read plainly: exactly one `From` header, written as `strictMailboxes` requires (what
 * the SES endpoint accepts), so the inbox's `Sender` is what the recipient's SDK reads.
 *
 * @example
 * firstMailbox(["Peer <peer@agents.localhost>"]); // "peer@agents.localhost"
 * firstMailbox(['<bob@x.example> "<alice@x.example>"']); // undefined
 */
export function firstMailbox(values: readonly string[]): string | undefined {
  if (values.length !== 1) return undefined;
  const read = strictMailboxes(values[0] ?? "");
  return read.ok ? read.addresses[0] : undefined;
}
