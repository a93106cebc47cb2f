import { AgentMailError, parseInput, WebhookSignatureSchema } from "@assmbl/core";
import { z } from "zod";

// WebCrypto and Uint8Array only (no node:crypto, no Buffer): this file must build and run on
// Cloudflare Workers without `nodejs_compat`, Deno and browsers. biome.json enforces the imports.

/**
 * What {@link verifyWebhookSignature} checks: the raw request body and two of its headers.
 *
 * @example
 * const input: WebhookSignatureInput = {
 *   secret: process.env.AGENTMAIL_WEBHOOK_SECRET ?? "",
 *   timestamp: request.headers.get("X-AgentMail-Timestamp"),
 *   signature: request.headers.get("X-AgentMail-Signature"),
 *   rawBody: await request.text(),
 * };
 */
export interface WebhookSignatureInput {
  /** The webhook's `signing_secret` (used as UTF-8). */
  secret: string;
  /** `X-AgentMail-Timestamp`: Unix seconds. `null`, `undefined` or absent (header missing) fails. */
  timestamp?: string | number | null | undefined;
  /** The request body exactly as received, before any JSON parsing. */
  rawBody: string | Uint8Array;
  /** `X-AgentMail-Signature`: `v1=<hex>`. `null`, `undefined` or absent (header missing) fails. */
  signature?: string | null | undefined;
  /** Largest accepted distance between the timestamp and now, in seconds (default 300). */
  maxSkewSeconds?: number | undefined;
  /** The current time, as a `Date` or milliseconds since the epoch (default: now; for tests). */
  now?: Date | number | undefined;
}

/** {@link WebhookSignatureInput}, checked. @internal */
export const InputSchema = z.strictObject({
  secret: z.string().min(1),
  timestamp: z.union([z.string(), z.number()]).nullable().optional(),
  // z.instanceof(Uint8Array) would type it Uint8Array<ArrayBuffer>, leaving out a Buffer.
  rawBody: z.union([z.string(), z.custom<Uint8Array>((value) => value instanceof Uint8Array)], {
    error: "expected the raw body as a string or bytes (not parsed JSON)",
  }),
  signature: z.string().nullable().optional(),
  maxSkewSeconds: z.number().nonnegative().finite().default(300),
  now: z.union([z.date(), z.number().finite()]).optional(),
});

const encoder = new TextEncoder();

/**
 * Verifies a webhook delivery (spec §8): `X-AgentMail-Signature: v1=<hex>` must be the
 * HMAC-SHA256, keyed with the webhook's signing secret, of `<X-AgentMail-Timestamp>.<raw body>`,
 * compared in constant time; then the timestamp must be within `maxSkewSeconds` of now. The
 * signature is checked first, so an unsigned request learns nothing about the clock.
 *
 * Asynchronous since it uses WebCrypto (`crypto.subtle`), so it runs on Node 20+, Cloudflare
 * Workers (no `nodejs_compat` needed), Deno, Bun and browsers: `await` it. Every failure is a
 * rejection of the returned promise, never a synchronous throw.
 *
 * Pass the body exactly as it arrived (e.g. `await request.text()`, or the Buffer from
 * `express.raw()`): re-serialised JSON does not verify.
 *
 * @example
 * await verifyWebhookSignature({
 *   secret: process.env.AGENTMAIL_WEBHOOK_SECRET ?? "",
 *   timestamp: request.headers.get("X-AgentMail-Timestamp"),
 *   signature: request.headers.get("X-AgentMail-Signature"),
 *   rawBody,
 * });
 * const event = JSON.parse(rawBody);
 * @throws {AgentMailError} (as a rejection) `invalid_webhook_signature` (missing, malformed or
 * wrong signature, or a missing timestamp), `webhook_timestamp_out_of_range`, `invalid_options`
 * (unknown options by name, a parsed body). The secret never appears in a message.
 */
export async function verifyWebhookSignature(input: WebhookSignatureInput): Promise<void> {
  const config = parseInput(InputSchema, input, "verifyWebhookSignature input");
  const timestamp =
    config.timestamp === null || config.timestamp === undefined ? "" : String(config.timestamp);
  if (!timestamp) fail("invalid_webhook_signature", "the X-AgentMail-Timestamp header is missing");
  const signature = config.signature?.trim() ?? "";
  if (!signature) fail("invalid_webhook_signature", "the X-AgentMail-Signature header is missing");
  if (!WebhookSignatureSchema.safeParse(signature).success) {
    fail("invalid_webhook_signature", "the X-AgentMail-Signature header is not v1=<64 hex digits>");
  }
  const given = hexToBytes(signature.slice(3));
  const expected = await hmacSha256(config.secret, timestamp, config.rawBody);
  if (!constantTimeEqual(given, expected)) {
    fail(
      "invalid_webhook_signature",
      "the signature does not match the body and timestamp under this secret",
    );
  }
  const seconds = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
  const now = config.now === undefined ? Date.now() : Number(config.now);
  const skew = Math.abs(now / 1000 - seconds);
  if (!(skew <= config.maxSkewSeconds)) {
    fail(
      "webhook_timestamp_out_of_range",
      Number.isNaN(seconds)
        ? "X-AgentMail-Timestamp is not Unix seconds"
        : `X-AgentMail-Timestamp is ${Math.round(skew)} s from now; at most ${config.maxSkewSeconds} s is accepted`,
    );
  }
}

/** HMAC-SHA256(secret as UTF-8, `<timestamp>.<body>`) with WebCrypto. */
async function hmacSha256(
  secret: string,
  timestamp: string,
  rawBody: string | Uint8Array,
): Promise<Uint8Array> {
  const prefix = encoder.encode(`${timestamp}.`);
  const body = typeof rawBody === "string" ? encoder.encode(rawBody) : rawBody;
  // WebCrypto signs one buffer: the signed message is the prefix and the body joined.
  const message = new Uint8Array(prefix.length + body.length);
  message.set(prefix, 0);
  message.set(body, prefix.length);
  const key = await globalThis.crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return new Uint8Array(await globalThis.crypto.subtle.sign("HMAC", key, message));
}

/** Decodes hex the schema has already checked (even length, hex digits only, any case). */
function hexToBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) {
    bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  }
  return bytes;
}

/**
 * Compares without an early exit: the time taken depends on the lengths only, never on where the
 * first differing byte is, so a forger cannot find the MAC byte by byte. We compare ourselves
 * rather than call `crypto.subtle.verify` so that the guarantee does not rest on each runtime's
 * implementation.
 */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  const length = Math.max(a.length, b.length);
  let difference = a.length ^ b.length;
  for (let i = 0; i < length; i++) {
    difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  }
  return difference === 0;
}

function fail(
  code: "invalid_webhook_signature" | "webhook_timestamp_out_of_range",
  message: string,
): never {
  throw new AgentMailError({ code, message: `webhook: ${message}` });
}
