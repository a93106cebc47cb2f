/**
 * The CLI's configuration: one loader for every command and for `agentmail mcp`.
 *
 * Stable exports (the MCP server in src/mcp/** builds on them; keep these names):
 * - `loadConfig(env, flags)`: a checked {@link CliConfig} from the environment and global flags.
 * - `type CliConfig`: settings in clear; secrets only behind {@link Secret} (redacted when printed).
 * - `apiClient(config)`: the AgentMail API client of the configured agent (inbox, messages).
 * - `directoryFor(config)`: the directory client (with the token, so register/revoke work).
 * - `mailerFor(config, via, options?)`: a mailer sending as the configured agent through "api" or "ses".
 * - `privateKey(config)`: the configured agent's unlocked OpenPGP private key (or undefined).
 * - `requirePrivateKey(config)`: the same, failing `invalid_options` when none is configured.
 *
 * Environment (the examples' variables, plus the key's):
 * | variable | flag | what |
 * |---|---|---|
 * | AGENTMAIL_API_BASE_URL | --api-base-url | the AgentMail API |
 * | AGENTMAIL_TOKEN | (env only: a flag would show in `ps`) | the agent's bearer token |
 * | MAIL_DOMAIN | --mail-domain | the platform's mail domain |
 * | AGENTMAIL_AGENT_ID | --agent-id | the agent the token belongs to (From is `<id>@MAIL_DOMAIN`) |
 * | AGENTMAIL_PRIVATE_KEY_FILE | --private-key-file | the agent's armored private key (file) |
 * | AGENTMAIL_PRIVATE_KEY | (env only) | the same, armored in the variable (used when no file) |
 * | AGENTMAIL_PGP_PASSPHRASE | (env only) | the key's passphrase |
 * | AWS_REGION | (env) | SES region; credentials from the AWS default chain |
 * | AWS_ENDPOINT_URL_SES, AWS_ENDPOINT_URL | (env) | an SES endpoint (e.g. the dev server) |
 * | AGENTMAIL_MCP_FILES_DIR | (env) | `agentmail mcp`: the only folder attachments are read from / saved to |
 *
 * Secrets (token, private key, passphrase, AWS secret) are never printed: they are held in
 * {@link Secret}s whose `toString`, `toJSON` and `util.inspect` say `[redacted]`.
 */
import { inspect } from "node:util";
import { AgentMailError, createMailer, EnvVars, type Mailer, parseInput } from "@assmbl/core";
import { type AgentPrivateKey, loadPrivateKey, openpgpCrypto } from "@assmbl/crypto";
import { createDirectory, type Directory } from "@assmbl/directory";
import {
  type AgentMailClient,
  apiTransport,
  createAgentMailClient,
  type UploadProgress,
} from "@assmbl/transport-api";
import { sesTransport } from "@assmbl/transport-ses";
import { SESClient } from "@aws-sdk/client-ses";
import { z } from "zod";
import { FileRefused, readCapped } from "./safe-files.js";

/** The names of the variables the CLI reads. @example process.env[CliEnv.agentId] = "my-agent"; */
export const CliEnv = {
  apiBaseUrl: EnvVars.apiBaseUrl,
  token: EnvVars.token,
  mailDomain: "MAIL_DOMAIN",
  agentId: "AGENTMAIL_AGENT_ID",
  privateKeyFile: "AGENTMAIL_PRIVATE_KEY_FILE",
  privateKey: "AGENTMAIL_PRIVATE_KEY",
  passphrase: "AGENTMAIL_PGP_PASSPHRASE",
  awsRegion: "AWS_REGION",
  sesEndpoint: "AWS_ENDPOINT_URL_SES",
  awsEndpoint: "AWS_ENDPOINT_URL",
  webhookSecret: "AGENTMAIL_WEBHOOK_SECRET",
  mcpFilesDir: "AGENTMAIL_MCP_FILES_DIR",
} as const;

/** An armored private key file larger than this is not a key: refuse before reading it all. */
const MAX_KEY_FILE_BYTES = 1024 * 1024;

/**
 * A secret value that never prints itself.
 *
 * @example
 * const token = new Secret("am_live_x"); String(token) === "[redacted]"; token.reveal() === "am_live_x";
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  /** The value itself: pass it to a client, never to output. */
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return "[redacted]";
  }
  toJSON(): string {
    return "[redacted]";
  }
  [inspect.custom](): string {
    return "[redacted]";
  }
}

/**
 * The checked configuration. Unset settings are `undefined`; each helper names the variable it
 * needs when it is missing (`invalid_options`).
 *
 * @example
 * const config = loadConfig(process.env, { json: true });
 * config.agentId; // "my-agent"
 */
