import { CopyingLog } from "../copying-log.js";
import { SesSendRate, UNENFORCED_MAX_SEND_RATE } from "./send-rate.js";

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

/** What `GetSendQuota` / `GetAccount` answer by default. */
export const SES_SEND_QUOTA = {
  /** Never enforced. */
  max24HourSend: 50_000,
  /** Enforced only when the server was started with `sesMaxSendRate`, which it then reports. */
  maxSendRate: UNENFORCED_MAX_SEND_RATE,
} as const;

/**
 * What `GetSendQuota` (v1) and `GetAccount`'s `SendQuota` (v2) answer.
 *
 * @example
 * const quota: SesSendQuota = server.ses.sendQuota(); // { max24HourSend: 50000, maxSendRate: 20, sentLast24Hours: 3 }
 */
export interface SesSendQuota {
  max24HourSend: number;
  maxSendRate: number;
  sentLast24Hours: number;
}

/**
 * Options of {@link SesOutbox}.
 *
 * @example
 * new SesOutbox({ maxSendRate: 20, now: () => clock });
 */
export interface SesOutboxOptions {
  /** Sends per second past which the endpoint answers `Throttling` (see {@link SesSendRate}). */
  maxSendRate?: number | undefined;
  /** The clock of the rate's window (epoch ms); default `Date.now`. */
  now?: (() => number) | undefined;
}

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
  /** The account's sending rate, shared by every agent (`sesMaxSendRate`). */
  readonly sendRate: SesSendRate;

  constructor(options: SesOutboxOptions = {}) {
    super(copy);
    this.sendRate = new SesSendRate(options);
  }

  /**
   * What `GetSendQuota` and `GetAccount` report: the rate this server enforces (else 14, not
   * enforced), 50000 a day (never enforced) and {@link sentLast24Hours}.
   *
   * @example
   * server.ses.sendQuota().maxSendRate; // 20 with `sesMaxSendRate: 20`
   */
  sendQuota(now: Date = new Date()): SesSendQuota {
    return {
      max24HourSend: SES_SEND_QUOTA.max24HourSend,
      maxSendRate: this.sendRate.maxSendRate,
      sentLast24Hours: this.sentLast24Hours(now),
    };
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
