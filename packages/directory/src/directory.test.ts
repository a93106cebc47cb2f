import { generateKeyPairSync } from "node:crypto";
import { createMailer, type MailTransport } from "@assmbl/core";
import { generateKeyPair, type KeyPairBundle, openpgpCrypto } from "@assmbl/crypto";
import { type DevServer, startDevServer } from "@assmbl/dev-server";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDirectory } from "./directory.js";
import type { KeyChange } from "./options.js";

let peerKeys: KeyPairBundle;
let rotatedKeys: KeyPairBundle;
const keylessSpkiPem = generateKeyPairSync("ed25519").publicKey.export({
  type: "spki",
  format: "pem",
}) as string;
const servers: DevServer[] = [];

beforeAll(async () => {
  [peerKeys, rotatedKeys] = await Promise.all([
    generateKeyPair({ name: "Peer", email: "peer@agents.localhost" }),
    generateKeyPair({ name: "Peer rotated", email: "peer@agents.localhost" }),
  ]);
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

async function serve(): Promise<DevServer> {
  const server = await startDevServer({
    port: 0,
    agents: [
      {
        agentId: "peer",
        publicKey: peerKeys.directoryPublicKeyPem,
        algorithm: peerKeys.algorithm,
        openpgpPublicKey: peerKeys.publicKeyArmored,
      },
      {
        // Its own SPKI key: the dev server gives one key to one agent only.
        agentId: "keyless",
        publicKey: keylessSpkiPem,
        algorithm: peerKeys.algorithm,
        openpgpPublicKey: null,
      },
      { agentId: "unregistered" },
    ],
  });
  servers.push(server);
  return server;
}

const lookups = (server: DevServer, agentId = "peer") =>
  server.requests.count({ method: "GET", path: `/public/agents/${agentId}` });

function manualClock(start = 1_000_000) {
  let now = start;
  return { clock: () => now, advance: (ms: number) => (now += ms) };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => "no error",
    (error: { code?: string }) => error.code ?? String(error),
  );
}

describe("the cache, observed at the dev server", () => {
  it("fetches once, then serves from the cache", async () => {
    const server = await serve();
    const directory = createDirectory({ baseUrl: server.url });
    const record = await directory.lookup("peer");
    expect(record).toMatchObject({
      agentId: "peer",
      keyVersion: 1,
      keyStatus: "active",
      openpgpPublicKey: peerKeys.publicKeyArmored,
    });
    expect(record.keyFingerprintSha256).toBe(peerKeys.keyFingerprintSha256);
    await directory.lookup("PEER");
    expect(lookups(server)).toBe(1);
  });

  it("shares one request among 100 concurrent cold lookups", async () => {
    const server = await serve();
    const directory = createDirectory({ baseUrl: server.url });
    const records = await Promise.all(Array.from({ length: 100 }, () => directory.lookup("peer")));
    expect(new Set(records.map((r) => r.keyFingerprintSha256)).size).toBe(1);
    expect(lookups(server)).toBe(1);
  });

  it("refresh makes one request and replaces the entry", async () => {
    const server = await serve();
    const directory = createDirectory({ baseUrl: server.url });
    await directory.lookup("peer");
    await directory.lookup("peer", { refresh: true });
    await directory.lookup("peer");
    expect(lookups(server)).toBe(2);
  });

  it("refetches once the TTL has passed", async () => {
    const server = await serve();
    const time = manualClock();
    const directory = createDirectory({ baseUrl: server.url, ttlMs: 60_000, clock: time.clock });
    await directory.lookup("peer");
    time.advance(59_999);
    await directory.lookup("peer");
    expect(lookups(server)).toBe(1);
    time.advance(2);
    await directory.lookup("peer");
    expect(lookups(server)).toBe(2);
  });

  it("remembers an unknown agent for negativeTtlMs", async () => {
    const server = await serve();
    const time = manualClock();
    const directory = createDirectory({
      baseUrl: server.url,
      negativeTtlMs: 10_000,
      clock: time.clock,
    });
    expect(await codeOf(directory.lookup("nobody"))).toBe("agent_not_found");
    expect(await codeOf(directory.lookup("nobody"))).toBe("agent_not_found");
    expect(lookups(server, "nobody")).toBe(1);
    time.advance(10_001);
    expect(await codeOf(directory.lookup("nobody"))).toBe("agent_not_found");
    expect(lookups(server, "nobody")).toBe(2);
  });

  it("reports an agent without an OpenPGP key as peer_missing_openpgp_public_key (409)", async () => {
    const server = await serve();
    const directory = createDirectory({ baseUrl: server.url });
    const error = await directory.lookup("keyless").catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "peer_missing_openpgp_public_key", status: 409 });
    // An agent that never registered a key has no directory record at all.
    expect(await codeOf(directory.lookup("unregistered"))).toBe("agent_not_found");
  });
});

