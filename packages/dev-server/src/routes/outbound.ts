import type { RouteDefinition } from "@assmbl/core";
import { requireAgent } from "../http/auth.js";
import type { DevRoute } from "../http/route.js";
import type { DevOutboundMessage } from "../outbound.js";
import type { DevStore } from "../store.js";

/**
 * `GET /outbound` (ours, dev server only: no SDK calls it): the caller's mail to domains the dev
 * server does not serve, which the real platform would hand to SES.
 */
export const OUTBOUND_ROUTE = {
  method: "GET",
  path: "/outbound",
  auth: true,
} as const satisfies RouteDefinition;

/**
 * One item of `GET /outbound`.
 *
 * @example
 * const { items }: { items: OutboundItemWire[] } = await response.json();
 * items[0]?.recipients; // ["partner@agents.example.com"]
 */
export interface OutboundItemWire {
  message_id: string;
  /** `api` (`POST /send`) or `ses` (the SES-compatible endpoint). */
  via: "api" | "ses";
  from: string;
  /** Only the recipients on other domains. */
  recipients: string[];
  subject: string | null;
  /** ISO 8601. */
  sent_at: string;
  /** The message as it would have left (UTF-8 decoded). */
  raw_mime: string;
}

/** `GET /outbound`: `{items}`, the caller's outbound mail oldest first; other agents' never. */
export function outboundRoutes(store: DevStore): DevRoute[] {
  return [
    {
      route: OUTBOUND_ROUTE,
      handler: (c) => {
        const agent = requireAgent(c, store);
        return c.json({ items: store.outbound.forAgent(agent.agentId).map(outboundItemWire) });
      },
    },
  ];
}

function outboundItemWire(message: DevOutboundMessage): OutboundItemWire {
  return {
    message_id: message.messageId,
    via: message.via,
    from: message.from,
    recipients: message.recipients,
    subject: message.subject ?? null,
    sent_at: message.sentAt.toISOString(),
    raw_mime: new TextDecoder().decode(message.raw),
  };
}
