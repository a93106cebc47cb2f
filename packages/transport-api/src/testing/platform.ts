// A dev server with two agents that registered keys from @assmbl/crypto through the directory
// API (the shared @assmbl/testing/platform fixture), and the mailers and clients the end-to-end
// tests use. Used only by tests.
import { createMailer, type Mailer, type MailTransport } from "@assmbl/core";
import {
  type AgentPrivateKey,
  type KeyPairBundle,
  loadPrivateKey,
  openpgpCrypto,
} from "@assmbl/crypto";
import type { DevServer } from "@assmbl/dev-server";
import { createDirectory, type Directory } from "@assmbl/directory";
import { devSesClient as sharedSesClient, startTestPlatform } from "@assmbl/testing/platform";
import type { SESClient } from "@aws-sdk/client-ses";
import { type AgentMailClient, createAgentMailClient } from "../client.js";
import { type ApiTransportOptions, apiTransport } from "../transport.js";

export const MAIL_DOMAIN = "agents.example.com";
export const SENDER_ID = "report-bot";
export const RECEIVER_ID = "other-agent";
export const SENDER = `${SENDER_ID}@${MAIL_DOMAIN}`;
export const RECEIVER = `${RECEIVER_ID}@${MAIL_DOMAIN}`;

export interface Platform {
  server: DevServer;
  senderKeys: KeyPairBundle;
  receiverKeys: KeyPairBundle;
  senderToken: string;
  receiverToken: string;
  /** The receiver's unlocked key: what `decryptWith` takes. */
  receiverKey: AgentPrivateKey;
  senderKey: AgentPrivateKey;
  /** An unauthenticated directory client (lookups only). */
  directory: Directory;
  /** The receiver's client. */
  inbox: AgentMailClient;
  /** A mailer sending as the sender through apiTransport, signing and encrypting. */
  mailer(options?: Partial<ApiTransportOptions>): Mailer;
  /** The sender's apiTransport. */
  mailerTransport(options?: Partial<ApiTransportOptions>): MailTransport;
  stop(): Promise<void>;
}

/**
 * Starts the dev server (the shared platform fixture), registers both agents' keys over HTTP
 * (`POST /directory/register`), and returns what the tests need.
 *
 * @example
 * const platform = await startPlatform({ attachmentProcessingMs: 0 });
 */
export async function startPlatform(
  options: { attachmentProcessingMs?: number } = {},
): Promise<Platform> {
  const platform = await startTestPlatform({
    mailDomain: MAIL_DOMAIN,
    agents: [
      { agentId: SENDER_ID, name: "Report Bot", keys: "register" },
      { agentId: RECEIVER_ID, name: "Other Agent", keys: "register" },
    ],
    ...(options.attachmentProcessingMs === undefined
      ? {}
      : { attachmentProcessingMs: options.attachmentProcessingMs }),
  });
  const { server } = platform;
  const sender = platform.agent(SENDER_ID);
  const receiver = platform.agent(RECEIVER_ID);
  const senderKeys = sender.keys as KeyPairBundle;
  const receiverKeys = receiver.keys as KeyPairBundle;
  const senderToken = sender.token;
  const receiverToken = receiver.token;
  const senderKey = await loadPrivateKey(senderKeys.privateKeyArmored);
  const receiverKey = await loadPrivateKey(receiverKeys.privateKeyArmored);
  const directory = createDirectory({ baseUrl: server.url });
  return {
    server,
    senderKeys,
    receiverKeys,
    senderToken,
    receiverToken,
    senderKey,
    receiverKey,
    directory,
    inbox: createAgentMailClient({
      baseUrl: server.url,
      token: receiverToken,
      mailDomain: MAIL_DOMAIN,
    }),
    mailerTransport: (transportOptions = {}) =>
      apiTransport({ baseUrl: server.url, token: senderToken, ...transportOptions }),
    mailer: (transportOptions = {}) =>
      createMailer(apiTransport({ baseUrl: server.url, token: senderToken, ...transportOptions }), {
        from: `Report Bot <${SENDER}>`,
        mailDomain: MAIL_DOMAIN,
        directory,
        crypto: openpgpCrypto({ signingKey: senderKey }),
      }),
    stop: () => platform.close(),
  };
}

/** The receiver's inbox item whose subject is exactly `subject` (fails unless exactly one). */
export async function findBySubject(client: AgentMailClient, subject: string): Promise<string> {
  const ids: string[] = [];
  for await (const item of client.iterInbox({ q: subject, includeArchived: true })) {
    if (item.subject === subject) ids.push(item.id);
  }
  if (ids.length !== 1) throw new Error(`expected one message "${subject}", found ${ids.length}`);
  return ids[0] as string;
}

/**
 * An SES client for a dev server's SES endpoint, signed with the SES credentials the server
 * issued to `agentId` (default the sender, report-bot): it sends only as that agent's address.
 * The SDK's own retries are off so a test sees every answer.
 *
 * @example
 * const ses = devSesClient(platform.server);
 */
export function devSesClient(
  server: Pick<DevServer, "url" | "agents">,
  agentId: string = SENDER_ID,
): SESClient {
  return sharedSesClient(server, agentId);
}

/**
 * `bytes` encrypted to the receiver's registered key (as a sender would, unsigned): the armored
 * text of an encrypted attachment.
 *
 * @example
 * const cipher = await encryptForReceiver(platform, sampleBytes(2_000, 9));
 */
export async function encryptForReceiver(platform: Platform, bytes: Uint8Array): Promise<string> {
  const record = await platform.directory.lookup(RECEIVER_ID);
  const armored = await openpgpCrypto().encryptAttachment(bytes, [
    { agentId: RECEIVER_ID, address: RECEIVER, publicKeyArmored: record.openpgpPublicKey ?? "" },
  ]);
  return new TextDecoder().decode(armored as Uint8Array);
}
