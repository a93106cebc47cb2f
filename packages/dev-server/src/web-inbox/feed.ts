// What the web inbox learns as mail arrives: which transport delivered a message (the store does
// not record it for /send) and a wake-up for the pages waiting on their event stream.
import type { DevDeliveryReport } from "../delivery.js";
import type { DevSendVia } from "../outbound.js";

/** How many deliveries the feed remembers the transport of; older ones show as `store`. */
const REMEMBERED = 10_000;

/**
 * The deliveries the app reported (its `onDelivery`), kept for the web inbox: the transport of
 * each message id, and the waiters to wake.
 *
 * @example
 * const feed = new WebInboxFeed();
 * feed.record({ via: "api", messageId: "abc@agents.localhost", agentId: "a", recipients: [], deliveredTo: ["b"] });
 * feed.viaOf("abc@agents.localhost"); // "api"
 */
export class WebInboxFeed {
  readonly #via = new Map<string, DevSendVia>();
  #waiters = new Set<() => void>();

  /** Remembers a delivery's transport and wakes every waiter. */
  record(report: DevDeliveryReport): void {
    this.#via.set(report.messageId, report.via);
    if (this.#via.size > REMEMBERED) {
      const oldest = this.#via.keys().next().value;
      if (oldest !== undefined) this.#via.delete(oldest);
    }
    const waiters = this.#waiters;
    this.#waiters = new Set();
    for (const wake of waiters) wake();
  }

  /** The transport that delivered the message with this `message_id` / SES `MessageId`. */
  viaOf(messageId: string): DevSendVia | undefined {
    return this.#via.get(messageId);
  }

  /** Resolves at the next delivery, after `timeoutMs`, or when `signal` aborts. */
  next(timeoutMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal.addEventListener("abort", done, { once: true });
      this.#waiters.add(done);
      if (signal.aborted) done();
    });
  }
}
