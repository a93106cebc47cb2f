import { Limits, ResponseHeaders, Routes, SendRequestSchema } from "@assmbl/core";
import { refuseProtoUnits } from "../billing/usage-keys.js";
import { requireAgent } from "../http/auth.js";
import { parseBody, readJsonBody } from "../http/json-body.js";
import type { DevRoute } from "../http/route.js";
import { canonicalJson, IdempotencyLedger } from "../send/idempotency.js";
import { performSend, type SendContext, type SendResponseWire } from "../send/perform.js";

/** A `/send` body carries the text and HTML bodies (attachments are uploaded separately). */
export const SEND_BODY_LIMIT = Limits.sesV1MessageBytes;

/**
 * `POST /send` (spec §5.1): validated with core's `SendRequestSchema`, idempotent per (agent,
 * `idempotency_key`): the same request again answers the first response with
 * `Idempotent-Replayed: true` and sends nothing; another request with the key is 409
 * `idempotency_key_reused`.
 */
export function sendRoutes(context: SendContext): DevRoute[] {
  const ledger = new IdempotencyLedger<SendResponseWire>();
  return [
    {
      route: Routes.send,
      handler: async (c) => {
        const agent = requireAgent(c, context.store);
        const body = await readJsonBody(c, SEND_BODY_LIMIT);
        refuseProtoUnits(body);
        const request = parseBody(SendRequestSchema, body, "send request");
        const { value, replayed } = await ledger.run(
          agent.agentId,
          request.idempotency_key,
          canonicalJson(request),
          () => performSend(context, agent.agentId, request),
        );
        return c.json(value, 200, replayed ? { [ResponseHeaders.idempotentReplayed]: "true" } : {});
      },
    },
  ];
}
