import { normalizeAgentId, RegisterRequestSchema, RevokeRequestSchema, Routes } from "@assmbl/core";
import type { Context } from "hono";
import { requireAgent } from "../http/auth.js";
import { parseBody, readJsonBody } from "../http/json-body.js";
import { HttpProblem } from "../http/problem.js";
import type { DevRoute } from "../http/route.js";
import type { DevStore } from "../store.js";

/** Request bodies of the directory routes are small: a PEM and an armored public key. */
export const DIRECTORY_BODY_LIMIT = 256 * 1024;

/**
 * The directory (spec §5, §6): public lookups of records and pricing, and token-authenticated
 * register / revoke of the caller's own key.
 */
export function directoryRoutes(store: DevStore): DevRoute[] {
  return [
    {
      route: Routes.getAgent,
      handler: (c) => {
        const agentId = pathAgentId(c);
        const record = store.directoryRecord(agentId);
        if (!record) throw notFound(store, agentId);
        return c.json(record);
      },
    },
    {
      route: Routes.getPricing,
      handler: (c) => {
        const agentId = pathAgentId(c);
        const pricing = store.pricing(agentId);
        if (!pricing) throw notFound(store, agentId);
        return c.json(pricing);
      },
    },
    {
      route: Routes.register,
      handler: async (c) => {
        const agent = requireAgent(c, store);
        const body = await readJsonBody(c, DIRECTORY_BODY_LIMIT);
        const request = parseBody(RegisterRequestSchema, body, "register request");
        return c.json(await store.register(agent.agentId, request));
      },
    },
    {
      route: Routes.revoke,
      handler: async (c) => {
        const agent = requireAgent(c, store);
        const body = await readJsonBody(c, DIRECTORY_BODY_LIMIT);
        parseBody(RevokeRequestSchema, body, "revoke request");
        return c.json(store.revoke(agent.agentId));
      },
    },
  ];
}

/** The `{agent_id}` path parameter, checked and lower-cased. */
function pathAgentId(c: Context): string {
  const raw = c.req.param("agent_id") ?? "";
  try {
    return normalizeAgentId(raw);
  } catch (error) {
    throw new HttpProblem("invalid_request", (error as Error).message);
  }
}

function notFound(store: DevStore, agentId: string): HttpProblem {
  const known = store.agent(agentId) !== undefined;
  return new HttpProblem(
    "agent_not_found",
    known
      ? `agent ${agentId} has not registered a key`
      : `agent ${agentId} is not in the directory`,
  );
}
