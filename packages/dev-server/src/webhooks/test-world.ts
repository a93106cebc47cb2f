// Test fixture: a store with agents alice, bob and carol, webhook settings, a deliverer with
// tiny retry delays, and `send` that delivers a message as the send routes do and reports it to
// the deliverer. Everything started here stops after the test. Used by this folder's tests only.
import { parseAddress } from "@assmbl/core";
import { afterEach } from "vitest";
import { type DevDeliveryReport, deliverMessage } from "../delivery.js";
import { DevStore } from "../store.js";
import { WebhookDeliverer, type WebhookDelivererOptions } from "./deliverer.js";
import { WebhookSettings } from "./settings.js";
import { startReceiver, type WebhookReceiver } from "./test-receiver.js";

/** What a test sends: from an agent (by id) to addresses. */
export interface TestSend {
  from: string;
  to: string[];
  subject?: string;
  /** Extra header lines, e.g. `X-AgentMail-Marketplace-Request-Id: req-1`. */
  headers?: string[];
  senderVerified?: boolean;
  /** A `From` other than the agent's own address. */
  fromHeader?: string;
}

export interface WebhookWorld {
  store: DevStore;
  settings: WebhookSettings;
  deliverer: WebhookDeliverer;
  /** `recipient<-sender` pairs `isTrustedPeer` says yes to. */
  trusted: Set<string>;
  send(message: TestSend): DevDeliveryReport;
  /**
   * Sets up `agentId`'s webhook to a new receiver that verifies with the secret the set-up
   * answered (`verifyWith` changes it); `answer(n)` is the status of the n-th verified request.
   */
  receiver(
    agentId: string,
    answer?: (n: number) => number,
  ): Promise<{ receiver: WebhookReceiver; secret: string; verifyWith(secret: string): void }>;
}

/** Registers the cleanup; call at the top of a test file. */
export function useWebhookWorld(): (
  options?: Partial<Omit<WebhookDelivererOptions, "store" | "settings" | "isTrustedPeer">>,
) => Promise<WebhookWorld> {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
  });
  return async (options = {}) => {
    const store = new DevStore();
    for (const agentId of ["alice", "bob", "carol"]) await store.addAgent({ agentId });
    const settings = new WebhookSettings();
    const trusted = new Set<string>();
    const deliverer = new WebhookDeliverer({
      store,
      settings,
      isTrustedPeer: (recipient, sender) => trusted.has(`${recipient}<-${sender}`),
      retry: { attempts: 3, baseDelayMs: 1 },
      ...options,
    });
    cleanups.push(() => deliverer.close());
    let sends = 0;
    return {
      store,
      settings,
      deliverer,
      trusted,
      send(message) {
        sends++;
        const from = `${message.from}@${store.mailDomain}`;
        const raw = [
          `From: ${message.fromHeader ?? from}`,
          `To: ${message.to.join(", ")}`,
          `Subject: ${message.subject ?? `message ${sends}`}`,
          `X-AgentMail-Correlation-Id: corr-${sends}`,
          ...(message.headers ?? []),
          "",
          "body",
          "",
        ].join("\r\n");
        const report = deliverMessage(store, {
          via: "api",
          messageId: `msg-${sends}-${Math.random().toString(36).slice(2)}`,
          agentId: message.from,
          from,
          recipients: message.to.map((address) => parseAddress(address)),
          raw: new TextEncoder().encode(raw),
          options:
            message.senderVerified === undefined ? {} : { senderVerified: message.senderVerified },
        });
        deliverer.onDelivery(report);
        return report;
      },
      async receiver(agentId, answer) {
        let secret = "";
        const current = () => secret;
        const receiver = await startReceiver({
          secret: current,
          ...(answer ? { answer: (n, request) => (request.event ? answer(n) : 401) } : {}),
        });
        cleanups.push(() => receiver.stop());
        const config = settings.put(agentId, { url: receiver.url });
        secret = config.signing_secret ?? settings.signingSecret(agentId) ?? "";
        return {
          receiver,
          secret,
          verifyWith(next) {
            secret = next;
          },
        };
      },
    };
  };
}
