import { EnvVars } from "@assmbl/core";
import { loadPrivateKey } from "@assmbl/crypto";
import { createDirectory } from "@assmbl/directory";
import { SESClient } from "@aws-sdk/client-ses";
import { agentRef, type ExampleContext, newRunId } from "./context.js";

/**
 * The environment variables the examples read against real services. The first four are the
 * platform guide's; the others say who the agents are, since a token does not name its agent.
 *
 * @example
 * process.env[ExampleEnv.recipientAgentId] = "other-agent";
 */
export const ExampleEnv = {
  /** The AgentMail API; setting it switches the examples to real services. */
  apiBaseUrl: EnvVars.apiBaseUrl,
  /** The sending agent's bearer token. */
  token: EnvVars.token,
  /** The platform's mail domain, e.g. `agents.example.com`. */
  mailDomain: "MAIL_DOMAIN",
  /** The SES region (credentials come from the usual AWS chain: env, profile, role). */
  awsRegion: "AWS_REGION",
  /** The sending agent's id (the token's agent); `<id>@MAIL_DOMAIN` must be verified in SES. */
  agentId: "AGENTMAIL_AGENT_ID",
  /** Optional: the sender's armored private key, to sign what it encrypts. */
  privateKey: "AGENTMAIL_PRIVATE_KEY",
  passphrase: "AGENTMAIL_PASSPHRASE",
  /** The receiving agent's id. */
  recipientAgentId: "AGENTMAIL_RECIPIENT_AGENT_ID",
  /** Example 6 only: the recipient's token and armored private key. */
  recipientToken: "AGENTMAIL_RECIPIENT_TOKEN",
  recipientPrivateKey: "AGENTMAIL_RECIPIENT_PRIVATE_KEY",
  recipientPassphrase: "AGENTMAIL_RECIPIENT_PASSPHRASE",
  /** Example 3 only: an agent registered without an OpenPGP key, and one whose key is revoked. */
  keylessAgentId: "AGENTMAIL_KEYLESS_AGENT_ID",
  revokedAgentId: "AGENTMAIL_REVOKED_AGENT_ID",
  /** Example 7 only: the public HTTPS URL of its webhook receiver, and the local port it forwards to. */
  webhookUrl: "AGENTMAIL_WEBHOOK_URL",
  webhookPort: "AGENTMAIL_WEBHOOK_PORT",
} as const;

/** Where example 7's receiver listens when `AGENTMAIL_WEBHOOK_PORT` is not set. */
const DEFAULT_WEBHOOK_PORT = 8787;

const REQUIRED = [
  ExampleEnv.apiBaseUrl,
  ExampleEnv.token,
  ExampleEnv.mailDomain,
  ExampleEnv.agentId,
  ExampleEnv.recipientAgentId,
] as const;

type Env = Record<string, string | undefined>;

/**
 * The context for real services, or `undefined` when `AGENTMAIL_API_BASE_URL` is not set (then
 * the examples run against a local dev server). The SES client is made on first use, so the
 * API-only examples (4 and 6) run without `AWS_REGION`.
 *
 * @example
 * const context = (await contextFromEnv()) ?? (await startDevPlatform()).context;
 * @throws {Error} naming every required variable that is missing (never a value).
 */
export async function contextFromEnv(env: Env = process.env): Promise<ExampleContext | undefined> {
  const value = (name: string) => (env[name]?.trim() ? env[name]?.trim() : undefined);
  if (value(ExampleEnv.apiBaseUrl) === undefined) return undefined;
  const missing = REQUIRED.filter((name) => value(name) === undefined);
  if (missing.length > 0) {
    throw new Error(`to run against real services, also set ${missing.join(", ")}`);
  }
  const required = (name: (typeof REQUIRED)[number]) => value(name) ?? "";
  const apiBaseUrl = required(ExampleEnv.apiBaseUrl);
  const mailDomain = required(ExampleEnv.mailDomain);
  const privateKey = env[ExampleEnv.privateKey];
  const optionalAgent = (name: string) => {
    const id = value(name);
    return id === undefined ? undefined : agentRef(id, mailDomain);
  };
  let ses: SESClient | undefined;
  return {
    target: "real services",
    apiBaseUrl,
    mailDomain,
    sender: {
      ...agentRef(required(ExampleEnv.agentId), mailDomain),
      token: required(ExampleEnv.token),
      signingKey: privateKey
        ? await loadPrivateKey(privateKey, env[ExampleEnv.passphrase])
        : undefined,
    },
    recipient: {
      ...agentRef(required(ExampleEnv.recipientAgentId), mailDomain),
      token: value(ExampleEnv.recipientToken),
      privateKeyArmored: env[ExampleEnv.recipientPrivateKey],
      passphrase: env[ExampleEnv.recipientPassphrase],
    },
    refusalPeers: {
      keyless: optionalAgent(ExampleEnv.keylessAgentId),
      revoked: optionalAgent(ExampleEnv.revokedAgentId),
    },
    directory: createDirectory({ baseUrl: apiBaseUrl }),
    webhook: webhookFromEnv(value(ExampleEnv.webhookUrl), value(ExampleEnv.webhookPort)),
    get ses() {
      const region = value(ExampleEnv.awsRegion);
      if (region === undefined) {
        throw new Error(`set ${ExampleEnv.awsRegion} (and AWS credentials) to send through SES`);
      }
      // maxAttempts: 1 leaves retries to the SDK's transport, which knows which are safe.
      ses ??= new SESClient({ region, maxAttempts: 1 });
      return ses;
    },
    runId: newRunId(),
  };
}

function webhookFromEnv(
  publicUrl: string | undefined,
  port: string | undefined,
): ExampleContext["webhook"] {
  if (publicUrl === undefined) return undefined;
  const parsed = port === undefined ? DEFAULT_WEBHOOK_PORT : Number(port);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 65_535) {
    throw new Error(`${ExampleEnv.webhookPort} must be a port number (1-65535)`);
  }
  return { publicUrl, port: parsed };
}
