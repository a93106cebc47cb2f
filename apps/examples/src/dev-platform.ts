import { generateKeyPairSync } from "node:crypto";
import { generateKeyPair, type KeyPairBundle, loadPrivateKey } from "@assmbl/crypto";
import { type DevServer, startDevServer } from "@assmbl/dev-server";
import { createDirectory } from "@assmbl/directory";
import { SESClient } from "@aws-sdk/client-ses";
import { agentRef, type ExampleContext, newRunId } from "./context.js";

/**
 * The agents of the local platform.
 *
 * @example
 * server.store.inbox(DevAgents.recipient).length;
 */
export const DevAgents = {
  sender: "my-agent",
  recipient: "other-agent",
  keyless: "keyless-agent",
  revoked: "revoked-agent",
} as const;

/**
 * A local AgentMail platform with the examples' agents, and the context pointing at it.
 *
 * @example
 * const { server, context, close } = await startDevPlatform();
 */
export interface DevPlatform {
  server: DevServer;
  context: ExampleContext;
  /** The recipient's key pair (its private half reads example 6). */
  recipientKeys: KeyPairBundle;
  /** Closes the SES client and stops the server. */
  close(): Promise<void>;
}

/**
 * Starts the dev server in-process on a free port and sets its agents up the way real agents
 * are set up: each gets an account (a token) from the server, then registers its own generated
 * keys through the directory API. `keyless-agent` registers its identity key but no OpenPGP key;
 * `revoked-agent` registers one, the sender's directory caches it, then the agent revokes it.
 *
 * @example
 * const platform = await startDevPlatform();
 * try { await run(platform.context); } finally { await platform.close(); }
 */
export async function startDevPlatform(): Promise<DevPlatform> {
  // The dev server hands out accounts (tokens); keys are registered below, not seeded.
  const server = await startDevServer({
    port: 0,
    agents: Object.values(DevAgents).map((agentId) => ({ agentId })),
  });
  // Signed with the SES credentials the dev server issued to the sender: like real SES with one
  // verified identity, its endpoint sends only as my-agent@<mail domain>.
  const senderSes = server.agents[DevAgents.sender]?.ses;
  if (!senderSes) throw new Error("the dev server issued no SES credentials to the sender");
  const ses = new SESClient({
    endpoint: server.url,
    region: "us-east-1",
    credentials: { ...senderSes },
    maxAttempts: 1,
  });
  try {
    const { mailDomain, url } = server;
    const tokenOf = (agentId: string) => server.agents[agentId]?.token ?? "";
    const directoryAs = (agentId: string) =>
      createDirectory({ baseUrl: url, token: tokenOf(agentId) });
    const keysOf = (agentId: string) =>
      generateKeyPair({ name: agentId, email: `${agentId}@${mailDomain}` });

    const [senderKeys, recipientKeys, revokedKeys] = await Promise.all([
      keysOf(DevAgents.sender),
      keysOf(DevAgents.recipient),
      keysOf(DevAgents.revoked),
    ]);
    const registrations = [
      [DevAgents.sender, senderKeys],
      [DevAgents.recipient, recipientKeys],
      [DevAgents.revoked, revokedKeys],
    ] as const;
    for (const [agentId, keys] of registrations) {
      await directoryAs(agentId).register({
        publicKey: keys.directoryPublicKeyPem,
        algorithm: keys.algorithm,
        keyVersion: 1,
        ifMatchVersion: null,
        openpgpPublicKey: keys.publicKeyArmored,
      });
    }
    // An agent with an identity key in the directory but no OpenPGP key: nothing can be encrypted to it.
    await directoryAs(DevAgents.keyless).register({
      publicKey: generateKeyPairSync("ed25519")
        .publicKey.export({ type: "spki", format: "pem" })
        .toString(),
      algorithm: "Ed25519",
      keyVersion: 1,
      ifMatchVersion: null,
      openpgpPublicKey: null,
    });

    // The sender looked revoked-agent up while its key was good (so its cache holds that key),
    // then revoked-agent revoked it: only a fresh lookup learns of the revocation.
    const directory = createDirectory({ baseUrl: url });
    await directory.lookup(DevAgents.revoked);
    await directoryAs(DevAgents.revoked).revoke();

    const context: ExampleContext = {
      target: "dev server",
      apiBaseUrl: url,
      mailDomain,
      sender: {
        ...agentRef(DevAgents.sender, mailDomain),
        token: tokenOf(DevAgents.sender),
        signingKey: await loadPrivateKey(senderKeys.privateKeyArmored),
      },
      recipient: {
        ...agentRef(DevAgents.recipient, mailDomain),
        token: tokenOf(DevAgents.recipient),
        privateKeyArmored: recipientKeys.privateKeyArmored,
      },
      refusalPeers: {
        keyless: agentRef(DevAgents.keyless, mailDomain),
        revoked: agentRef(DevAgents.revoked, mailDomain),
      },
      directory,
      ses,
      runId: newRunId(),
    };
    return {
      server,
      context,
      recipientKeys,
      close: async () => {
        ses.destroy();
        await server.stop();
      },
    };
  } catch (error) {
    ses.destroy();
    await server.stop();
    throw error;
  }
}
