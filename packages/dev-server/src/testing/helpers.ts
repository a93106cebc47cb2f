// Test helpers: keys, a raw HTTP/1.1 client for what fetch refuses to send, and error assertions.

import { generateKeyPairSync, randomBytes } from "node:crypto";
import { connect } from "node:net";
import { ErrorBodySchema } from "@assmbl/core";
import { afterEach, expect } from "vitest";
import type { DevServerOptions } from "../options.js";
import { type DevServer, startDevServer } from "../server.js";

const pems = new Map<string, string>();

/** An SPKI PEM public key of the given kind, generated once per test file. */
export function spkiPem(
  kind: "ed25519" | "rsa2048" | "rsa3072" | "rsa4096" | "p256" | "p384" | "x25519" | "rsa1024",
  variant = 0,
): string {
  const id = `${kind}#${variant}`;
  let pem = pems.get(id);
  if (!pem) {
    const { publicKey } =
      kind === "ed25519" || kind === "x25519"
        ? generateKeyPairSync(kind as "ed25519")
        : kind === "p256" || kind === "p384"
          ? generateKeyPairSync("ec", { namedCurve: kind === "p256" ? "prime256v1" : "secp384r1" })
          : generateKeyPairSync("rsa", { modulusLength: Number(kind.slice(3)) });
    pem = publicKey.export({ type: "spki", format: "pem" }).toString();
    pems.set(id, pem);
  }
  return pem;
}

const armoredKeys = new Map<string, string>();

/**
 * A minimal armored OpenPGP public key (v4 Ed25519 primary key, an optional subkey, one user id
 * packet per `userIds` entry; no signatures: the dev server reads fingerprints and user ids, it
 * does not verify), generated once per test file for each address and variant. `userIds`
 * defaults to `["Test Agent <address>"]`.
 */
export function armoredKey(
  address: string,
  variant = 0,
  options: { userIds?: string[]; subkey?: boolean } = {},
): string {
  const userIds = options.userIds ?? [`Test Agent <${address}>`];
  const id = JSON.stringify([address, variant, userIds, options.subkey ?? false]);
  let armored = armoredKeys.get(id);
  if (!armored) {
    const keyPacket = (tag: number) => {
      const { publicKey } = generateKeyPairSync("ed25519");
      const point = Buffer.from(publicKey.export({ format: "jwk" }).x ?? "", "base64url");
      const oid = [0x2b, 0x06, 0x01, 0x04, 0x01, 0xda, 0x47, 0x0f, 0x01];
      const body = Buffer.from([
        4,
        0x65,
        0,
        0,
        0,
        22,
        oid.length,
        ...oid,
        0x01,
        0x07,
        0x40,
        ...point,
      ]);
      return packet(tag, body);
    };
    const packets = [
      keyPacket(6),
      ...userIds.map((userId) => packet(13, Buffer.from(userId, "utf8"))),
      ...(options.subkey ? [keyPacket(14)] : []),
    ];
    const base64 = Buffer.concat(packets).toString("base64");
    armored = `-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n${base64.replace(/.{1,64}/g, "$&\n")}-----END PGP PUBLIC KEY BLOCK-----\n`;
    armoredKeys.set(id, armored);
  }
  return armored;
}

/** A new-format OpenPGP packet. */
function packet(tag: number, body: Buffer): Buffer {
  const n = body.length;
  const length =
    n < 192
      ? [n]
      : n < 8384
        ? [((n - 192) >> 8) + 192, (n - 192) & 0xff]
        : [255, n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from([0xc0 | tag, ...length]), body]);
}

/**
 * A stand-in armored OpenPGP message shaped like real ciphertext, packet by packet (a PKESK v3 to
 * a random key id, then one SEIPD v1 packet of random bytes), so that core's ciphertext checks
 * pass it; nobody can decrypt it. `size` is the SEIPD packet's random part.
 */
export function armoredCiphertext(size = 200): string {
  const pkesk = packet(
    1,
    Buffer.concat([
      Buffer.from([3]),
      randomBytes(8),
      Buffer.from([1, 0x08, 0x00]),
      randomBytes(256),
    ]),
  );
  const seipd = packet(18, Buffer.concat([Buffer.from([1]), randomBytes(size)]));
  const base64 = Buffer.concat([pkesk, seipd]).toString("base64");
  return `-----BEGIN PGP MESSAGE-----\n\n${base64.replace(/.{1,64}/g, "$&\n")}-----END PGP MESSAGE-----\n`;
}

/** The default agent's OpenPGP key (user id `my-agent@agents.localhost`). */
export const ARMORED = armoredKey("my-agent@agents.localhost");

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
