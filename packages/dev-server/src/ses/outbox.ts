import { CopyingLog } from "../copying-log.js";

/** Which SES call sent a message. */
export type SesApi = "v1-raw" | "v1-send" | "v2-raw";

/**
 * One message the SES endpoint accepted.
 *
 * @example
 * const [sent] = server.ses.messages();
 * Buffer.compare(sent.raw, myRawBytes); // 0: kept byte for byte
 */
export interface SesMessage {
  /** The `MessageId` SES answered. */
  messageId: string;
  /** `v1-raw` (SendRawEmail), `v1-send` (SendEmail, rendered to MIME here), `v2-raw` (v2 SendEmail with `Content.Raw`). */
  api: SesApi;
  /** The message as sent (v1-raw, v2-raw: verbatim) or as rendered (v1-send). */
  raw: Uint8Array;
  /** Bare addresses the message went to (To, Cc and Bcc), in order, each once. */
  destinations: string[];
  /** `Source` (v1) or `FromEmailAddress` (v2), when the caller gave one. */
  source?: string;
  receivedAt: Date;
  /** The agents (ids) on the server's mail domain whose inbox received a copy. */
  deliveredTo: string[];
}

/** What {@link SesOutbox.sentLast24Hours} reports and `GetSendQuota` answers. */
export const SES_SEND_QUOTA = {
  /** Never enforced: the dev server does not throttle. */
  max24HourSend: 50_000,
  /** Never enforced. */
  maxSendRate: 14,
} as const;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Every message the SES endpoint accepted, oldest first: what tests assert against (the exact
 * bytes a transport sent, and to whom).
 *
 * @example
 * server.ses.clear();
 * await transport.send(prepared, {});
 * server.ses.messages()[0]?.destinations; // ["other-agent@agents.localhost"]
 */
export class SesOutbox extends CopyingLog<SesMessage> {
  constructor() {
    super(copy);
  }

  /**
   * Recipients of the messages accepted in the 24 hours before `now`, as SES counts its quota
   * (one per destination).
   *
   * @example
   * server.ses.sentLast24Hours(); // 3
   */
  sentLast24Hours(now: Date = new Date()): number {
    const until = now.getTime();
    return this.entries()
      .filter((message) => {
        const at = message.receivedAt.getTime();
        return at > until - DAY_MS && at <= until;
      })
      .reduce((sum, message) => sum + message.destinations.length, 0);
  }
}

function copy(message: SesMessage): SesMessage {
  return {
    ...message,
    raw: new Uint8Array(message.raw),
    destinations: [...message.destinations],
    receivedAt: new Date(message.receivedAt),
    deliveredTo: [...message.deliveredTo],
  };
}
