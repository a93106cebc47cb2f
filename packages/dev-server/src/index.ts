export { createDevApp, createWebhooks, type DevAppOptions } from "./app.js";
export type { MeteredPricing } from "./billing/charge.js";
export type { Ledger, Reservation, UsagePage } from "./billing/ledger.js";
export { CopyingLog } from "./copying-log.js";
export type { DevDeliveryReport, DevRecipientStatus } from "./delivery.js";
export { type DevFaultKind, type DevFaults, type FaultDecision, FaultInjector } from "./faults.js";
export type { DevRoute } from "./http/route.js";
export type {
  DeliverOptions,
  DevAttachmentStatus,
  DevInboxMessage,
  StoredInboxMessage,
} from "./inbox.js";
export type { DevInboxPage, InboxQuery } from "./inbox-page.js";
export { MAIL_IDEMPOTENCY_LIMITS } from "./mail-idempotency.js";
export type { DevPricing, DevServerOptions, SeedAgent } from "./options.js";
export { type DevOutboundMessage, type DevSendVia, OutboundLog } from "./outbound.js";
export { RequestLog, type RequestLogEntry, type RequestLogFilter } from "./request-log.js";
export { OUTBOUND_ROUTE, type OutboundItemWire } from "./routes/outbound.js";
export { type DevSentMessage, SendOutbox } from "./send/outbox.js";
export type { SendResponseWire } from "./send/perform.js";
export type { SendRequestWire } from "./send/prepare.js";
export { type DevServer, startDevServer } from "./server.js";
export type { DevSesCredentials } from "./ses/credentials.js";
export {
  SES_SEND_QUOTA,
  type SesApi,
  type SesMessage,
  SesOutbox,
  type SesOutboxOptions,
  type SesSendQuota,
} from "./ses/outbox.js";
export type { SesSendRate } from "./ses/send-rate.js";
export {
  type DevObjectInput,
  type DevObjectKind,
  type DevStoredObject,
  type DevUploadGrant,
  ObjectStore,
} from "./storage/object-store.js";
export {
  DEFAULT_STARTING_BALANCE,
  type DevAgent,
  type DevAgentKey,
  type DevMessageUpdate,
  DevStore,
  type DevStoreOptions,
  type RegisterRequestWire,
  type RegisterResponseWire,
  type RevokeResponseWire,
} from "./store.js";
export type { RateCap as DevRateCap, TrustedPeers } from "./trusted-peers/peers.js";
export { webInboxBasePath, webInboxToken, webInboxUrl } from "./web-inbox/auth.js";
export {
  WebhookDeliverer,
  type WebhookDelivererOptions,
  type WebhookDeliveryRecord,
  WebhookSettings,
  webhookRoutes,
} from "./webhooks/index.js";
export type { AttachmentStatusWire, InboxItemWire, MessageWire } from "./wire.js";
