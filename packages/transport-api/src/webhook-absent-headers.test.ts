// WebhookSignatureInput's `timestamp` and `signature` are optional keys (as its schema always
// took them): leaving one out is a missing header, refused as an invalid signature, never as
// malformed options. Expected signatures are computed with node:crypto, not the code under test.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { verifyWebhookSignature } from "./webhook.js";

const secret = "whsec_absent";
const rawBody = '{"event":"message.received","message_id":"m-1"}';
const now = Date.parse("2026-03-01T12:00:00Z");
const timestamp = String(now / 1000);
const signature = `v1=${createHmac("sha256", secret).update(`${timestamp}.${rawBody}`).digest("hex")}`;

async function codeOf(run: Promise<void>): Promise<string | undefined> {
  return run.then(
    () => undefined,
    (error: { code?: string }) => error.code,
  );
}

describe("verifyWebhookSignature without a header key", () => {
  it("accepts the complete input (the signature below is right)", async () => {
    await expect(
      verifyWebhookSignature({ secret, rawBody, timestamp, signature, now }),
    ).resolves.toBeUndefined();
  });

  it("refuses an absent timestamp or signature as invalid_webhook_signature", async () => {
    expect(await codeOf(verifyWebhookSignature({ secret, rawBody, signature, now }))).toBe(
      "invalid_webhook_signature",
    );
    expect(await codeOf(verifyWebhookSignature({ secret, rawBody, timestamp, now }))).toBe(
      "invalid_webhook_signature",
    );
  });
});
