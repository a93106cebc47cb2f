export { createDevApp, type DevAppOptions } from "./app.js";
export type { DeliverOptions, DevInboxMessage } from "./inbox.js";
export type { DevPricing, DevServerOptions, SeedAgent } from "./options.js";
export { RequestLog, type RequestLogEntry, type RequestLogFilter } from "./request-log.js";
export { type DevServer, startDevServer } from "./server.js";
export { SES_SEND_QUOTA, type SesApi, type SesMessage, SesOutbox } from "./ses/outbox.js";
export {
  type DevAgent,
  type DevAgentKey,
  DevStore,
  type DevStoreOptions,
  type RegisterRequestWire,
  type RegisterResponseWire,
  type RevokeResponseWire,
} from "./store.js";
