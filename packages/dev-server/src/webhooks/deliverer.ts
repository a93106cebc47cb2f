// Announces delivered mail to agents' webhooks: signed POSTs, retried with exponential backoff,
// bounded in time (a deadline per attempt), memory (caps on pending deliveries, per agent and in
// all, and on their bytes; finished ones keep no body) and concurrency (per agent and in all,
// agents taking turns: one agent's dead receiver cannot starve the others).
import { parseInput } from "@assmbl/core";
import type { z } from "zod";
import type { DevDeliveryReport } from "../delivery.js";
import { attemptDelivery } from "./attempt.js";
import {
  type WebhookDelivererOptions,
  WebhookDelivererOptionsSchema,
  type WebhookDeliveryRecord,
} from "./deliverer-options.js";
import { eventBody, messageFacts } from "./event.js";
import { FairQueue } from "./queue.js";
import { webhookTargets } from "./rules.js";
import { webhookHeaders } from "./signing.js";

export type { WebhookDelivererOptions, WebhookDeliveryRecord } from "./deliverer-options.js";

/** Attempts in flight at once: slow receivers hold a few sockets, not one per message. */
const CONCURRENCY = 8;
/** Attempts in flight for one agent: its receiver that never answers holds this many. */
const IN_FLIGHT_PER_AGENT = 2;
/** Finished deliveries kept for `deliveries()`, newest last. */
const FINISHED_KEPT = 1000;

interface Delivery {
  record: WebhookDeliveryRecord;
  agentId: string;
  /** The event, while pending; dropped when the delivery finishes (the log keeps metadata). */
  body: string | undefined;
  bytes: number;
  /** Sent to the webhook's own URL, read again at each attempt (not a rule's `url`). */
  followsWebhook: boolean;
}

/**
 * Delivers `mail.received` events to agents' webhooks (docs/wire-format.md, "Webhook"): for each
 * inbox copy a send delivered, when the recipient's webhook is enabled and its notification rules
 * select the message, a POST signed with the webhook's secret (wire.md §8). A 2xx within
 * `timeoutMs` is success; anything else is retried after `baseDelayMs`, twice that, four times…
 * up to `attempts`, with the same `delivery_id` and a fresh timestamp and signature made with the
 * secret current at that attempt, to the webhook's URL current at that attempt (a rule's own
 * `url` stays). Attempts run in the background, agents taking turns: `onDelivery` never waits
 * for a receiver and never throws.
 *
 * @example
 * const deliverer = new WebhookDeliverer({ store, settings, isTrustedPeer: () => false });
 * const app = createDevApp(store, { onDelivery: (report) => deliverer.onDelivery(report) });
 * // … later
 * await deliverer.close();
 * @throws {AgentMailError} `invalid_options` for unknown or bad options (named).
 */
export class WebhookDeliverer {
  readonly #options: z.output<typeof WebhookDelivererOptionsSchema>;
  readonly #fetch: typeof fetch;
  readonly #records = new Map<string, Delivery>();
  readonly #queue: FairQueue<Delivery>;
  readonly #timers = new Map<NodeJS.Timeout, Delivery>();
  readonly #running = new Set<Promise<void>>();
  readonly #closing = new AbortController();
  #idleWaiters: (() => void)[] = [];

