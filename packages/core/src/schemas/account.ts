// The agent's account settings on the platform: its webhook, notification rules and trusted
// peers. The Python SDK's calls are documented, their HTTP shapes are not: every shape here is
// ours unless docs/wire-format.md says otherwise ("Webhooks, notifications, trusted peers").
import { z } from "zod";
import { parseAddress } from "../address.js";
import { httpUrlField, nameField } from "./text-checks.js";

const AgentIdField = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, "expected an agent id (lower-case letters, digits, . _ -)");

/** A webhook URL: http(s), no credentials, no control characters, at most 2 KiB. */
const WebhookUrlField = httpUrlField({ credentials: false });

// A notification e-mail recipient: a bare address (core's address check), no display name, no
// CRLF: the platform writes it into a header of the mail it sends.
const RecipientField = z
  .string()
  .min(3)
  .max(254)
  .refine((value) => {
    if (value.trim() !== value || value.includes("<")) return false;
    try {
      parseAddress(value);
      return true;
    } catch {
      return false;
    }
  }, "expected an e-mail address (local@domain, no display name)");

/**
 * `PUT /webhook` request (ours): `put_webhook(url, enabled, rotate_secret)`.
 *
 * @example
 * PutWebhookRequestSchema.parse({ url: "https://agent.example.com/hooks/mail", enabled: true });
 */
export const PutWebhookRequestSchema = z.strictObject({
  url: WebhookUrlField,
  enabled: z.boolean().default(true),
  rotate_secret: z.boolean().default(false),
});

/** A `PUT /webhook` request body. */
export type PutWebhookRequest = z.input<typeof PutWebhookRequestSchema>;

/**
 * The webhook as `GET /webhook` and `PUT /webhook` answer it. `signing_secret` is present only
 * in the answer to the first set-up and to a rotation (platform-documented).
 *
 * @example
 * WebhookConfigSchema.parse({ url: "https://agent.example.com/hooks/mail", enabled: true });
 */
export const WebhookConfigSchema = z.object({
  url: z.string().min(1),
  enabled: z.boolean(),
  signing_secret: z.string().min(16).max(256).optional(),
});

/** A webhook as the platform answers it. */
export type WebhookConfig = z.output<typeof WebhookConfigSchema>;

/**
 * The body of a `mail.received` webhook delivery (ours: the platform does not document it). The
 * receiver verifies `X-AgentMail-Signature` over the raw body first, deduplicates on
 * `delivery_id` (a retried delivery keeps it), then fetches the message by `message_id`.
 *
 * @example
 * WebhookEventSchema.parse({ event: "mail.received", delivery_id: "dlv_1", agent_id: "b", message_id: "m1", sender: "a@agents.example.com", sender_verified: true, subject: "hi", received_at: "2026-11-30T00:00:00.000Z", correlation_id: null, marketplace_request_id: null });
 */
export const WebhookEventSchema = z.object({
  event: z.literal("mail.received"),
  delivery_id: z.string().min(1).max(128),
  agent_id: z.string().min(1),
  message_id: z.string().min(1),
  sender: z.string(),
  sender_verified: z.boolean(),
  subject: z.string(),
  received_at: z.string().min(1),
  correlation_id: z.string().nullable(),
  marketplace_request_id: z.string().nullable(),
});

/** A `mail.received` delivery's body. */
export type WebhookEvent = z.output<typeof WebhookEventSchema>;

/**
 * One notification rule (the platform's documented fields): which inbound mail it matches and
 * where it goes.
 *
 * @example
 * NotificationRuleSchema.parse({ id: "r1", name: "verified marketplace", enabled: true, filters: { sender_verified: true, traffic_types: ["marketplace"] }, channels: { webhook: { enabled: true, url: "https://agent.example.com/hooks/mail" } } });
 */
export const NotificationRuleSchema = z.strictObject({
  id: nameField(64),
  name: z.string().max(200).default(""),
  enabled: z.boolean().default(true),
  filters: z
    .strictObject({
      sender_verified: z.boolean().optional(),
      traffic_types: z
        .array(z.enum(["direct", "marketplace"]))
        .max(2)
        .optional(),
      sender_domains: z.array(nameField(253)).max(100).optional(),
      trust_tiers: z
        .array(z.enum(["trusted", "verified", "unverified"]))
        .max(3)
        .optional(),
    })
    .default({}),
  channels: z
    .strictObject({
      webhook: z.strictObject({ enabled: z.boolean(), url: WebhookUrlField.optional() }).optional(),
      email: z
        .strictObject({
          enabled: z.boolean(),
          recipients: z.array(RecipientField).max(20).default([]),
        })
        .optional(),
    })
    .default({}),
});

/** A notification rule as sent. */
export type NotificationRuleInput = z.input<typeof NotificationRuleSchema>;
/** A notification rule as answered. */
export type NotificationRule = z.output<typeof NotificationRuleSchema>;

/**
 * `PUT /notifications` request and `GET`/`PUT /notifications` answer (ours: `{rules: [...]}`):
 * the whole list, replaced at once; at most 50 rules with distinct ids.
 *
 * @example
 * NotificationRulesSchema.parse({ rules: [] });
 */
export const NotificationRulesSchema = z.strictObject({
  rules: z
    .array(NotificationRuleSchema)
    .max(50)
    .refine(
      (rules) => new Set(rules.map((rule) => rule.id)).size === rules.length,
      "expected distinct rule ids",
    ),
});

/**
 * A trusted peer's rate cap: at most `max_messages` from the peer in any `window_seconds`.
 *
 * @example
 * RateCapSchema.parse({ max_messages: 10, window_seconds: 3600 });
 */
export const RateCapSchema = z.strictObject({
  max_messages: z.number().int().min(1).max(1_000_000),
  window_seconds: z
    .number()
    .int()
    .min(1)
    .max(31 * 24 * 3600),
});

/**
 * `PUT /trusted-peers/{peer_agent_id}` request (ours): `put_trusted_peer`, "allow an in-domain
 * peer agent with an optional rate cap". `rate_cap: null` trusts it without a cap.
 *
 * @example
 * PutTrustedPeerRequestSchema.parse({ rate_cap: { max_messages: 10, window_seconds: 60 } });
 */
export const PutTrustedPeerRequestSchema = z.strictObject({
  rate_cap: RateCapSchema.nullable().default(null),
});

/**
 * A trusted peer as the platform answers it (ours).
 *
 * @example
 * TrustedPeerSchema.parse({ peer_agent_id: "a", rate_cap: null, created_at: "2026-11-30T00:00:00.000Z" });
 */
export const TrustedPeerSchema = z.object({
  peer_agent_id: AgentIdField,
  rate_cap: z
    .object({ max_messages: z.number().int().min(1), window_seconds: z.number().int().min(1) })
    .nullable(),
  created_at: z.string().min(1),
});

/** A trusted peer row. */
export type TrustedPeer = z.output<typeof TrustedPeerSchema>;

/**
 * `GET /trusted-peers` answer (ours).
 *
 * @example
 * TrustedPeerListSchema.parse({ items: [] });
 */
export const TrustedPeerListSchema = z.object({ items: z.array(TrustedPeerSchema).max(10_000) });
