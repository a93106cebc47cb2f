// The dev-server platform fixture: the installed dev server on loopback with named agents, each
// with its token and SES credentials and, when asked, an openpgp.js key pair that is either
// registered through the directory API (as a real agent does) or seeded at start. One fixture for
// every package's end-to-end tests, so each set-up states only what differs.
import { Routes } from "@assmbl/core";
import { generateKeyPair, type KeyPairBundle } from "@assmbl/crypto";
import { type DevServer, type DevServerOptions, startDevServer } from "@assmbl/dev-server";
import { SESClient } from "@aws-sdk/client-ses";
import { afterAll, afterEach, beforeAll } from "vitest";

/** One agent of a {@link startTestPlatform} platform. */
export interface PlatformAgentOptions {
  agentId: string;
  /**
   * Its keys. Absent: an account only (a token and SES credentials). `"register"`: an openpgp.js
   * pair generated here and registered with the agent's token through `POST /directory/register`.
   * `"seed"`: one generated here and given to the server at start. A {@link KeyPairBundle}: that
   * pair, seeded unless `via: "register"`.
   */
  keys?: "register" | "seed" | KeyPairBundle;
  /** How given keys reach the directory; default `"seed"`. */
  via?: "register" | "seed";
  /** `false`: the directory (identity) key only, no OpenPGP key. Default true. */
  openpgp?: boolean;
  /** The name in generated keys' user id; default the agent id. */
  name?: string;
}

/** What {@link startTestPlatform} takes: the dev server's options, agents by id or in full. */
export interface PlatformOptions extends Omit<DevServerOptions, "agents"> {
  agents: ReadonlyArray<string | PlatformAgentOptions>;
}

/** An agent as the platform set it up. */
export interface PlatformAgent {
  agentId: string;
  /** `agentId@mailDomain`. */
  address: string;
  token: string;
  /** The SES credentials the server issued to the agent (its endpoint sends only as it). */
  ses: { accessKeyId: string; secretAccessKey: string };
  /** Its key pair, when it has one. */
  keys?: KeyPairBundle;
}

/** A running platform; `close` stops it and every SES client it made. */
export interface TestPlatform {
  server: DevServer;
  url: string;
  mailDomain: string;
  agents: Record<string, PlatformAgent>;
  /** The agent `agentId` (throws for an agent the platform does not have). */
  agent(agentId: string): PlatformAgent;
  /**
   * A stock SES v1 client for the server's SES endpoint signed as `agentId`. The SDK's retries
   * are off (`maxAttempts: 1`) so a test sees every answer, unless `sdkRetries` leaves the SDK's
   * default strategy on.
   */
  sesClient(agentId: string, options?: { sdkRetries?: boolean }): SESClient;
  close(): Promise<void>;
}

/**
 * An SES client for a dev server's SES endpoint, signed with the credentials it issued to
 * `agentId`; the caller destroys it.
 *
 * @example
 * const ses = devSesClient(server, "report-bot");
 */
export function devSesClient(
  server: Pick<DevServer, "url" | "agents">,
  agentId: string,
  options: { sdkRetries?: boolean } = {},
): SESClient {
  const credentials = server.agents[agentId]?.ses;
  if (!credentials) throw new Error(`devSesClient: the dev server has no seeded agent ${agentId}`);
  return new SESClient({
    endpoint: server.url,
    region: "us-east-1",
    credentials: { ...credentials },
    ...(options.sdkRetries ? {} : { maxAttempts: 1 }),
  });
}

/**
 * Starts the dev server on 127.0.0.1 (a free port unless `port` is given) with `agents` and
 * their keys. Stops the server again if any agent's set-up fails.
 *
 * @example
 * const platform = await startTestPlatform({ agents: ["alice", { agentId: "bob", keys: "register" }] });
 * try { platform.agent("bob").token; } finally { await platform.close(); }
 */
