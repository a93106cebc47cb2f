// Announces delivered mail to agents' webhooks: signed POSTs, retried with exponential backoff,
// bounded in time (a deadline per attempt), memory (a cap on pending deliveries and on the
// delivery log) and concurrency.
import { parseInput } from "@assmbl/core";
import { z } from "zod";
import type { DevDeliveryReport } from "../delivery.js";
import { DevStore } from "../store.js";
import { attemptDelivery } from "./attempt.js";
import { eventBody, messageFacts } from "./event.js";
import { webhookTargets } from "./rules.js";
import { WebhookSettings } from "./settings.js";
import { webhookHeaders } from "./signing.js";

/**
 * One delivery of a `mail.received` event as the deliverer's log shows it: no secret, no body.
 * `pending` until it succeeds (`delivered`), runs out of attempts (`failed`), is given up because
 * the webhook was deleted or disabled or the deliverer closed (`cancelled`), or was never queued
 * because too many were pending (`dropped`).
 *
 * @example
 * const [first] = deliverer.deliveries();
 * first?.status; // "delivered"
 */
export interface WebhookDeliveryRecord {
  deliveryId: string;
  /** The recipient agent whose webhook is called. */
  agentId: string;
  /** The inbox message announced. */
  messageId: string;
  url: string;
  attempts: number;
  status: "pending" | "delivered" | "failed" | "cancelled" | "dropped";
  /** The receiver's status on the last attempt, when it answered. */
  lastStatus?: number;
  /** Why the last attempt failed. */
  lastError?: string;
}

/**
 * Options of {@link WebhookDeliverer}.
 *
 * @example
 * const options: WebhookDelivererOptions = { store, settings, isTrustedPeer: () => false, retry: { attempts: 3, baseDelayMs: 1 } };
 */
export interface WebhookDelivererOptions {
  store: DevStore;
  settings: WebhookSettings;
  /** Whether `recipientAgentId` trusts `senderAgentId` (the `trusted` tier of the rules). */
  isTrustedPeer: (recipientAgentId: string, senderAgentId: string) => boolean;
  /** Attempts per delivery (default 6) and the first retry's delay (default 1000 ms, doubling). */
  retry?: { attempts: number; baseDelayMs: number } | undefined;
  /** The fetch to POST with (default: the global one). */
  fetch?: typeof fetch | undefined;
  /** Deadline of one attempt, in ms (default 10 000: a 2xx later than that is a failure). */
  timeoutMs?: number | undefined;
  /** Pending deliveries at most (default 1000); one more is `dropped`. */
  maxPending?: number | undefined;
}

const fn = <T>() =>
  z.custom<T>((value) => typeof value === "function", { error: "expected a function" });

/** {@link WebhookDelivererOptions}, checked. @internal */
export const WebhookDelivererOptionsSchema = z.strictObject({
  store: z.custom<DevStore>((value) => value instanceof DevStore, { error: "expected a DevStore" }),
  settings: z.custom<WebhookSettings>((value) => value instanceof WebhookSettings, {
    error: "expected a WebhookSettings",
  }),
  isTrustedPeer: fn<WebhookDelivererOptions["isTrustedPeer"]>(),
  retry: z
    .strictObject({
      attempts: z.int().min(1).max(20),
      baseDelayMs: z.int().min(0).max(3_600_000),
    })
    .default({ attempts: 6, baseDelayMs: 1000 }),
  fetch: fn<typeof fetch>().optional(),
  timeoutMs: z.int().min(1).max(60_000).default(10_000),
  maxPending: z.int().min(1).max(100_000).default(1000),
});

/** Attempts in flight at once: a slow receiver holds a few sockets, not one per message. */
const CONCURRENCY = 4;
/** Finished deliveries kept for `deliveries()`, newest last. */
const FINISHED_KEPT = 1000;

interface Delivery {
  record: WebhookDeliveryRecord;
  body: string;
}

