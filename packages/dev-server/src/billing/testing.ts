// Test helpers of the billing and trusted-peer routes: JSON calls with a bearer token.
import type { DevServer } from "../server.js";

/**
 * A call to the API as `token`, with a JSON body when given; answers status, headers and the
 * parsed JSON body (`null` for none).
 *
 * @example
 * const { status, body } = await api(server, "GET", "/billing/balance", token);
 */
export async function api(
  server: DevServer,
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const response = await fetch(server.url + path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? JSON.parse(text) : null,
  };
}

/** The agents of the marketplace tests: a buyer, a seller and a bystander. */
export const MARKET_AGENTS = [
  { agentId: "buyer", token: "token-buyer" },
  { agentId: "seller", token: "token-seller" },
  { agentId: "bystander", token: "token-bystander" },
];
export const BUYER = "token-buyer";
export const SELLER = "token-seller";
export const BYSTANDER = "token-bystander";
