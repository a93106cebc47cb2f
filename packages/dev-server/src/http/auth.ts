import type { Context } from "hono";
import type { DevAgent, DevStore } from "../store.js";
import { HttpProblem } from "./problem.js";

const BEARER = /^Bearer +(\S+) *$/i;

declare module "hono" {
  interface ContextVariableMap {
    /** The authenticated agent of the request, once a route has checked its credentials: logged. */
    agentId: string;
  }
}

/**
 * The agent whose bearer token the request carries (`Authorization: Bearer <token>`), also kept
 * on the context (`agentId`) for the request log.
 *
 * @throws {HttpProblem} 401 `unauthorized` when the header is missing or the token unknown. The
 * token is never repeated in the message.
 */
export function requireAgent(c: Context, store: DevStore): DevAgent {
  const header = c.req.header("authorization");
  const token = header === undefined ? undefined : BEARER.exec(header)?.[1];
  if (token === undefined) {
    throw new HttpProblem(
      "unauthorized",
      'this route needs a token in the Authorization header (scheme "Bearer")',
      { headers: { "WWW-Authenticate": 'Bearer realm="agentmail-dev"' } },
    );
  }
  const agent = store.agentByToken(token);
  if (!agent) {
    throw new HttpProblem(
      "unauthorized",
      "the token in the Authorization header is not known to this server",
      {
        headers: { "WWW-Authenticate": 'Bearer realm="agentmail-dev", error="invalid_token"' },
      },
    );
  }
  c.set("agentId", agent.agentId);
  return agent;
}
