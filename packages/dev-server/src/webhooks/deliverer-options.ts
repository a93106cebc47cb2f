// The deliverer's log records and options: what `deliveries()` answers and what it is made with.
import { z } from "zod";
import { DevStore } from "../store.js";
import { WebhookSettings } from "./settings.js";

/**
 * One delivery of a `mail.received` event as the deliverer's log shows it: no secret, no body.
 * `pending` until it succeeds (`delivered`), runs out of attempts (`failed`), is given up because
 * the webhook was deleted or disabled or the deliverer closed (`cancelled`), or was never queued
 * because too many were pending, for its agent or in all (`dropped`). `url` is where the last
 * attempt went (a delivery to the webhook's own URL follows a change of it).
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
  /** Pending deliveries at most, in all (default 1000); one more is `dropped`. */
  maxPending?: number | undefined;
  /** Pending deliveries at most, per recipient agent (default 100); one more is `dropped`. */
  maxPendingPerAgent?: number | undefined;
  /** Bytes of pending bodies at most, in all (default 16 MiB); one more is `dropped`. */
  maxPendingBytes?: number | undefined;
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
  maxPendingPerAgent: z.int().min(1).max(100_000).default(100),
  maxPendingBytes: z
    .int()
    .min(1)
    .max(1024 ** 3)
    .default(16 * 1024 * 1024),
});
