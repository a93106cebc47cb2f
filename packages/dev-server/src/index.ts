export { createDevApp, type DevAppOptions } from "./app.js";
export type { DevPricing, DevServerOptions, SeedAgent } from "./options.js";
export { RequestLog, type RequestLogEntry, type RequestLogFilter } from "./request-log.js";
export { type DevServer, startDevServer } from "./server.js";
export {
  type DevAgent,
  type DevAgentKey,
  DevStore,
  type DevStoreOptions,
  type RegisterRequestWire,
  type RegisterResponseWire,
  type RevokeResponseWire,
} from "./store.js";
