import type { NotificationRule } from "@assmbl/core";
import type { MessageFacts } from "./event.js";

/**
 * Where a message is announced (docs/wire-format.md, "Notification rules"): with no rules, the
 * webhook's URL; with rules, the URL of every enabled rule that matches and whose
 * `channels.webhook` is enabled (its own `url`, else the webhook's), each URL once.
 * `followsWebhook` says the URL is the webhook's own (no matching rule names it), so a delivery
 * reads the webhook's current URL at each attempt. A filter
 * given as a list matches the values in it (an empty list matches nothing); an absent filter
 * matches everything. Nothing when the webhook is missing or disabled: its secret signs every
 * delivery.
 *
 * @example
 * webhookTargets({ url: "http://127.0.0.1:8080/", enabled: true }, [], facts); // [{ url: "http://127.0.0.1:8080/", followsWebhook: true }]
 */
export function webhookTargets(
  webhook: { url: string; enabled: boolean } | undefined,
  rules: readonly NotificationRule[],
  facts: MessageFacts,
): Array<{ url: string; followsWebhook: boolean }> {
  if (!webhook?.enabled) return [];
  if (rules.length === 0) return [{ url: webhook.url, followsWebhook: true }];
  // URL → whether it is only the webhook's (a rule naming it explicitly pins it).
  const urls = new Map<string, boolean>();
  for (const rule of rules) {
    const channel = rule.channels.webhook;
    if (!rule.enabled || !channel?.enabled || !ruleMatches(rule, facts)) continue;
    const url = channel.url ?? webhook.url;
    urls.set(url, (urls.get(url) ?? true) && channel.url === undefined);
  }
  return [...urls].map(([url, followsWebhook]) => ({ url, followsWebhook }));
}

/**
 * Whether every filter of the rule holds for the message.
 *
 * @example
 * ruleMatches(NotificationRuleSchema.parse({ id: "m", filters: { traffic_types: ["marketplace"] } }), facts);
 */
export function ruleMatches(rule: NotificationRule, facts: MessageFacts): boolean {
  const { filters } = rule;
  if (filters.sender_verified !== undefined && filters.sender_verified !== facts.senderVerified) {
    return false;
  }
  if (filters.traffic_types && !filters.traffic_types.includes(facts.trafficType)) return false;
  if (
    filters.sender_domains &&
    !filters.sender_domains.some((domain) => domain.toLowerCase() === facts.senderDomain)
  ) {
    return false;
  }
  if (filters.trust_tiers && !filters.trust_tiers.includes(facts.trustTier)) return false;
  return true;
}
