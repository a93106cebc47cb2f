// Each agent's webhook (URL, enabled, signing secret) and notification rules: what the
// `/webhook` and `/notifications` routes change and the deliverer reads at each attempt.
import { randomBytes } from "node:crypto";
import {
  type NotificationRule,
  NotificationRulesSchema,
  type PutWebhookRequest,
  PutWebhookRequestSchema,
  parseInput,
  type WebhookConfig,
} from "@assmbl/core";
import { z } from "zod";
import { requireLoopbackUrl } from "./loopback.js";

/** An agent's webhook as kept: the secret never leaves through `get`. */
interface StoredWebhook {
  url: string;
  enabled: boolean;
  secret: string;
}

const AgentIdSchema = z.string().min(1).max(256);

/**
 * Per-agent webhook settings and notification rules, in memory. Agent ids are compared
 * lower-case, as the store does. The signing secret (`whsec_` + 32 random bytes, base64url) is
 * made on the first `put` and on a rotation, and only those answers carry it.
 *
 * @example
 * const settings = new WebhookSettings();
 * const { signing_secret } = settings.put("my-agent", { url: "http://127.0.0.1:8080/hooks" });
 * settings.get("my-agent"); // { url: "http://127.0.0.1:8080/hooks", enabled: true }
 */
export class WebhookSettings {
  readonly #webhooks = new Map<string, StoredWebhook>();
  readonly #rules = new Map<string, NotificationRule[]>();

  /**
   * Sets up or changes an agent's webhook (`PUT /webhook`). The answer has `signing_secret` on
   * the first set-up (also after a delete) and when `rotate_secret` is true; a rotation takes
   * effect on the next delivery attempt.
   *
   * @example
   * settings.put("my-agent", { url: "http://127.0.0.1:8080/hooks", rotate_secret: true }).signing_secret; // "whsec_…"
   * @throws {AgentMailError} `invalid_request` (400) for a body the contract refuses (unknown
   * fields by name) or a URL that is not on loopback. The URL is kept and answered as the WHATWG
   * parser writes it (`new URL(url).href`).
   */
  put(agentId: string, request: PutWebhookRequest): WebhookConfig {
    const key = agentKey(agentId);
    const body = parseInput(PutWebhookRequestSchema, request, "webhook", "invalid_request");
    // Stored and answered as parsed: the URL checked is the URL used.
    const url = requireLoopbackUrl(body.url, "url");
    const existing = this.#webhooks.get(key);
    const fresh = existing === undefined || body.rotate_secret;
    const secret = fresh ? newSigningSecret() : existing.secret;
    this.#webhooks.set(key, { url, enabled: body.enabled, secret });
    return { url, enabled: body.enabled, ...(fresh ? { signing_secret: secret } : {}) };
  }

  /**
   * An agent's webhook without its secret (`GET /webhook`), or `undefined` when it has none.
   *
   * @example
   * settings.get("my-agent")?.enabled; // true
   */
  get(agentId: string): { url: string; enabled: boolean } | undefined {
    const webhook = this.#webhooks.get(agentKey(agentId));
    return webhook && { url: webhook.url, enabled: webhook.enabled };
  }

  /**
   * Removes an agent's webhook (`DELETE /webhook`); its notification rules stay. Whether there
   * was one.
   *
   * @example
   * settings.delete("my-agent"); // true, then false
   */
  delete(agentId: string): boolean {
    return this.#webhooks.delete(agentKey(agentId));
  }

  /**
   * The secret deliveries to this agent are signed with now, or `undefined` when it has no
   * webhook. For the deliverer: never put it in an answer, an error or a log.
   *
   * @example
   * const secret = settings.signingSecret("my-agent"); // "whsec_…"
   */
  signingSecret(agentId: string): string | undefined {
    return this.#webhooks.get(agentKey(agentId))?.secret;
  }

  /**
   * An agent's notification rules (`GET /notifications`): empty when none were put.
   *
   * @example
   * settings.rules("my-agent"); // []
   */
  rules(agentId: string): NotificationRule[] {
    return structuredClone(this.#rules.get(agentKey(agentId)) ?? []);
  }

  /**
   * Replaces an agent's notification rules with the whole list given (`PUT /notifications`);
   * answers them with defaults filled in. A rule's `channels.webhook.url` must be on loopback;
   * it is kept and answered as the WHATWG parser writes it.
   *
   * @example
   * settings.putRules("my-agent", { rules: [{ id: "verified", filters: { sender_verified: true }, channels: { webhook: { enabled: true } } }] });
   * @throws {AgentMailError} `invalid_request` (400) for a body the contract refuses or a
   * channel URL that is not on loopback.
   */
  putRules(agentId: string, input: z.input<typeof NotificationRulesSchema>): NotificationRule[] {
    const key = agentKey(agentId);
    const { rules } = parseInput(
      NotificationRulesSchema,
      input,
      "notifications",
      "invalid_request",
    );
    rules.forEach((rule, index) => {
      const channel = rule.channels.webhook;
      if (channel?.url !== undefined) {
        channel.url = requireLoopbackUrl(channel.url, `rules.${index}.channels.webhook.url`);
      }
    });
    if (rules.length === 0) this.#rules.delete(key);
    else this.#rules.set(key, structuredClone(rules));
    return structuredClone(rules);
  }
}

/** `whsec_` and 32 random bytes, base64url (platform-documented format). */
function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}

function agentKey(agentId: string): string {
  return parseInput(AgentIdSchema, agentId, "agent id").toLowerCase();
}
