import { NotificationRulesSchema, PutWebhookRequestSchema, parseInput, Routes } from "@assmbl/core";
import { z } from "zod";
import { requireAgent } from "../http/auth.js";
import { parseBody, readJsonBody } from "../http/json-body.js";
import { HttpProblem } from "../http/problem.js";
import type { DevRoute } from "../http/route.js";
import { DevStore } from "../store.js";
import { WebhookSettings } from "./settings.js";

const ContextSchema = z.strictObject({
  store: z.custom<DevStore>((value) => value instanceof DevStore, { error: "expected a DevStore" }),
  settings: z.custom<WebhookSettings>((value) => value instanceof WebhookSettings, {
    error: "expected a WebhookSettings",
  }),
});

/**
 * Largest `PUT /webhook` body: a 2 KiB URL and two flags, with room to spare.
 *
 * @example
 * await readJsonBody(c, WEBHOOK_BODY_LIMIT);
 */
export const WEBHOOK_BODY_LIMIT = 16 * 1024;
/**
 * Largest `PUT /notifications` body: 50 rules of up to 100 domains and 20 recipients each.
 *
 * @example
 * await readJsonBody(c, NOTIFICATIONS_BODY_LIMIT);
 */
export const NOTIFICATIONS_BODY_LIMIT = 2 * 1024 * 1024;

/**
 * The caller's webhook and notification rules (docs/wire-format.md, "Webhooks, notifications"):
 * `PUT`, `GET`, `DELETE /webhook` and `GET`, `PUT /notifications`, each with the agent's bearer
 * token and touching only that agent's settings. Bodies are checked with core's strict schemas:
 * anything else is a 400 `invalid_request` that names the field, never a 5xx.
 *
 * @example
 * const settings = new WebhookSettings();
 * for (const { route, handler } of webhookRoutes({ store, settings })) {
 *   app.on(route.method, honoPath(route.path), handler);
 * }
 * @throws {AgentMailError} `invalid_options` for an unknown or missing member of `ctx`.
 */
export function webhookRoutes(ctx: { store: DevStore; settings: WebhookSettings }): DevRoute[] {
  const { store, settings } = parseInput(ContextSchema, ctx, "webhookRoutes context");
  return [
    {
      route: Routes.putWebhook,
      handler: async (c) => {
        const agent = requireAgent(c, store);
        const body = parseBody(
          PutWebhookRequestSchema,
          await readJsonBody(c, WEBHOOK_BODY_LIMIT),
          "webhook",
        );
        return c.json(settings.put(agent.agentId, body));
      },
    },
    {
      route: Routes.getWebhook,
      handler: (c) => {
        const agent = requireAgent(c, store);
        const webhook = settings.get(agent.agentId);
        if (!webhook) {
          throw new HttpProblem("not_found", "you have no webhook; PUT /webhook sets one up");
        }
        return c.json(webhook);
      },
    },
    {
      route: Routes.deleteWebhook,
      handler: (c) => {
        const agent = requireAgent(c, store);
        // 204 whether or not there was one: a retried delete is safe.
        settings.delete(agent.agentId);
        return c.body(null, 204);
      },
    },
    {
      route: Routes.getNotifications,
      handler: (c) => {
        const agent = requireAgent(c, store);
        return c.json({ rules: settings.rules(agent.agentId) });
      },
    },
    {
      route: Routes.putNotifications,
      handler: async (c) => {
        const agent = requireAgent(c, store);
        const body = parseBody(
          NotificationRulesSchema,
          await readJsonBody(c, NOTIFICATIONS_BODY_LIMIT),
          "notifications",
        );
        return c.json({ rules: settings.putRules(agent.agentId, body) });
      },
    },
  ];
}
