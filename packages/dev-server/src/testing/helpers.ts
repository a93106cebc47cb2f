// Test helpers: keys, a raw HTTP/1.1 client for what fetch refuses to send, and error assertions.

import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";
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
 * A minimal armored OpenPGP public key: a v4 EdDSA (Ed25519) primary key, one user id packet per
 * `userIds` entry, each with a positive self-certification made here with node:crypto (openpgp.js
 * verifies it on the server), and an optional subkey. `certify: false` leaves the user ids
 * unsigned; `subkeyBodies` appends subkey packets with the given bodies (another key's, say).
 * Generated once per test file for each address and variant; `userIds` defaults to
 * `["Test Agent <address>"]`.
 */
export function armoredKey(
  address: string,
  variant = 0,
  options: {
    userIds?: string[];
    subkey?: boolean;
    certify?: boolean;
    subkeyBodies?: Buffer[];
  } = {},
): string {
  const userIds = options.userIds ?? [`Test Agent <${address}>`];
  const certify = options.certify ?? true;
  const extra = (options.subkeyBodies ?? []).map((body) => body.toString("hex"));
  const id = JSON.stringify([address, variant, userIds, options.subkey ?? false, certify, extra]);
  let armored = armoredKeys.get(id);
  if (!armored) {
    const primary = ed25519KeyPacket();
    const packets = [
      packet(6, primary.body),
      ...userIds.flatMap((userId) => {
        const uid = Buffer.from(userId, "utf8");
        return [packet(13, uid), ...(certify ? [packet(2, selfCertification(primary, uid))] : [])];
      }),
      ...(options.subkey ? [packet(14, ed25519KeyPacket().body)] : []),
      // Unbound subkeys: the dev server claims every subkey's material, bound or not.
      ...(options.subkeyBodies ?? []).map((body) => packet(14, body)),
    ];
    armored = armorKey(Buffer.concat(packets));
    armoredKeys.set(id, armored);
  }
  return armored;
}

/**
 * The key packet bodies (primary key, then subkeys) of an armored key made by {@link armoredKey}
 * (new-format packet headers with one- or two-octet lengths).
 */
export function keyPacketBodies(armored: string): Buffer[] {
  const bytes = Buffer.from(
    armored
      .split("\n")
      .filter((line) => line !== "" && !line.startsWith("-----"))
      .join(""),
    "base64",
  );
  const bodies: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    const tag = (bytes[at] ?? 0) & 0x3f;
    const first = bytes[at + 1] ?? 0;
    const [length, header] =
      first < 192 ? [first, 2] : [((first - 192) << 8) + (bytes[at + 2] ?? 0) + 192, 3];
    if (tag === 6 || tag === 14) bodies.push(bytes.subarray(at + header, at + header + length));
    at += header + length;
  }
  return bodies;
}

/** Armors a public key block's packets. */
export function armorKey(packets: Buffer): string {
  const base64 = packets.toString("base64");
  return `-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n${base64.replace(/.{1,64}/g, "$&\n")}-----END PGP PUBLIC KEY BLOCK-----\n`;
}

const ED25519_OID = [0x2b, 0x06, 0x01, 0x04, 0x01, 0xda, 0x47, 0x0f, 0x01];

/** A v4 EdDSA key packet body (created at the epoch) and its private key. */
function ed25519KeyPacket(): { body: Buffer; privateKey: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const point = Buffer.from(publicKey.export({ format: "jwk" }).x ?? "", "base64url");
  const body = Buffer.from([
    4,
    0,
    0,
    0,
    0,
    22,
    ED25519_OID.length,
    ...ED25519_OID,
    0x01,
    0x07,
    0x40,
    ...point,
  ]);
  return { body, privateKey };
}

/**
 * A v4 positive certification (0x13) of `userId` by `key`, SHA-256 (RFC 4880 §5.2.4): the hash
 * covers the key packet, the user id and the signature's hashed part; EdDSA signs the digest.
 */
function selfCertification(key: { body: Buffer; privateKey: KeyObject }, userId: Buffer): Buffer {
  const fingerprint = createHash("sha1")
    .update(
      Buffer.concat([Buffer.from([0x99, key.body.length >> 8, key.body.length & 0xff]), key.body]),
    )
    .digest();
  const created = Buffer.alloc(4);
  created.writeUInt32BE(Math.floor(Date.now() / 1000) - 3600);
  const hashedSubpackets = Buffer.concat([
    Buffer.from([5, 2]),
    created,
    Buffer.from([22, 33, 4]),
    fingerprint,
    Buffer.from([2, 27, 0x03]),
  ]);
  const hashed = Buffer.concat([
    Buffer.from([4, 0x13, 22, 8, hashedSubpackets.length >> 8, hashedSubpackets.length & 0xff]),
    hashedSubpackets,
  ]);
  const uidLength = Buffer.alloc(4);
  uidLength.writeUInt32BE(userId.length);
  const trailerLength = Buffer.alloc(4);
  trailerLength.writeUInt32BE(hashed.length);
  const digest = createHash("sha256")
    .update(Buffer.from([0x99, key.body.length >> 8, key.body.length & 0xff]))
    .update(key.body)
    .update(Buffer.from([0xb4]))
    .update(uidLength)
    .update(userId)
    .update(hashed)
    .update(Buffer.from([4, 0xff]))
    .update(trailerLength)
    .digest();
  const signature = sign(null, digest, key.privateKey);
  const unhashed = Buffer.concat([Buffer.from([0, 10, 9, 16]), fingerprint.subarray(12)]);
  return Buffer.concat([
    hashed,
    unhashed,
    digest.subarray(0, 2),
    mpi(signature.subarray(0, 32)),
    mpi(signature.subarray(32)),
  ]);
}

/** An MPI: its bit count, then its value without leading zero octets. */
function mpi(value: Buffer): Buffer {
  let at = 0;
  while (at < value.length - 1 && value[at] === 0) at++;
  const rest = value.subarray(at);
  const bits = (rest.length - 1) * 8 + (32 - Math.clz32(rest[0] ?? 0));
  return Buffer.concat([Buffer.from([bits >> 8, bits & 0xff]), rest]);
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
