import type { AgentPrivateKey } from "@assmbl/crypto";
import type { Directory } from "@assmbl/directory";
import type { SESClient } from "@aws-sdk/client-ses";

/**
 * One agent as the examples see it: its id and its address on the mail domain.
 *
 * @example
 * const peer: AgentRef = { agentId: "other-agent", address: "other-agent@agents.example.com" };
 */
export interface AgentRef {
  agentId: string;
  /** `<agentId>@<mailDomain>`. */
  address: string;
}

/**
 * The sending agent.
 *
 * @example
 * const mailer = createMailer(transport, { from: context.sender.address, mailDomain });
 */
export interface Sender extends AgentRef {
  /** Its bearer token (`AGENTMAIL_TOKEN`): `/send` sends as this agent. */
  token: string;
  /** Its unlocked private key (`AGENTMAIL_PRIVATE_KEY`): when present, encrypted mail is signed. */
  signingKey?: AgentPrivateKey | undefined;
}

/**
 * The receiving agent; its token and private key are needed only to read its inbox (example 6).
 *
 * @example
 * await mailer.send({ to: context.recipient.address, subject: "Hi", text: "Hello" });
 */
export interface Recipient extends AgentRef {
  /** `AGENTMAIL_RECIPIENT_TOKEN`. */
  token?: string | undefined;
  /** `AGENTMAIL_RECIPIENT_PRIVATE_KEY`, armored. */
  privateKeyArmored?: string | undefined;
  /** `AGENTMAIL_RECIPIENT_PASSPHRASE`, when the private key is protected. */
  passphrase?: string | undefined;
}

/**
 * Everything an example needs to send: where the platform is, who sends to whom, an SES client,
 * and the sender's directory client. Built from the environment (real services) by
 * `contextFromEnv`, or around a local dev server by `startDevPlatform`.
 *
 * @example
 * import { run } from "./04-api-send.js";
 * const facts = await run(context);
 */
export interface ExampleContext {
  /** Where the examples run, for the report. */
  target: "dev server" | "real services";
  /** The AgentMail API (`AGENTMAIL_API_BASE_URL`). */
  apiBaseUrl: string;
  /** The platform's mail domain (`MAIL_DOMAIN`): recipients on it are found in the directory by local part. */
  mailDomain: string;
  sender: Sender;
  recipient: Recipient;
  /**
   * Peers example 3 must refuse to encrypt to: one with no OpenPGP key, one whose key is revoked
   * (`AGENTMAIL_KEYLESS_AGENT_ID`, `AGENTMAIL_REVOKED_AGENT_ID`). Absent ones are skipped.
   */
  refusalPeers: { keyless?: AgentRef | undefined; revoked?: AgentRef | undefined };
  /**
   * The sender's directory client. Make one per process: every send then shares its cache, and
   * only sends that ask for `freshKeys` go back to the directory.
   */
  directory: Directory;
  /** An SES client (real: `AWS_REGION` and the default AWS credentials; local: the dev server). */
  readonly ses: SESClient;
  /**
   * Example 7's receiver against real services (`AGENTMAIL_WEBHOOK_URL`,
   * `AGENTMAIL_WEBHOOK_PORT`): the public HTTPS URL the platform POSTs to, and the local port
   * that URL forwards to (a tunnel or reverse proxy). Absent on the dev server, which delivers
   * to the receiver's loopback URL.
   */
  webhook?: { publicUrl: string; port: number } | undefined;
  /** Tags this run's subjects and ids, so its messages are easy to find in a real inbox. */
  runId: string;
}

/**
 * An agent's address on the mail domain.
 *
 * @example
 * agentRef("other-agent", "agents.example.com").address; // "other-agent@agents.example.com"
 */
export function agentRef(agentId: string, mailDomain: string): AgentRef {
  return { agentId, address: `${agentId}@${mailDomain}` };
}

/**
 * A short random tag for one run.
 *
 * @example
 * const subject = `Task 42 (${newRunId()})`;
 */
export function newRunId(): string {
  return Math.random().toString(36).slice(2, 8);
}