/**
 * Delivers `mail.received` events to agents' webhooks (docs/wire-format.md, "Webhook"): for each
 * inbox copy a send delivered, when the recipient's webhook is enabled and its notification rules
 * select the message, a POST signed with the webhook's secret (wire.md §8). A 2xx within
 * `timeoutMs` is success; anything else is retried after `baseDelayMs`, twice that, four times…
 * up to `attempts`, with the same `delivery_id` and a fresh timestamp and signature made with the
 * secret current at that attempt. Attempts run in the background: `onDelivery` never waits for a
 * receiver and never throws.
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
  readonly #ready: Delivery[] = [];
  readonly #timers = new Map<NodeJS.Timeout, Delivery>();
  readonly #running = new Set<Promise<void>>();
  readonly #closing = new AbortController();
  #pending = 0;
  #idleWaiters: (() => void)[] = [];

  constructor(options: WebhookDelivererOptions) {
    this.#options = parseInput(WebhookDelivererOptionsSchema, options, "WebhookDeliverer options");
    this.#fetch = this.#options.fetch ?? ((input, init) => fetch(input, init));
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
    if (this.#pending === 0) return Promise.resolve();
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
    for (const delivery of this.#ready.splice(0)) {
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
    for (const url of webhookTargets(webhook, settings.rules(message.agentId), facts)) {
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
        body,
      };
      this.#records.set(deliveryId, delivery);
      if (this.#pending >= this.#options.maxPending) {
        this.#finish(delivery, "dropped", "too many webhook deliveries are pending");
        continue;
      }
      this.#pending++;
      this.#ready.push(delivery);
    }
    this.#pump();
  }

  /** Starts ready attempts while fewer than CONCURRENCY run. */
  #pump(): void {
    while (this.#running.size < CONCURRENCY && this.#ready.length > 0) {
      const delivery = this.#ready.shift() as Delivery;
      const run = this.#attempt(delivery).catch((error: unknown) => {
        console.error("[agentmail-dev] webhook: a delivery attempt failed unexpectedly:", error);
        this.#finish(delivery, "failed", "the dev server failed unexpectedly");
      });
      this.#running.add(run);
      void run.finally(() => {
        this.#running.delete(run);
        this.#pump();
      });
    }
  }

  async #attempt(delivery: Delivery): Promise<void> {
    const { settings, retry, timeoutMs } = this.#options;
    const { record } = delivery;
    // The secret and the switch as they are now: a rotation applies from the next attempt.
    const secret = settings.signingSecret(record.agentId);
    if (secret === undefined || !settings.get(record.agentId)?.enabled) {
      this.#finish(delivery, "cancelled", "the webhook was deleted or disabled");
      return;
    }
    record.attempts++;
    const result = await attemptDelivery({
      fetch: this.#fetch,
      url: record.url,
      headers: webhookHeaders({
        secret,
        body: delivery.body,
        deliveryId: record.deliveryId,
        timestampSeconds: Math.floor(Date.now() / 1000),
      }),
      body: delivery.body,
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
        this.#ready.push(delivery);
        this.#pump();
      }, delay);
      // A retry waiting does not keep the process alive: the app's server (or its owner) does.
      timer.unref();
      this.#timers.set(timer, delivery);
    }
  }

  /** Ends a delivery (once), trims the log, and wakes `whenIdle` when nothing is pending. */
  #finish(delivery: Delivery, status: WebhookDeliveryRecord["status"], error?: string): void {
    const { record } = delivery;
    if (record.status !== "pending") return;
    const wasQueued = status !== "dropped";
    record.status = status;
    if (error !== undefined) record.lastError = error;
    if (wasQueued) this.#pending--;
    this.#trim();
    if (this.#pending === 0) {
      for (const wake of this.#idleWaiters.splice(0)) wake();
    }
  }

  /** Keeps every pending delivery and the newest FINISHED_KEPT finished ones. */
  #trim(): void {
    let finished = this.#records.size - this.#pending;
    for (const [id, { record }] of this.#records) {
      if (finished <= FINISHED_KEPT) break;
      if (record.status === "pending") continue;
      this.#records.delete(id);
      finished--;
    }
  }
}
