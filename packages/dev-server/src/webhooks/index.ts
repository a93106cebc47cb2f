// Webhooks of the dev server: per-agent settings and notification rules, their routes, and the
// deliverer that announces delivered mail with signed POSTs (docs/wire-format.md, "Webhook").
export type { AttemptResult } from "./attempt.js";
export {
  WebhookDeliverer,
  type WebhookDelivererOptions,
  type WebhookDeliveryRecord,
} from "./deliverer.js";
export { isLoopbackUrl } from "./loopback.js";
export { NOTIFICATIONS_BODY_LIMIT, WEBHOOK_BODY_LIMIT, webhookRoutes } from "./routes.js";
export { WebhookSettings } from "./settings.js";
export { webhookHeaders } from "./signing.js";
