import { CopyingLog } from "./copying-log.js";

/** Which way a message came in: `POST /send` (`api`) or the SES-compatible endpoint (`ses`). */
export type DevSendVia = "api" | "ses";

/**
 * One message, as far as it went to addresses on domains the dev server does not serve: the real
 * platform would hand it to SES for delivery on the internet; the dev server keeps it here.
 *
 * @example
 * const [out] = server.store.outbound.messages();
 * out?.recipients; // ["partner@agents.example.com"]
 */
export interface DevOutboundMessage {
  /** The id the send answered: `/send`'s `message_id` or SES's `MessageId`. */
  messageId: string;
  via: DevSendVia;
  /** The sending agent. */
  agentId: string;
  /** The sending agent's address. */
  from: string;
  /** The bare addresses on other domains, each once, in recipient order. */
  recipients: string[];
  /** The subject as the message's header spells it, when it has one. */
  subject?: string;
  /** The message as it would have left. */
  raw: Uint8Array;
  sentAt: Date;
}

/**
 * Every message that had recipients on domains the dev server does not serve, oldest first, so
 * that such mail is never accepted silently into nowhere. `GET /outbound` shows an agent its own.
 *
 * @example
 * server.store.outbound.forAgent("my-agent").map((message) => message.recipients);
 */
export class OutboundLog extends CopyingLog<DevOutboundMessage> {
  constructor() {
    super(copy);
  }

  /**
   * Copies of the messages `agentId` sent, oldest first.
   *
   * @example
   * store.outbound.forAgent("my-agent").length; // 1
   */
  forAgent(agentId: string): DevOutboundMessage[] {
    return this.entries()
      .filter((message) => message.agentId === agentId)
      .map(copy);
  }
}

function copy(message: DevOutboundMessage): DevOutboundMessage {
  return {
    ...message,
    recipients: [...message.recipients],
    raw: new Uint8Array(message.raw),
    sentAt: new Date(message.sentAt),
  };
}