export interface CliConfig {
  apiBaseUrl: string | undefined;
  token: Secret | undefined;
  mailDomain: string | undefined;
  agentId: string | undefined;
  privateKeyFile: string | undefined;
  privateKeyArmored: Secret | undefined;
  passphrase: Secret | undefined;
  awsRegion: string | undefined;
  sesEndpoint: string | undefined;
  webhookSecret: Secret | undefined;
  /** The only folder the MCP server reads attachments from and saves them to (unset: none). */
  mcpFilesDir?: string | undefined;
  /** Machine output (`--json`). */
  json: boolean;
}

/**
 * The global flags (commander's camel-cased names).
 *
 * @example
 * const flags: CliFlags = { apiBaseUrl: "http://127.0.0.1:8025", json: true };
 */
export interface CliFlags {
  apiBaseUrl?: string | undefined;
  mailDomain?: string | undefined;
  agentId?: string | undefined;
  privateKeyFile?: string | undefined;
  json?: boolean | undefined;
}

const FlagsSchema = z.strictObject({
  apiBaseUrl: z.string().optional(),
  mailDomain: z.string().optional(),
  agentId: z.string().optional(),
  privateKeyFile: z.string().optional(),
  json: z.boolean().optional(),
});

const UrlSchema = z.url({ protocol: /^https?$/ });

/** The environment the configuration is read from (`process.env`, or a test's). */
export type Env = Record<string, string | undefined>;

/**
 * Reads the configuration: flags win over the environment; empty values count as unset.
 *
 * @example
 * const config = loadConfig(process.env, { privateKeyFile: "./my-agent.key.asc" });
 * @throws {AgentMailError} `invalid_options` for an unknown flag or a URL that is not http(s).
 */
export function loadConfig(env: Env, flags: CliFlags = {}): CliConfig {
  const checked = parseInput(FlagsSchema, flags, "CLI flags");
  const value = (name: string) => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const secret = (name: string) => {
    const v = env[name];
    return v?.trim() ? new Secret(v.trim()) : undefined;
  };
  const apiBaseUrl = checked.apiBaseUrl ?? value(CliEnv.apiBaseUrl);
  const sesEndpoint = value(CliEnv.sesEndpoint) ?? value(CliEnv.awsEndpoint);
  for (const [name, url] of [
    [CliEnv.apiBaseUrl, apiBaseUrl],
    [CliEnv.sesEndpoint, sesEndpoint],
  ] as const) {
    if (url !== undefined && !UrlSchema.safeParse(url).success) {
      throw new AgentMailError({
        code: "invalid_options",
        message: `${name} must be an http(s) URL`,
      });
    }
  }
  return {
    apiBaseUrl: apiBaseUrl?.replace(/\/+$/, ""),
    token: secret(CliEnv.token),
    mailDomain: checked.mailDomain ?? value(CliEnv.mailDomain),
    agentId: checked.agentId ?? value(CliEnv.agentId),
    privateKeyFile: checked.privateKeyFile ?? value(CliEnv.privateKeyFile),
    privateKeyArmored: secret(CliEnv.privateKey),
    passphrase: env[CliEnv.passphrase] ? new Secret(env[CliEnv.passphrase] ?? "") : undefined,
    awsRegion: value(CliEnv.awsRegion),
    sesEndpoint,
    webhookSecret: secret(CliEnv.webhookSecret),
    mcpFilesDir: value(CliEnv.mcpFilesDir),
    json: checked.json === true,
  };
}

/**
 * A setting the command needs, or `invalid_options` naming its variable.
 *
 * @example
 * const baseUrl = required(config.apiBaseUrl, CliEnv.apiBaseUrl, "--api-base-url");
 * @throws {AgentMailError} `invalid_options`.
 */
export function required<T>(value: T | undefined, variable: string, flag?: string): T {
  if (value === undefined) {
    throw new AgentMailError({
      code: "invalid_options",
      message: `set ${variable}${flag ? ` (or ${flag})` : ""}`,
    });
  }
  return value;
}

/**
 * The AgentMail API client of the configured agent.
 *
 * @example
 * const page = await apiClient(config).listInbox({ unread: true });
 * @throws {AgentMailError} `invalid_options` without AGENTMAIL_API_BASE_URL or AGENTMAIL_TOKEN.
 */
export function apiClient(config: CliConfig): AgentMailClient {
  return createAgentMailClient({
    baseUrl: required(config.apiBaseUrl, CliEnv.apiBaseUrl, "--api-base-url"),
    token: required(config.token, CliEnv.token).reveal(),
    mailDomain: config.mailDomain,
  });
}

/**
 * The directory client; with the token when one is set (register, rotate, revoke need it).
 *
 * @example
 * const record = await directoryFor(config).lookup("other-agent", { refresh: true });
 * @throws {AgentMailError} `invalid_options` without AGENTMAIL_API_BASE_URL.
 */
