import {
  NotificationRuleSchema,
  NotificationRulesSchema,
  parseInput,
  Routes,
  type NotificationRule as WireRule,
  type NotificationRuleInput as WireRuleInput,
} from "@assmbl/core";
import { cleanText } from "@assmbl/mime/read";
import { z } from "zod";
import { signalOf } from "./call-options.js";
import type { AgentMailClient } from "./client.js";
import type { ApiHttp } from "./http.js";

/**
 * Which inbound mail a rule matches; every filter given must hold.
 *
 * @example
 * const filters: NotificationFilters = { senderVerified: true, trafficTypes: ["marketplace"] };
 */
export interface NotificationFilters {
  senderVerified?: boolean | undefined;
  /** `marketplace`: the message carries a marketplace request id; `direct` otherwise. */
  trafficTypes?: Array<"direct" | "marketplace"> | undefined;
  /** The sender address's domain. */
  senderDomains?: string[] | undefined;
  /** `trusted` (a trusted peer), else `verified` (a verified sender), else `unverified`. */
  trustTiers?: Array<"trusted" | "verified" | "unverified"> | undefined;
}

/**
 * One notification rule as {@link AgentMailClient.putNotifications} takes it (camelCase of the
 * platform's rule; defaults: `name` "", `enabled` true, no filters, no channels).
 *
 * @example
 * const rule: NotificationRuleInput = { id: "paid", filters: { trafficTypes: ["marketplace"] }, channels: { webhook: { enabled: true } } };
 */
export interface NotificationRuleInput {
  /** 1–64 characters, distinct within the list. */
  id: string;
  name?: string | undefined;
  enabled?: boolean | undefined;
  filters?: NotificationFilters | undefined;
  channels?:
    | {
        /** To `url` when given, else to the webhook's URL. */
        webhook?: { enabled: boolean; url?: string | undefined } | undefined;
        email?: { enabled: boolean; recipients?: string[] | undefined } | undefined;
      }
    | undefined;
}

/**
 * A notification rule as the platform answers it, defaults filled in.
 *
 * @example
 * const rules: NotificationRule[] = await client.getNotifications();
 * const paid = rules.filter((rule) => rule.filters.trafficTypes?.includes("marketplace"));
 */
export interface NotificationRule {
  id: string;
  name: string;
  enabled: boolean;
  filters: NotificationFilters;
  channels: {
    webhook?: { enabled: boolean; url?: string };
    email?: { enabled: boolean; recipients: string[] };
  };
}

// The camelCase rule, each field the wire field's own schema (same bounds), so the two cannot
// drift apart; unknown keys are refused by name at every level.
const wire = NotificationRuleSchema.shape;
const filters = wire.filters.unwrap().shape;
const channels = wire.channels.unwrap().shape;

/** {@link NotificationRuleInput}, checked. @internal */
export const NotificationRuleInputSchema = z.strictObject({
  id: wire.id,
  name: wire.name,
  enabled: wire.enabled,
  filters: z
    .strictObject({
      senderVerified: filters.sender_verified,
      trafficTypes: filters.traffic_types,
      senderDomains: filters.sender_domains,
      trustTiers: filters.trust_tiers,
    })
    .default({}),
  channels: z
    .strictObject({
      webhook: z.strictObject(channels.webhook.unwrap().shape).optional(),
      email: z.strictObject(channels.email.unwrap().shape).optional(),
    })
    .default({}),
});

/** The list `putNotifications` takes, checked: at most 50 rules, distinct ids. @internal */
export const NotificationRulesInputSchema = z
  .array(NotificationRuleInputSchema)
  .max(50)
  .refine(
    (rules) => new Set(rules.map((rule) => rule.id)).size === rules.length,
    "expected distinct rule ids",
  );

function toWireRule(rule: z.output<typeof NotificationRuleInputSchema>): WireRuleInput {
  const f = rule.filters;
  return {
    id: rule.id,
    name: rule.name,
    enabled: rule.enabled,
    filters: {
      ...(f.senderVerified === undefined ? {} : { sender_verified: f.senderVerified }),
      ...(f.trafficTypes === undefined ? {} : { traffic_types: f.trafficTypes }),
      ...(f.senderDomains === undefined ? {} : { sender_domains: f.senderDomains }),
      ...(f.trustTiers === undefined ? {} : { trust_tiers: f.trustTiers }),
    },
    channels: rule.channels,
  };
}

function fromWireRule(rule: WireRule): NotificationRule {
  const f = rule.filters;
  const filtersOut: NotificationFilters = {};
  if (f.sender_verified !== undefined) filtersOut.senderVerified = f.sender_verified;
  if (f.traffic_types !== undefined) filtersOut.trafficTypes = [...f.traffic_types];
  if (f.sender_domains !== undefined) filtersOut.senderDomains = [...f.sender_domains];
  if (f.trust_tiers !== undefined) filtersOut.trustTiers = [...f.trust_tiers];
  const { webhook, email } = rule.channels;
  return {
    // The id is checked by the wire schema (no control characters: cleaning would make it another
    // id); the name is display text, cleaned as getMessage cleans a subject.
    id: rule.id,
    name: cleanText(rule.name),
    enabled: rule.enabled,
    filters: filtersOut,
    channels: {
      ...(webhook === undefined
        ? {}
        : {
            webhook: {
              enabled: webhook.enabled,
              ...(webhook.url === undefined ? {} : { url: webhook.url }),
            },
          }),
      ...(email === undefined
        ? {}
        : { email: { enabled: email.enabled, recipients: [...email.recipients] } }),
    },
  };
}

/**
 * The notification-rule calls of the client (see `AgentMailClient`): `GET` and `PUT
 * /notifications`, the whole list at once. A PUT is idempotent (it replaces the list): retried
 * like the client's other calls.
 *
 * @internal
 * @example
 * const calls = notificationCalls(http);
 * await calls.putNotifications([{ id: "all-verified", filters: { senderVerified: true }, channels: { webhook: { enabled: true } } }]);
 */
export function notificationCalls(
  http: ApiHttp,
): Pick<AgentMailClient, "getNotifications" | "putNotifications"> {
  return {
    async getNotifications(callOptions) {
      const what = "getNotifications";
      const signal = signalOf(callOptions, what);
      const { body } = await http.call({
        route: Routes.getNotifications,
        schema: NotificationRulesSchema,
        what,
        signal,
      });
      return body.rules.map(fromWireRule);
    },
    async putNotifications(rules, callOptions) {
      const what = "putNotifications";
      const signal = signalOf(callOptions, what);
      const checked = parseInput(NotificationRulesInputSchema, rules, "putNotifications rules");
      // The wire schema's own check too (what the platform will check), before any request.
      const json = parseInput(
        NotificationRulesSchema,
        { rules: checked.map(toWireRule) },
        "putNotifications rules",
      );
      const { body } = await http.call({
        route: Routes.putNotifications,
        json,
        schema: NotificationRulesSchema,
        what,
        signal,
      });
      return body.rules.map(fromWireRule);
    },
  };
}
