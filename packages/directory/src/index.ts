export type { CacheEntry } from "./cache.js";
export {
  type AgentPricing,
  createDirectory,
  type Directory,
  type RegisterInput,
} from "./directory.js";
export type { DirectoryOptions, KeyChange, KeyvLike } from "./options.js";
export type { RegisterOptions } from "./pgpy-guard.js";