describe("when the directory fails", () => {
  it("serves the last good record for staleIfErrorMs after the server stops, then fails", async () => {
    const server = await serve();
    const time = manualClock();
    const directory = createDirectory({
      baseUrl: server.url,
      ttlMs: 1_000,
      staleIfErrorMs: 10_000,
      retry: { limit: 0 },
      clock: time.clock,
    });
    await directory.lookup("peer");
    await server.stop();
    time.advance(5_000);
    expect((await directory.lookup("peer")).openpgpPublicKey).toBe(peerKeys.publicKeyArmored);
    time.advance(7_000);
    const error = await directory.lookup("peer").catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "directory_unavailable", retryable: true });
  });

  it("never serves a stale record to refresh: true (fail closed), though it still does to a plain lookup", async () => {
    const server = await serve();
    const time = manualClock();
    const directory = createDirectory({
      baseUrl: server.url,
      ttlMs: 1_000,
      staleIfErrorMs: 60_000,
      retry: { limit: 0 },
      clock: time.clock,
    });
    await directory.lookup("peer");
    server.setFaults({ failRate: 1, paths: /^\/public\/agents\// });
    time.advance(2_000);
    const error = await directory.lookup("peer", { refresh: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "directory_unavailable", retryable: true });
    expect((await directory.lookup("peer")).openpgpPublicKey).toBe(peerKeys.publicKeyArmored);
  });

  it("never serves a record stale once its revocation was seen", async () => {
    const server = await serve();
    const time = manualClock();
    const peer = createDirectory({ baseUrl: server.url, token: server.agents.peer?.token ?? "" });
    const directory = createDirectory({
      baseUrl: server.url,
      ttlMs: 1_000,
      staleIfErrorMs: 60_000,
      retry: { limit: 0 },
      clock: time.clock,
    });
    await directory.lookup("peer");
    await peer.revoke();
    // Cached until refreshed: the TTL is the contract.
    expect((await directory.lookup("peer")).keyStatus).toBe("active");
    expect(await codeOf(directory.lookup("peer", { refresh: true }))).toBe("peer_key_revoked");
    await server.stop();
    time.advance(2_000);
    expect(await codeOf(directory.lookup("peer"))).toBe("peer_key_revoked");
  });
});

describe("key changes", () => {
  async function rotate(server: DevServer) {
    const peer = createDirectory({ baseUrl: server.url, token: server.agents.peer?.token ?? "" });
    return peer.register({
      publicKey: rotatedKeys.directoryPublicKeyPem,
      algorithm: rotatedKeys.algorithm,
      keyVersion: 2,
      ifMatchVersion: 1,
      openpgpPublicKey: rotatedKeys.publicKeyArmored,
    });
  }

  it("reports a rotation to onKeyChange", async () => {
    const server = await serve();
    const changes: KeyChange[] = [];
    const directory = createDirectory({
      baseUrl: server.url,
      onKeyChange: (change) => changes.push(change),
    });
    await directory.lookup("peer");
    expect(await rotate(server)).toEqual({
      agentId: "peer",
      keyVersion: 2,
      keyFingerprintSha256: rotatedKeys.keyFingerprintSha256,
    });
    const current = await directory.lookup("peer", { refresh: true });
    expect(current.keyVersion).toBe(2);
    expect(changes).toHaveLength(1);
    expect(changes[0]?.previous.openpgpPublicKey).toBe(peerKeys.publicKeyArmored);
    expect(changes[0]?.current.openpgpPublicKey).toBe(rotatedKeys.publicKeyArmored);
  });

  it("with pinKeys, refuses the new key until it is accepted", async () => {
    const server = await serve();
    const directory = createDirectory({ baseUrl: server.url, pinKeys: true });
    await directory.lookup("peer");
    await rotate(server);
    const error = await directory.lookup("peer", { refresh: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "peer_key_changed",
      status: 409,
      body: {
        previousFingerprint: peerKeys.keyFingerprintSha256,
        currentFingerprint: rotatedKeys.keyFingerprintSha256,
      },
    });
    expect(await codeOf(directory.lookup("peer"))).toBe("peer_key_changed");
    expect(() => directory.acceptKey("peer", peerKeys.keyFingerprintSha256)).toThrow(
      expect.objectContaining({ code: "peer_key_changed" }),
    );
    directory.acceptKey("peer", rotatedKeys.keyFingerprintSha256);
    expect((await directory.lookup("peer")).keyVersion).toBe(2);
  });

  it("a stale version is refused with key_version_conflict", async () => {
    const server = await serve();
    await rotate(server);
    const error = await rotate(server).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "key_version_conflict", status: 409 });
  });
});

describe("with the rest of the SDK", () => {
  it("answers pricing", async () => {
    const server = await serve();
    const directory = createDirectory({ baseUrl: server.url });
    expect(await directory.lookupPricing("peer")).toMatchObject({
      pricing_model: expect.any(String),
    });
  });

  it("feeds createMailer, which encrypts to the registered key", async () => {
    const server = await serve();
    const sent: string[] = [];
    const transport: MailTransport = {
      specificationVersion: "v1",
      name: "capture",
      async send(message) {
        sent.push(message.text);
        return { messageId: "<1@capture>" };
      },
    };
    const mailer = createMailer(transport, {
      from: `me@${server.mailDomain}`,
      mailDomain: server.mailDomain,
      directory: createDirectory({ baseUrl: server.url }),
      crypto: openpgpCrypto(),
    });
    const result = await mailer.send({
      to: `peer@${server.mailDomain}`,
      subject: "s",
      text: "hello",
      encrypt: true,
    });
    expect(result.recipients[0]).toMatchObject({
      agentId: "peer",
      keyFingerprint: peerKeys.fingerprint,
    });
    expect(sent[0]).toMatch(/^-----BEGIN PGP MESSAGE-----/);
  });
});
