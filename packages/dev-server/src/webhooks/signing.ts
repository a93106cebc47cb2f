import { createHmac } from "node:crypto";
import { parseInput } from "@assmbl/core";
import { z } from "zod";

const InputSchema = z.strictObject({
  secret: z.string().min(1),
  body: z.string(),
  deliveryId: z.string().min(1).max(128),
  timestampSeconds: z.int().min(0),
});

/**
 * The headers of one delivery attempt of a `mail.received` event (wire.md §8,
 * docs/wire-format.md "Webhook"): `X-AgentMail-Signature` is `v1=` and the hex HMAC-SHA256,
 * keyed with the signing secret as UTF-8, of `<timestamp>.<raw body>`. Each attempt is signed
 * anew: a fresh timestamp, and the secret current at that attempt.
 *
 * @example
 * const headers = webhookHeaders({ secret, body, deliveryId: "dlv_1", timestampSeconds: 1764460800 });
 * headers["X-AgentMail-Signature"]; // "v1=5d0c…"
 * @throws {AgentMailError} `invalid_options` for unknown or bad fields (named).
 */
export function webhookHeaders(input: {
  secret: string;
  body: string;
  deliveryId: string;
  timestampSeconds: number;
}): Record<string, string> {
  // The message names fields, never values: the secret stays out of it.
  const { secret, body, deliveryId, timestampSeconds } = parseInput(
    InputSchema,
    input,
    "webhookHeaders input",
  );
  const timestamp = String(timestampSeconds);
  const mac = createHmac("sha256", Buffer.from(secret, "utf8"))
    .update(`${timestamp}.`, "utf8")
    .update(body, "utf8")
    .digest("hex");
  return {
    "Content-Type": "application/json",
    "X-AgentMail-Timestamp": timestamp,
    "X-AgentMail-Signature": `v1=${mac}`,
    "X-AgentMail-Event": "mail.received",
    "X-AgentMail-Delivery-Id": deliveryId,
  };
}
