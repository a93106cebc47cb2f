import { AgentMailError } from "../errors.js";
import { assertSafeHeaderValue } from "../header-safety.js";
import { HEADER_TOKEN_MAX_LENGTH } from "./schemas.js";

// `.bcc-` and 16 hex characters: what a Bcc copy's key adds to the send's key.
const SUFFIX_LENGTH = ".bcc-".length + 16;
const encoder = new TextEncoder();

/**
 * The idempotency key of a send the mailer encrypts: the caller's, or a new one. Generated once
 * per `mailer.send` (never per copy), so every copy's key derives from the same one, and whether
 * or not the send splits (so the primary's headers do not tell that there were Bcc recipients).
 *
 * @example
 * const key = sendKeyFor(normalized.idempotencyKey); // "idem_3f2c..." when none was given
 */
export function sendKeyFor(given: string | undefined): string {
  // The global Web Crypto: core runs on Node, Deno, Bun and Workers, with no `node:` import.
  return given ?? `idem_${globalThis.crypto.randomUUID()}`;
}

/**
 * The correlation id of a send the mailer encrypts: the caller's, or a new one shared by every
 * copy, so that the copies of one logical send read as one workflow (a `/send` without one would
 * get a different id per copy from the platform). Generated whether or not the send splits, like
 * the idempotency key.
 *
 * @example
 * const correlationId = sendCorrelationFor(normalized.correlationId); // "corr_3f2c..." when none was given
 */
export function sendCorrelationFor(given: string | undefined): string {
  return given ?? `corr_${globalThis.crypto.randomUUID()}`;
}

/**
 * Fails before any lookup when the caller's key leaves no room for the suffix a Bcc copy's key
 * adds: every key this SDK puts on the wire stays within the length it accepts from callers.
 *
 * @example
 * checkKeyRoom(message.idempotencyKey); // throws for a 250-character key
 * @throws {AgentMailError} `invalid_message`.
 */
export function checkKeyRoom(given: string | undefined): void {
  if (given === undefined || given.length + SUFFIX_LENGTH <= HEADER_TOKEN_MAX_LENGTH) return;
  throw new AgentMailError({
    code: "invalid_message",
    message: `idempotencyKey is ${given.length} characters; a message with Bcc recipients goes out as one copy per Bcc recipient, each under the key plus a ${SUFFIX_LENGTH}-character suffix, so the key may have at most ${HEADER_TOKEN_MAX_LENGTH - SUFFIX_LENGTH} characters. Nothing was sent`,
  });
}

/**
 * The idempotency key of the Bcc copy for `address`: `${key}.bcc-` and the first 16 hex
 * characters of the SHA-256 of the lower-cased bare address: the same key and address always give
 * the same derived key (each retry the transport makes of that copy reuses it), distinct per
 * recipient, and it names no address in clear.
 *
 * @example
 * await bccCopyKey("idem-42", "Audit@agents.example.com"); // "idem-42.bcc-" + 16 hex characters
 * @throws {AgentMailError} `invalid_message` when the result would be too long for a header token.
 */
export async function bccCopyKey(key: string, address: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest(
    "SHA-256",
    encoder.encode(address.toLowerCase()),
  );
  const hex = Array.from(new Uint8Array(digest).subarray(0, 8), (byte) =>
    byte.toString(16).padStart(2, "0"),
  ).join("");
  const derived = `${key}.bcc-${hex}`;
  checkKeyRoom(key);
  // The send's key passed this check already; the suffix is ASCII: it still holds, and must.
  assertSafeHeaderValue(derived, "a Bcc copy's idempotency key");
  return derived;
}
