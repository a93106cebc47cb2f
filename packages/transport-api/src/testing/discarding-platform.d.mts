// Types of discarding-platform.mjs (plain JavaScript, shared with bench/upload-memory.mjs).

/** What the storage endpoint received for one object: the file's length and SHA-256 (hex). */
export interface DiscardedObject {
  bytes: number;
  sha256: string;
}

/** A running {@link startDiscardingPlatform}. */
export interface DiscardingPlatform {
  url: string;
  /** Each stored object, by its object key. */
  stored: Map<string, DiscardedObject>;
  /** Every `/send` request body, in order. */
  sends: unknown[];
  stop(): Promise<void>;
}

/**
 * Starts a loopback platform whose storage counts and hashes uploads without keeping them.
 *
 * @example
 * const platform = await startDiscardingPlatform();
 * await platform.stop();
 */
export function startDiscardingPlatform(): Promise<DiscardingPlatform>;