export async function startTestPlatform(options: PlatformOptions): Promise<TestPlatform> {
  const { agents: given, ...serverOptions } = options;
  const mailDomain = serverOptions.mailDomain ?? "agents.localhost";
  const specs = given.map((agent) => (typeof agent === "string" ? { agentId: agent } : agent));
  const keys = new Map<string, KeyPairBundle>();
  await Promise.all(
    specs.map(async (spec) => {
      if (spec.keys === undefined) return;
      const bundle =
        typeof spec.keys === "object"
          ? spec.keys
          : await generateKeyPair({
              name: spec.name ?? spec.agentId,
              email: `${spec.agentId}@${mailDomain}`,
            });
      keys.set(spec.agentId, bundle);
    }),
  );
  const registered = (spec: PlatformAgentOptions) =>
    spec.keys === "register" || (typeof spec.keys === "object" && spec.via === "register");
  const server = await startDevServer({
    port: 0,
    ...serverOptions,
    agents: specs.map((spec) => {
      const bundle = keys.get(spec.agentId);
      if (!bundle || registered(spec)) return { agentId: spec.agentId };
      return {
        agentId: spec.agentId,
        publicKey: bundle.directoryPublicKeyPem,
        openpgpPublicKey: spec.openpgp === false ? null : bundle.publicKeyArmored,
      };
    }),
  });
  const clients: SESClient[] = [];
  const agents: Record<string, PlatformAgent> = {};
  try {
    for (const spec of specs) {
      const issued = server.agents[spec.agentId];
      if (!issued) throw new Error(`the dev server issued no account to ${spec.agentId}`);
      const bundle = keys.get(spec.agentId);
      // In order: a test may rely on who registered first.
      if (bundle && registered(spec)) await register(server, issued.token, bundle, spec);
      agents[spec.agentId] = {
        agentId: spec.agentId,
        address: `${spec.agentId}@${server.mailDomain}`,
        token: issued.token,
        ses: { ...issued.ses },
        ...(bundle ? { keys: bundle } : {}),
      };
    }
  } catch (error) {
    await server.stop();
    throw error;
  }
  const agent = (agentId: string): PlatformAgent => {
    const found = agents[agentId];
    if (!found) throw new Error(`the platform has no agent ${agentId}`);
    return found;
  };
  let closed: Promise<void> | undefined;
  return {
    server,
    url: server.url,
    mailDomain: server.mailDomain,
    agents,
    agent,
    sesClient(agentId, clientOptions) {
      agent(agentId);
      const client = devSesClient(server, agentId, clientOptions);
      clients.push(client);
      return client;
    },
    close() {
      closed ??= (async () => {
        for (const client of clients.splice(0)) client.destroy();
        await server.stop();
      })();
      return closed;
    },
  };
}

/** Registers `bundle` as the agent of `token` over HTTP, as the directory client would. */
async function register(
  server: DevServer,
  token: string,
  bundle: KeyPairBundle,
  spec: PlatformAgentOptions,
): Promise<void> {
  const response = await fetch(server.url + Routes.register.path, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({
      public_key: bundle.directoryPublicKeyPem,
      algorithm: bundle.algorithm,
      key_version: 1,
      if_match_version: null,
      openpgp_public_key: spec.openpgp === false ? null : bundle.publicKeyArmored,
    }),
  });
  if (!response.ok) {
    throw new Error(`registering ${spec.agentId}: ${response.status} ${await response.text()}`);
  }
}

/**
 * One platform for a test file: started before its tests, closed after them. Returns a getter
 * (the platform exists only once `beforeAll` ran).
 *
 * @example
 * const platform = usePlatform({ agents: ["report-bot", "other-agent"] });
 * it("sends", () => platform().agent("report-bot").token);
 */
export function usePlatform(options: PlatformOptions, timeoutMs = 60_000): () => TestPlatform {
  let platform: TestPlatform | undefined;
  beforeAll(async () => {
    platform = await startTestPlatform(options);
  }, timeoutMs);
  afterAll(async () => {
    await platform?.close();
  });
  return () => {
    if (!platform)
      throw new Error("usePlatform: the platform is not started yet (use it in a test)");
    return platform;
  };
}

/**
 * Platforms started inside tests, each closed after its test.
 *
 * @example
 * const start = usePlatforms();
 * it("...", async () => { const platform = await start({ agents: ["alice"] }); });
 */
export function usePlatforms(): (options: PlatformOptions) => Promise<TestPlatform> {
  const running: TestPlatform[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((platform) => platform.close()));
  });
  return async (options) => {
    const platform = await startTestPlatform(options);
    running.push(platform);
    return platform;
  };
}