  constructor(options: WebhookDelivererOptions) {
    this.#options = parseInput(WebhookDelivererOptionsSchema, options, "WebhookDeliverer options");
    this.#fetch = this.#options.fetch ?? ((input, init) => fetch(input, init));
    const { maxPending, maxPendingPerAgent, maxPendingBytes } = this.#options;
    this.#queue = new FairQueue({
      maxPending,
      maxPendingPerAgent,
      maxPendingBytes,
      concurrency: CONCURRENCY,
      inFlightPerAgent: IN_FLIGHT_PER_AGENT,
    });
  }

  /**
   * Queues the webhook deliveries of one send: one per delivered inbox copy and target URL.
   * Pass it as (or call it from) the dev app's `onDelivery`. Never throws: a problem is logged.
   *
   * @example
   * deliverer.onDelivery(deliverMessage(store, input));
   */
  onDelivery(report: DevDeliveryReport): void {
    if (this.#closing.signal.aborted) return;
    const seen = new Set<string>();
    for (const recipient of report.recipients) {
      const id = recipient.messageId;
      if (recipient.status !== "delivered" || id === undefined || seen.has(id)) continue;
      seen.add(id);
      try {
        this.#announce(id, report.agentId);
      } catch (error) {
        // One recipient's problem (e.g. a throwing isTrustedPeer) leaves the others announced,
        // and never fails the send that reported the delivery.
        console.error("[agentmail-dev] webhook: could not queue a delivery:", error);
      }
    }
  }

  /**
   * Every delivery still pending and the last finished ones (at most 1000), oldest first:
   * copies, without secrets or bodies.
   *
   * @example
   * deliverer.deliveries().filter((d) => d.status === "failed");
   */
  deliveries(): WebhookDeliveryRecord[] {
    return [...this.#records.values()].map(({ record }) => ({ ...record }));
  }

  /**
   * Resolves once no delivery is pending (at once when none is): every one delivered, failed,
   * cancelled or dropped. For tests and scripts; pair it with small `retry` delays.
   *
   * @example
   * await deliverer.whenIdle();
   */
  whenIdle(): Promise<void> {
    if (this.#queue.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Stops: cancels waiting retries, aborts attempts in flight and resolves when they have
   * settled. Later reports are ignored. Calling it again is harmless.
   *
   * @example
   * await deliverer.close();
   */
  async close(): Promise<void> {
    this.#closing.abort();
    for (const [timer, delivery] of this.#timers) {
      clearTimeout(timer);
      this.#finish(delivery, "cancelled", "the deliverer closed");
    }
    this.#timers.clear();
    for (const delivery of this.#queue.drain()) {
      this.#finish(delivery, "cancelled", "the deliverer closed");
    }
    await Promise.allSettled([...this.#running]);
  }

  /** Queues the deliveries of one inbox copy, as its recipient's settings select them. */
  #announce(messageId: string, senderAgentId: string): void {
    const { store, settings, isTrustedPeer } = this.#options;
    const message = store.message(messageId);
    if (!message) return;
    const webhook = settings.get(message.agentId);
    if (!webhook?.enabled) return;
    const trusted = isTrustedPeer(message.agentId, senderAgentId);
    const facts = messageFacts(message, { trusted });
    const targets = webhookTargets(webhook, settings.rules(message.agentId), facts);
    for (const { url, followsWebhook } of targets) {
      const { deliveryId, body } = eventBody(facts.event);
      const delivery: Delivery = {
        record: {
          deliveryId,
          agentId: message.agentId,
          messageId,
          url,
          attempts: 0,
          status: "pending",
        },
        agentId: message.agentId,
        body,
        bytes: Buffer.byteLength(body),
        followsWebhook,
      };
      this.#records.set(deliveryId, delivery);
      const refused = this.#queue.admit(delivery);
      if (refused !== undefined) {
        this.#finish(delivery, "dropped", refused);
        continue;
      }
      this.#queue.ready(delivery);
    }
    this.#pump();
  }

  /** Starts ready attempts, agents in turn, within the limits of attempts in flight. */
  #pump(): void {
    for (let delivery = this.#queue.next(); delivery; delivery = this.#queue.next()) {
      const started = delivery;
      const run = this.#attempt(started).catch((error: unknown) => {
        console.error("[agentmail-dev] webhook: a delivery attempt failed unexpectedly:", error);
        this.#finish(started, "failed", "the dev server failed unexpectedly");
      });
      this.#running.add(run);
      void run.finally(() => {
        this.#running.delete(run);
        this.#queue.done(started);
        this.#pump();
      });
    }
  }

  async #attempt(delivery: Delivery): Promise<void> {
    const { settings, retry, timeoutMs } = this.#options;
    const { record } = delivery;
    // The secret, the switch and the URL as they are now: a rotation or a new URL applies from
    // the next attempt.
    const secret = settings.signingSecret(record.agentId);
    const webhook = settings.get(record.agentId);
    const { body } = delivery;
    if (secret === undefined || !webhook?.enabled || body === undefined) {
      this.#finish(delivery, "cancelled", "the webhook was deleted or disabled");
      return;
    }
    if (delivery.followsWebhook) record.url = webhook.url;
    record.attempts++;
    const result = await attemptDelivery({
      fetch: this.#fetch,
      url: record.url,
      headers: webhookHeaders({
        secret,
        body,
        deliveryId: record.deliveryId,
        timestampSeconds: Math.floor(Date.now() / 1000),
      }),
      body,
      timeoutMs,
      signal: this.#closing.signal,
    });
    if (result.status === undefined) delete record.lastStatus;
    else record.lastStatus = result.status;
    if (result.ok) {
      delete record.lastError;
      this.#finish(delivery, "delivered");
    } else if (this.#closing.signal.aborted) {
      this.#finish(delivery, "cancelled", "the deliverer closed");
    } else if (record.attempts >= retry.attempts) {
      this.#finish(delivery, "failed", result.error);
    } else {
      record.lastError = result.error ?? "failed";
      const delay = retry.baseDelayMs * 2 ** (record.attempts - 1);
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        this.#queue.ready(delivery);
        this.#pump();
      }, delay);
      // A retry waiting does not keep the process alive: the app's server (or its owner) does.
      timer.unref();
      this.#timers.set(timer, delivery);
    }
  }

  /**
   * Ends a delivery (once): drops its body, trims the log, and wakes `whenIdle` when nothing is
   * pending.
   */
  #finish(delivery: Delivery, status: WebhookDeliveryRecord["status"], error?: string): void {
    const { record } = delivery;
    if (record.status !== "pending") return;
    const wasQueued = status !== "dropped";
    record.status = status;
    if (error !== undefined) record.lastError = error;
    delivery.body = undefined;
    if (wasQueued) this.#queue.release(delivery);
    this.#trim();
    if (this.#queue.pending === 0) {
      for (const wake of this.#idleWaiters.splice(0)) wake();
    }
  }

  /** Keeps every pending delivery and the newest FINISHED_KEPT finished ones. */
  #trim(): void {
    let finished = this.#records.size - this.#queue.pending;
    for (const [id, { record }] of this.#records) {
      if (finished <= FINISHED_KEPT) break;
      if (record.status === "pending") continue;
      this.#records.delete(id);
      finished--;
    }
  }
}
