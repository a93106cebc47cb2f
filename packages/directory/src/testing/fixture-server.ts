// A loopback HTTP server whose answers a test scripts, for the misbehaviours the dev server
// never shows: bad JSON, wrong types, huge keys, slow or failing responses.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type FixtureHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  index: number,
) => void | Promise<void>;

export interface FixtureServer {
  url: string;
  /** Requests received, in order, with their arrival time. */
  requests: { method: string; url: string; headers: IncomingMessage["headers"]; at: number }[];
  handle(handler: FixtureHandler): void;
  stop(): Promise<void>;
}

export async function startFixtureServer(): Promise<FixtureServer> {
  let handler: FixtureHandler = (_request, response) => {
    response.statusCode = 500;
    response.end();
  };
  const requests: FixtureServer["requests"] = [];
  const server = createServer((request, response) => {
    requests.push({
      method: request.method ?? "",
      url: request.url ?? "",
      headers: request.headers,
      at: performance.now(),
    });
    request.resume();
    void handler(request, response, requests.length - 1);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    handle(next) {
      handler = next;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(typeof body === "string" ? body : JSON.stringify(body));
}

/** A valid directory record for `agentId`, overridable. */
export function wireRecord(
  agentId: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    agent_id: agentId,
    public_key: "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n",
    algorithm: "Ed25519",
    key_fingerprint_sha256: "ab".repeat(32),
    key_version: 1,
    key_status: "active",
    openpgp_public_key: `-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nkey-of-${agentId}\n-----END PGP PUBLIC KEY BLOCK-----\n`,
    ...overrides,
  };
}
