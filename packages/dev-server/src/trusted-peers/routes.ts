import { normalizeAgentId, PutTrustedPeerRequestSchema, Routes } from "@assmbl/core";
import type { Context } from "hono";
import { requireAgent } from "../http/auth.js";
import { parseBody, readJsonBody } from "../http/json-body.js";
import { HttpProblem } from "../http/problem.js";
import type { DevRoute } from "../http/route.js";
import type { DevStore } from "../store.js";

/** A trusted-peer body is one small object. */
export const TRUSTED_PEER_BODY_LIMIT = 4 * 1024;

/**
 * The trusted-peer routes (docs/wire-format.md, "Trusted peers"), each acting on the token's
 * agent only: `PUT /trusted-peers/{peer_agent_id}` (`{rate_cap}` → the row), `GET /trusted-peers`
 * (`{items}`, oldest first) and `DELETE /trusted-peers/{peer_agent_id}` (204, also when the
 * agent was not trusted: a retry is safe). A peer that is no agent of this server is 404
 * `agent_not_found`; a malformed id 400 `invalid_request`.
 *
 * @example
 * const routes = trustedPeerRoutes(store);
 */
export function trustedPeerRoutes(store: DevStore): DevRoute[] {
  return [
    {
      route: Routes.listTrustedPeers,
      handler: (c) => {
        const agent = requireAgent(c, store);
        return c.json({ items: store.trustedPeers.list(agent.agentId) });
      },
    },
    {
      route: Routes.putTrustedPeer,
      handler: async (c) => {
        const agent = requireAgent(c, store);
        const peer = peerAgentId(c, store);
        const body = await readJsonBody(c, TRUSTED_PEER_BODY_LIMIT);
        const request = parseBody(PutTrustedPeerRequestSchema, body, "trusted peer");
        return c.json(store.trustedPeers.put(agent.agentId, peer, request.rate_cap));
      },
    },
    {
      route: Routes.deleteTrustedPeer,
      handler: (c) => {
        const agent = requireAgent(c, store);
        store.trustedPeers.delete(agent.agentId, peerAgentId(c, store));
        return c.body(null, 204);
      },
    },
  ];
}

/** The `{peer_agent_id}` path parameter: an agent of this server, lower-cased. */
function peerAgentId(c: Context, store: DevStore): string {
  const raw = c.req.param("peer_agent_id") ?? "";
  let id: string;
  try {
    id = normalizeAgentId(raw);
  } catch (error) {
    throw new HttpProblem("invalid_request", `peer_agent_id: ${(error as Error).message}`);
  }
  const agent = store.agent(id);
  if (!agent) {
    throw new HttpProblem(
      "agent_not_found",
      `peer agent ${id} is not an agent of this server (@${store.mailDomain})`,
    );
  }
  return agent.agentId;
}
