import { CopyingLog } from "../copying-log.js";
import type { SendRequestWire } from "./prepare.js";

/**
 * One message `POST /send` accepted.
 *
 * @example
 * const [sent] = server.sent.messages();
 * sent?.deliveredTo; // ["other-agent"]
 */
export interface DevSentMessage {
  /** `message_id` of the response: the MIME `Message-ID` without angle brackets. */
  messageId: string;
  /** The sending agent. */
  agentId: string;
  /** The request as validated (defaults filled in). */
  request: SendRequestWire;
  /** The composed MIME message, as delivered. */
  raw: Uint8Array;
  correlationId: string;
  idempotencyKey: string | null;
  reservationKey: string;
  /** The agents (ids) on the server's mail domain whose inbox received a copy. */
  deliveredTo: string[];
  sentAt: Date;
}

/**
 * Every message `POST /send` accepted, oldest first: what a test asserts a client sent (the
 * request as the server read it, and the MIME it became). Replays of an idempotent request add
 * nothing.
 *
 * @example
 * server.sent.clear();
 * await client.send({ to: "other-agent@agents.localhost", subject: "hi", body: "hello" });
 * server.sent.messages().length; // 1
 */
export class SendOutbox extends CopyingLog<DevSentMessage> {
  constructor() {
    super(copy);
  }
}

function copy(message: DevSentMessage): DevSentMessage {
  return {
    ...message,
    request: structuredClone(message.request),
    raw: new Uint8Array(message.raw),
    deliveredTo: [...message.deliveredTo],
    sentAt: new Date(message.sentAt),
  };
}
