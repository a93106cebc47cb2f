import { z } from "zod";

/**
 * The webhook signature header value, `v1=<hex>` (spec §8).
 *
 * @example
 * WebhookSignatureSchema.parse("v1=" + "ab".repeat(32));
 */
export const WebhookSignatureSchema = z
  .string()
  .regex(/^v1=[0-9a-f]{64}$/i, "expected v1=<64 hex digits>");
