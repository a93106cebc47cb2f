// What every tool needs, made once per server from the CLI's configuration: the API client, the
// directory, a mailer over the API, the private key (loaded on first use, once), and the list of
// secrets no tool result may carry. Tools depend on this small shape, not on CliConfig.
import type { Mailer } from "@assmbl/core";
import type { AgentPrivateKey } from "@assmbl/crypto";
import type { Directory } from "@assmbl/directory";
import type { AgentMailClient } from "@assmbl/transport-api";
import {
  apiClient,
  type CliConfig,
  CliEnv,
  directoryFor,
  mailerFor,
  privateKey,
  privateKeyText,
  required,
} from "../config.js";

/**
 * The configured agent's clients, as the MCP tools use them.
 *
 * @example
 * const context = mcpContext(loadConfig(process.env));
 * const page = await context.client.listInbox({ limit: 10 });
 */
export interface McpContext {
  agentId: string;
  mailDomain: string;
  client: AgentMailClient;
  directory: Directory;
  /** The mailer sending as the agent through the AgentMail API (made on first use). */
  mailer(): Promise<Mailer>;
  /** The agent's unlocked private key, or undefined when none is configured (loaded once). */
  privateKey(): Promise<AgentPrivateKey | undefined>;
  /** Every configured secret value, to scrub from anything a tool returns. */
  secrets: readonly string[];
  /** AGENTMAIL_MCP_FILES_DIR: the only folder tools read files from and save files to. */
  filesDir: string | undefined;
  /**
   * What no outgoing text or attachment may contain: the secrets, and each base64 line of the
   * configured private key's armor (read once).
   */
  secretMarkers(): Promise<readonly string[]>;
}

/**
 * Checks the settings the server needs and builds its {@link McpContext}. Secrets stay in the
 * clients; `secrets` lists them only so results can be scrubbed.
 *
 * @example
 * const context = mcpContext(config);
 * @throws {AgentMailError} `invalid_options` naming the first missing variable
 * (AGENTMAIL_API_BASE_URL, AGENTMAIL_TOKEN, AGENTMAIL_AGENT_ID, MAIL_DOMAIN).
 */
export function mcpContext(config: CliConfig): McpContext {
  const agentId = required(config.agentId, CliEnv.agentId, "--agent-id");
  const mailDomain = required(config.mailDomain, CliEnv.mailDomain, "--mail-domain");
  const client = apiClient(config);
  const directory = directoryFor(config);
  const secrets = [config.token, config.passphrase, config.privateKeyArmored, config.webhookSecret]
    .map((secret) => secret?.reveal())
    .filter((value): value is string => value !== undefined && value.length > 0);
  let mailer: Promise<Mailer> | undefined;
  let key: Promise<AgentPrivateKey | undefined> | undefined;
  let markers: Promise<readonly string[]> | undefined;
  const once = <T>(make: () => Promise<T>, reset: () => void): Promise<T> => {
    const made = make();
    // A failed load (a wrong passphrase) is retried on the next call, not cached forever.
    made.catch(reset);
    return made;
  };
  return {
    agentId,
    mailDomain,
    client,
    directory,
    mailer: () => {
      mailer ??= once(
        () => mailerFor(config, "api"),
        () => {
          mailer = undefined;
        },
      );
      return mailer;
    },
    privateKey: () => {
      key ??= once(
        () => privateKey(config),
        () => {
          key = undefined;
        },
      );
      return key;
    },
    secrets,
    filesDir: config.mcpFilesDir,
    secretMarkers: () => {
      markers ??= once(
        async () => [...secrets, ...armorLines(await privateKeyText(config))],
        () => {
          markers = undefined;
        },
      );
      return markers;
    },
  };
}

// The armor's base64 lines: any one of them found in an outgoing message means the key file (or
// a copy) is going out. Short lines (the checksum, a last partial line) would match by chance.
function armorLines(armored: string | undefined): string[] {
  if (armored === undefined) return [];
  return armored
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length >= 24 && /^[A-Za-z0-9+/=]+$/.test(line));
}
