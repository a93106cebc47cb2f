// Test helpers: keys, a raw HTTP/1.1 client for what fetch refuses to send, and error assertions.

import { connect } from "node:net";
import { ErrorBodySchema, Routes } from "@assmbl/core";
import { spkiPem } from "@assmbl/testing/agent-keys";
import { afterEach, expect } from "vitest";
import type { DevServerOptions } from "../options.js";
import { type DevServer, startDevServer } from "../server.js";

// The key builders are shared with other packages' tests (@assmbl/testing); tests import them
// from here as before.
export {
  ARMORED,
  armoredCiphertext,
  armoredKey,
  armorKey,
  keyPacketBodies,
  spkiPem,
} from "@assmbl/testing/agent-keys";

/** Starts a server for one test and stops it after the test. */
export function useServers(): (options?: DevServerOptions) => Promise<DevServer> {
  const running: DevServer[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((server) => server.stop()));
  });
  return async (options = {}) => {
    const server = await startDevServer({ port: 0, ...options });
    running.push(server);
    return server;
  };
}

/** Asserts an `{error, message}` response (spec §5.2) and returns its message. */
export async function expectProblem(
  response: Response | RawResponse,
  status: number,
  code: string,
): Promise<string> {
  expect(response.status).toBe(status);
  const contentType =
    response instanceof Response
      ? response.headers.get("content-type")
      : response.headers["content-type"];
  expect(contentType).toMatch(/^application\/json/);
  const json: unknown =
    response instanceof Response ? await response.json() : JSON.parse(response.body);
  const body = ErrorBodySchema.parse(json);
  expect(Object.keys(json as object).sort()).toEqual(["error", "message"]);
  expect(body.error).toBe(code);
  expect(body.message).toEqual(expect.any(String));
  expect(body.message?.length).toBeGreaterThan(0);
  return body.message ?? "";
}

/** A response read off a raw socket. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Writes `request` as is to the server's socket and parses the first response (status, headers,
 * a Content-Length body). `write` may send more afterwards (e.g. a slow body).
 */
export function rawRequest(
  url: string,
  request: string | Buffer,
  options: { timeoutMs?: number; write?: (socket: import("node:net").Socket) => void } = {},
): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error("rawRequest: no complete response in time"));
    }, options.timeoutMs ?? 5_000);
    let received = Buffer.alloc(0);
    const finish = (result: RawResponse | Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const tryParse = (ended: boolean) => {
      const end = received.indexOf("\r\n\r\n");
      if (end === -1) {
        if (ended)
          finish(new Error(`rawRequest: connection closed after ${received.length} bytes`));
        return;
      }
      const [statusLine = "", ...lines] = received
        .subarray(0, end)
        .toString("latin1")
        .split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(":");
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const length = Number(headers["content-length"] ?? Number.NaN);
      const body = received.subarray(end + 4);
      if (Number.isFinite(length) ? body.length >= length : ended) {
        finish({
          status: Number(statusLine.split(" ")[1]),
          headers,
          body: body.subarray(0, Number.isFinite(length) ? length : undefined).toString("utf8"),
        });
      }
    };
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      tryParse(false);
    });
    socket.on("end", () => tryParse(true));
    socket.on("error", (error) => {
      // A reset after the response arrived is the server closing a connection it gave up on.
      if (received.length > 0) tryParse(true);
      else finish(error);
    });
    socket.on("connect", () => {
      socket.write(request);
      options.write?.(socket);
    });
  });
}

// Fuzz runs use the fault injector's PRNG, so a failure replays exactly.
export { mulberry32 } from "../faults.js";

/** A register body with the given overrides (no OpenPGP key unless one is given). */
export function registerBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    public_key: spkiPem("ed25519"),
    algorithm: "Ed25519",
    key_version: 1,
    if_match_version: null,
    openpgp_public_key: null,
    ...overrides,
  };
}

/** A POST with a JSON body and (when given) a bearer token. */
export function postJson(
  server: DevServer,
  path: string,
  body: unknown,
  init: { token?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  return fetch(server.url + path, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(init.token === undefined ? {} : { authorization: `Bearer ${init.token}` }),
      ...init.headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** The addresses of the agents of {@link keyClaimWorld}. */
export const ALICE = "alice@agents.localhost";
export const BOB = "bob@agents.localhost";
export const CAROL = "carol@agents.localhost";

/**
 * The world of the directory's key-claim tests: a server (from `serve`, so it stops after the
 * test) whose agent `alice` holds `alice`'s keys, beside keyless agents `others` (bob by
 * default) who try to register what alice holds.
 */
export function keyClaimWorld(
  serve: ReturnType<typeof useServers>,
  alice: { publicKey: string; openpgpPublicKey: string },
  others: readonly string[] = ["bob"],
): Promise<DevServer> {
  return serve({
    agents: [{ agentId: "alice", ...alice }, ...others.map((agentId) => ({ agentId }))],
  });
}

/** POSTs a register body as the seeded agent `agentId` of `server` (with its token). */
export function registerAs(server: DevServer, agentId: string, body: unknown): Promise<Response> {
  return postJson(server, Routes.register.path, body, {
    token: server.agents[agentId]?.token ?? "",
  });
}