export function directoryFor(config: CliConfig): Directory {
  return createDirectory({
    baseUrl: required(config.apiBaseUrl, CliEnv.apiBaseUrl, "--api-base-url"),
    ...(config.token ? { token: config.token.reveal() } : {}),
  });
}

/**
 * The configured agent's unlocked private key: from `--private-key-file` /
 * AGENTMAIL_PRIVATE_KEY_FILE, else AGENTMAIL_PRIVATE_KEY; `undefined` when neither is set.
 *
 * @example
 * const key = await privateKey(config); // signs what is sent, decrypts what is read
 * @throws {AgentMailError} `invalid_options` (unreadable or oversized file), `invalid_private_key`,
 * `bad_passphrase`.
 */
export async function privateKey(config: CliConfig): Promise<AgentPrivateKey | undefined> {
  const armored = await privateKeyText(config);
  if (armored === undefined) return undefined;
  return loadPrivateKey(armored, config.passphrase?.reveal());
}

/**
 * {@link privateKey}, required.
 *
 * @example
 * const key = await requirePrivateKey(config);
 * @throws {AgentMailError} `invalid_options` when no key is configured, and `privateKey`'s codes.
 */
export async function requirePrivateKey(config: CliConfig): Promise<AgentPrivateKey> {
  const key = await privateKey(config);
  return required(key, CliEnv.privateKeyFile, "--private-key-file");
}

/**
 * The configured private key's armored text (file, else variable), not unlocked; undefined when
 * none is configured. The MCP server uses it to refuse sending the key's own lines.
 *
 * @example
 * const armored = await privateKeyText(config);
 * @throws {AgentMailError} `invalid_options` (unreadable or oversized file).
 */
export async function privateKeyText(config: CliConfig): Promise<string | undefined> {
  const file = config.privateKeyFile;
  if (file === undefined) return config.privateKeyArmored?.reveal();
  try {
    // Through one handle, capped: a size from stat means nothing on procfs.
    return (await readCapped(file, MAX_KEY_FILE_BYTES)).toString("utf8");
  } catch (error) {
    const why = error instanceof FileRefused && error.reason !== "unreadable";
    throw new AgentMailError({
      code: "invalid_options",
      message: why
        ? `${file} is not a private key file (not a regular file, or over 1 MiB)`
        : `cannot read the private key file ${file}: ${(error as Error).message.split(": ").pop() ?? "error"}`,
    });
  }
}

/** How a mail goes out: `/send` of the AgentMail API, or SES `SendRawEmail`. */
export type Via = "api" | "ses";

/**
 * Options of {@link mailerFor}.
 *
 * @example
 * const options: MailerForOptions = { onUploadProgress: (p) => console.error(p.filename) };
 */
export interface MailerForOptions {
  /** API transport only: called as each attachment's bytes go out. */
  onUploadProgress?: ((progress: UploadProgress) => void) | undefined;
}

/**
 * A mailer sending as the configured agent (`<AGENTMAIL_AGENT_ID>@<MAIL_DOMAIN>`), looking keys
 * up in the directory and signing with the private key when one is configured.
 *
 * @example
 * const mailer = await mailerFor(config, "api");
 * await mailer.send({ to: "other-agent@agents.example.com", subject: "Hi", text: "Hello", encrypt: true });
 * @throws {AgentMailError} `invalid_options` naming a missing variable, and `privateKey`'s codes.
 */
export async function mailerFor(
  config: CliConfig,
  via: Via,
  options: MailerForOptions = {},
): Promise<Mailer> {
  const agentId = required(config.agentId, CliEnv.agentId, "--agent-id");
  const mailDomain = required(config.mailDomain, CliEnv.mailDomain, "--mail-domain");
  const transport =
    via === "api"
      ? apiTransport({
          baseUrl: required(config.apiBaseUrl, CliEnv.apiBaseUrl, "--api-base-url"),
          token: required(config.token, CliEnv.token).reveal(),
          ...(options.onUploadProgress ? { onUploadProgress: options.onUploadProgress } : {}),
        })
      : sesTransport({ client: sesClient(config) });
  const signingKey = await privateKey(config);
  return createMailer(transport, {
    from: `${agentId}@${mailDomain}`,
    mailDomain,
    directory: directoryFor(config),
    crypto: openpgpCrypto(signingKey ? { signingKey } : {}),
  });
}

function sesClient(config: CliConfig): SESClient {
  const region = required(config.awsRegion, CliEnv.awsRegion);
  // maxAttempts: 1 leaves retries to the SDK's transport, which knows which are safe.
  return new SESClient({
    region,
    maxAttempts: 1,
    ...(config.sesEndpoint ? { endpoint: config.sesEndpoint } : {}),
  });
}
