import { randomUUID } from "node:crypto";
import { parseAddress } from "@assmbl/core";
import { addressList, decodeEncodedWords, headerFields, headerValues } from "./mime/headers.js";

/**
 * One message in an agent's inbox: the raw MIME exactly as it arrived, plus the fields
 * `GET /inbox` lists (`MessageID`, `Sender`, `Subject`, `ReceivedAt`).
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
  /** The sender's bare address: the `From` header's first mailbox, else the envelope sender. */
  sender: string;
  /** The `Subject` header, RFC 2047 words decoded; `""` when absent. */
  subject: string;
  receivedAt: Date;
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
  /** The envelope sender, used when the message has no parseable `From` header. */
  sender?: string | undefined;
  /** Defaults to now. */
  receivedAt?: Date | undefined;
  /** Recorded on the inbox message. */
  sesMessageId?: string | undefined;
}

/** Builds the inbox record of a raw message (the bytes are copied). */
export function inboxMessage(
  agentId: string,
  raw: Uint8Array,
  options: DeliverOptions,
): DevInboxMessage {
  const fields = headerFields(raw);
  const subject = headerValues(fields, "subject")[0];
  return {
    id: randomUUID(),
    agentId,
    raw: new Uint8Array(raw),
    sender: firstMailbox(headerValues(fields, "from")) ?? options.sender ?? "",
    subject: subject === undefined ? "" : decodeEncodedWords(subject),
    receivedAt: new Date(options.receivedAt ?? Date.now()),
    ...(options.sesMessageId === undefined ? {} : { sesMessageId: options.sesMessageId }),
  };
}

/** A copy that shares nothing with the stored record. */
export function copyInboxMessage(message: DevInboxMessage): DevInboxMessage {
  return { ...message, raw: new Uint8Array(message.raw), receivedAt: new Date(message.receivedAt) };
}

/** The bare address of the first mailbox of `From`, or `undefined` when there is none. */
export function firstMailbox(values: readonly string[]): string | undefined {
  for (const value of values) {
    for (const item of addressList(value)) {
      try {
        return parseAddress(item).address;
      } catch {
        // Not an address; try the next one.
      }
    }
  }
  return undefined;
}
