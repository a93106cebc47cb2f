import { AgentMailError } from "@assmbl/core";
import type { PrivateKey } from "openpgp";

// Unlocked openpgp.js keys live here, keyed by their public handle, out of reach of
// inspection, logging and JSON.
const unlockedKeys = new WeakMap<object, PrivateKey>();

/** @internal Binds an unlocked key to its handle. */
export function bindPrivateKey(handle: object, key: PrivateKey): void {
  unlockedKeys.set(handle, key);
}

/**
 * @internal The openpgp.js key behind a handle.
 * @throws {AgentMailError} `invalid_private_key` for anything that is not a loaded key.
 */
export function unwrapPrivateKey(handle: object): PrivateKey {
  const key = unlockedKeys.get(handle);
  if (!key)
    throw new AgentMailError({
      code: "invalid_private_key",
      message: "expected a key returned by loadPrivateKey()",
    });
  return key;
}
