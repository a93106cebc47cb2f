import { randomUUID } from "node:crypto";
import { AgentMailError, type SendResponseSchema } from "@assmbl/core";
import { composeMime } from "@assmbl/mime";
import type { z } from "zod";
import { commitMarketplace, planMarketplace } from "../billing/marketplace.js";
import { type DevDeliveryReport, deliverMessage } from "../delivery.js";
import { HttpProblem } from "../http/problem.js";
import type { DevStore } from "../store.js";
import { checkRateCaps } from "../trusted-peers/rate-cap.js";
import { localAgentIds } from "../trusted-peers/recipients.js";
import type { SendOutbox } from "./outbox.js";
import { prepareSend, type SendRequestWire } from "./prepare.js";
import { referenceMime } from "./reference-mime.js";

/**
 * `POST /send` response, with `recipients` (ours): each recipient's fate on the dev server. The
 * first local recipient's copy has the response's `message_id` as its inbox id.
 *
 * @example
 * const { message_id, recipients }: SendResponseWire = await response.json();
 * recipients?.[0]?.status; // "delivered" | "outbound" | "unknown_agent"
 */
export type SendResponseWire = z.output<typeof SendResponseSchema>;

/** Where a send goes: the store's inboxes and the outbox tests read. */
export interface SendContext {
  store: DevStore;
  outbox: SendOutbox;
  /** Told where each accepted message went (for the CLI's log lines). */
  onDelivery?: ((report: DevDeliveryReport) => void) | undefined;
}

/**
 * Sends a validated `/send` request as `agentId`: composes the MIME with @assmbl/mime's
 * `composeMime`, delivers it to every local recipient (Bcc included) with the sender verified,
 * keeps mail to other domains in the store's outbound list, and records it in the outbox. The
 * answer's `recipients` (ours) says which recipients were delivered here, which went outbound
 * and which name no agent of the served domain. Nothing is delivered or recorded when a check
 * fails. A message too large for SES inline is delivered by reference (see `prepareSend`): its
 * attachment parts are empty and each recipient's message remembers the objects holding their
 * bytes.
 *
 * Before anything is delivered, a recipient's rate cap on the sender (a trusted peer's
 * `rate_cap`) refuses the send with 429 `rate_limited`, and a buyer's marketplace request to a
 * seller with enabled pricing holds its price (402 `insufficient_funds` when the wallet is
 * short); a seller's reply with the same `marketplace_request_id` settles it. The answer's
 * `marketplace` says which (see `planMarketplace`).
 *
 * @example
 * const response = await performSend({ store, outbox }, "my-agent", request);
 * response.message_id; // "5f0c...@agents.localhost"
 * @throws {AgentMailError} a 4xx refusal (see `prepareSend`; composer refusals keep their code),
 * 429 `rate_limited`, 402 `insufficient_funds`.
 */
export async function performSend(
  context: SendContext,
  agentId: string,
  request: SendRequestWire,
): Promise<SendResponseWire> {
  const { store } = context;
  const correlationId = request.correlation_id ?? `corr_${randomUUID()}`;
  const { prepared, referenced } = prepareSend(
    request,
    {
      agentId,
      mailDomain: store.mailDomain,
      objects: store.objects,
      inlineMessageBytes: store.inlineMessageBytes,
    },
    correlationId,
  );
  let raw: Uint8Array;
  let messageId: string;
  try {
    ({ raw, messageId } = await composeMime(prepared));
  } catch (error) {
    throw asRefusal(error);
  }
  // By reference: the placeholders' parts emptied, the manifest's rows as sent.
  if (referenced.size > 0) {
    raw = referenceMime(
      raw,
      prepared.attachments.map((attachment) => attachment.manifest),
    );
  }
  // Also the inbox id of the first local recipient's copy (deliverMessage).
  const messageIdWire = messageId.replace(/^<|>$/g, "");
  const recipients = [...prepared.to, ...prepared.cc, ...prepared.bcc];
  // From here to the commit nothing awaits: no other request can deliver or move money between
  // the checks and what they allowed.
  const reached = localAgentIds(store, recipients);
  checkRateCaps(store, agentId, reached);
  const plan = planMarketplace(store, {
    sender: agentId,
    requestId: request.marketplace_request_id,
    usage: request.usage,
    recipients: reached,
  });
  const report = deliverMessage(store, {
    via: "api",
    messageId: messageIdWire,
    agentId,
    from: prepared.from.address,
    recipients,
    raw,
    options: {
      sender: prepared.from.address,
      senderVerified: true,
      ...(referenced.size > 0 ? { attachmentObjects: referenced } : {}),
    },
  });
  const { deliveredTo } = report;
  store.trustedPeers.recordDelivery(agentId, deliveredTo);
  const marketplace = commitMarketplace(store, plan);
  const response = {
    message_id: messageIdWire,
    correlation_id: correlationId,
    idempotency_key: request.idempotency_key,
    reservation_key: `rsv_${randomUUID()}`,
    // Address and status only: the other copies' inbox ids are their agents' to read.
    recipients: report.recipients.map(({ address, status }) => ({ address, status })),
    ...(marketplace === undefined ? {} : { marketplace }),
  };
  context.outbox.add({
    messageId: response.message_id,
    agentId,
    request,
    raw,
    correlationId,
    idempotencyKey: request.idempotency_key,
    reservationKey: response.reservation_key,
    deliveredTo,
    sentAt: new Date(),
  });
  context.onDelivery?.(report);
  return response;
}

/**
 * The composer checks the message once more; what it refuses is the caller's input, so a 4xx
 * keeps its code and anything else (e.g. `encryption_failed`, 500 in core's table) becomes a 400.
 */
function asRefusal(error: unknown): unknown {
  if (!AgentMailError.is(error)) return error;
  if (error.status !== undefined && error.status >= 400 && error.status < 500) return error;
  return new HttpProblem("invalid_message", error.message);
}
