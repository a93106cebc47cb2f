import { InboxQuerySchema, Routes } from "@assmbl/core";
import type { Context } from "hono";
import { requireAgent } from "../http/auth.js";
import { parseBody } from "../http/json-body.js";
import { HttpProblem } from "../http/problem.js";
import type { DevRoute } from "../http/route.js";
import type { DevStore } from "../store.js";
import { inboxItemWire } from "../wire.js";

/**
 * `GET /inbox`: the caller's messages oldest first, a page at a time (`limit` ≤ 100, default
 * 20), with the filters of core's `InboxQuerySchema` (unknown query keys are a 400).
 */
export function inboxRoutes(store: DevStore): DevRoute[] {
  return [
    {
      route: Routes.listInbox,
      handler: (c) => {
        const agent = requireAgent(c, store);
        const query = parseBody(InboxQuerySchema, queryObject(c), "inbox query");
        const page = store.inboxPage(agent.agentId, query);
        return c.json({ items: page.messages.map(inboxItemWire), next_cursor: page.nextCursor });
      },
    },
  ];
}

/** The query string as an object; a key given twice is ambiguous, so a 400. */
function queryObject(c: Context): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of new URL(c.req.url).searchParams) {
    if (Object.hasOwn(out, key)) {
      throw new HttpProblem(
        "invalid_request",
        `inbox query: ${JSON.stringify(key.slice(0, 64))} is given more than once`,
      );
    }
    out[key] = value;
  }
  return out;
}
