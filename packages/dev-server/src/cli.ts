import { parseArgs } from "node:util";
import { AgentMailError, parseInput } from "@assmbl/core";
import { seedWithKeys } from "./cli-keys.js";
import { deliveryLines, requestLine } from "./cli-log.js";
import type { DevFaults } from "./faults.js";
import {
  DEFAULTS,
  type DevServerOptions,
  DevServerOptionsSchema,
  type SeedAgent,
} from "./options.js";
import { type DevServer, startDevServer } from "./server.js";
import { MAX_SES_MAX_SEND_RATE } from "./ses/send-rate.js";
import { webInboxUrl } from "./web-inbox/auth.js";

/**
 * Where {@link runCli} prints.
 *
 * @example
 * const io: CliIo = { log: (line) => lines.push(line) };
 */
export interface CliIo {
  /** One line of output; default `console.log`. */
  log?: (line: string) => void;
}

/** The `agentmail-dev --help` text. */
export const USAGE = `Usage: agentmail-dev [options]

Starts a local AgentMail platform for development: the directory API, /send, attachment
uploads and downloads, the inbox and message routes, and an SES-compatible endpoint at the same
URL: point an AWS SDK SESClient or SESv2Client at it (endpoint: <url>, any region) with the SES
credentials printed for an agent, and it keeps each message and delivers it to local agents. Each
agent's credentials send only as <agent-id>@<mail-domain>. Mail to other domains is not delivered:
it is kept in the sender's outbound list (GET /outbound), where the real platform would hand it
to SES. One line is printed per request (method, path, status, agent) and per accepted message
(where it went); tokens, signatures, keys and message text are never printed in them.
The web inbox (every agent's messages, live) opens at the printed URL in a browser on this
machine; its token is printed once and is no agent's token.

Options:
  --port <n>                      port to listen on (default ${DEFAULTS.cliPort}; 0 picks a free one)
  --host <host>                   interface to listen on (default ${DEFAULTS.host})
  --mail-domain <dom>             domain of agents' addresses (default ${DEFAULTS.mailDomain})
  --agent <id[:token]>            seed an agent, with a generated token unless one is given (repeatable)
  --with-keys                     generate and register an OpenPGP key pair for each --agent; each
                                  private key (no passphrase) goes to <keys-dir>/<id>.private.asc, mode 0600
  --keys-dir <dir>                where --with-keys writes (default: a new folder in the temp dir)
  -q, --quiet                     no line per request or delivery
  --attachment-processing-ms <n>  attachments report "pending" this long after delivery (default 0)
  --ses-max-send-rate <n>         the SES endpoint answers Throttling "Maximum sending rate exceeded."
                                  past n sends in any second (all agents together); GetSendQuota
                                  and GetAccount report n (default: no limit, 14 reported)
  --latency-ms <n>                delay every API request by n milliseconds
  --fail-rate <0..1>              share of API requests answered 503 (nothing done)
  --rate-limit-rate <0..1>        share of API requests answered 429 (nothing done)
  --drop-response-rate <0..1>     share of API requests handled, then left unanswered (connection cut)
  -h, --help                      print this help`;

/**
 * The `agentmail-dev` command: parses `argv` (without `node` and the script), starts the server,
 * prints its URL and each seeded agent's token and SES credentials, and returns the running server (`undefined` after
 * `--help`). The caller stops it.
 *
 * @example
 * const server = await runCli(["--port", "0", "--agent", "my-agent", "--with-keys"], { log: console.log });
 * // AgentMail dev server listening on http://127.0.0.1:40123 (mail domain agents.localhost)
 * //   web inbox (open in a browser on this machine): http://127.0.0.1:40123/?token=amui_...
 * //   my-agent  token amdev_...  ses-access-key-id AKIADEV...  ses-secret-access-key ...
 * // Private keys (OpenPGP, no passphrase, mode 0600) in /tmp/agentmail-dev-keys-Ab12Cd:
 * //   my-agent  /tmp/agentmail-dev-keys-Ab12Cd/my-agent.private.asc
 * // then one line per request and per delivery, e.g.
 * // mail api 5f0c...@agents.localhost from my-agent: outbound (not served here): x@agents.example.com
 * // POST /send 200 my-agent
 * await server?.stop();
 * @throws {AgentMailError} `invalid_options` for unknown flags or bad values, or a key file that
 * exists already.
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo = {},
): Promise<DevServer | undefined> {
  const log = io.log ?? ((line: string) => console.log(line));
  let values: {
    port?: string;
    host?: string;
    "mail-domain"?: string;
    agent?: string[];
    "attachment-processing-ms"?: string;
    "ses-max-send-rate"?: string;
    "latency-ms"?: string;
    "fail-rate"?: string;
    "rate-limit-rate"?: string;
    "drop-response-rate"?: string;
    "with-keys"?: boolean;
    "keys-dir"?: string;
    quiet?: boolean;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: "string" },
        host: { type: "string" },
        "mail-domain": { type: "string" },
        agent: { type: "string", multiple: true },
        "attachment-processing-ms": { type: "string" },
        "ses-max-send-rate": { type: "string" },
        "latency-ms": { type: "string" },
        "fail-rate": { type: "string" },
        "rate-limit-rate": { type: "string" },
        "drop-response-rate": { type: "string" },
        "with-keys": { type: "boolean" },
        "keys-dir": { type: "string" },
        quiet: { type: "boolean", short: "q" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    throw invalid(`${(error as Error).message}\n\n${USAGE}`);
  }
  if (values.help) {
    log(USAGE);
    return undefined;
  }
  const options: DevServerOptions = {
    port: parsePort(values.port),
    ...(values.host === undefined ? {} : { host: values.host }),
    ...(values["mail-domain"] === undefined ? {} : { mailDomain: values["mail-domain"] }),
    agents: (values.agent ?? []).map(parseAgent),
    ...optional("attachmentProcessingMs", milliseconds("attachment-processing-ms", values)),
    ...optional("sesMaxSendRate", sendRate(values)),
    faults: {
      ...optional("latencyMs", milliseconds("latency-ms", values)),
      ...optional("failRate", rate("fail-rate", values)),
      ...optional("rateLimitRate", rate("rate-limit-rate", values)),
      ...optional("dropResponseRate", rate("drop-response-rate", values)),
    } satisfies DevFaults,
  };
  if (values["keys-dir"] !== undefined && !values["with-keys"]) {
    throw invalid("--keys-dir is where --with-keys writes; give --with-keys too");
  }
  let keys: Awaited<ReturnType<typeof seedWithKeys>> | undefined;
  if (values["with-keys"]) {
    if (options.agents?.length === 0) throw invalid("--with-keys needs at least one --agent");
    // Checked first: the keys' user ids name each agent's address on the mail domain.
    const checked = parseInput(DevServerOptionsSchema, options, "startDevServer options");
    keys = await seedWithKeys(
      checked.agents ?? [],
      checked.mailDomain ?? DEFAULTS.mailDomain,
      values["keys-dir"],
    );
    options.agents = keys.keyed.map((entry) => entry.seed);
  }
  const server = await startDevServer({
    ...options,
    ...(values.quiet
      ? {}
      : {
          onRequest: (entry) => log(requestLine(entry)),
          onDelivery: (report) => {
            for (const line of deliveryLines(report)) log(line);
          },
        }),
  });
  log(`AgentMail dev server listening on ${server.url} (mail domain ${server.mailDomain})`);
  // The UI token in it opens the web inbox (every agent's mail) to a browser on this machine.
  log(`  web inbox (open in a browser on this machine): ${webInboxUrl(server)}`);
  // Printed once at start for the developer to copy; never part of any request log line.
  for (const [agentId, { token, ses }] of Object.entries(server.agents)) {
    log(
      `  ${agentId}  token ${token}  ses-access-key-id ${ses.accessKeyId}  ses-secret-access-key ${ses.secretAccessKey}`,
    );
  }
  if (keys) {
    log(`Private keys (OpenPGP, no passphrase, mode 0600) in ${keys.dir}:`);
    for (const { seed, privateKeyPath } of keys.keyed) {
      log(`  ${seed.agentId.toLowerCase()}  ${privateKeyPath}`);
    }
  }
  return server;
}

function parsePort(value: string | undefined): number {
  if (value === undefined) return DEFAULTS.cliPort;
  const port = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!(port >= 0 && port <= 65_535))
    throw invalid(`--port must be 0-65535, not ${JSON.stringify(value)}`);
  return port;
}

/** `{ [key]: value }`, or `{}` for an absent value (the options are exactOptionalPropertyTypes). */
function optional<K extends string>(key: K, value: number | undefined): { [P in K]?: number } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: number });
}

function milliseconds(flag: string, values: Record<string, unknown>): number | undefined {
  const value = values[flag];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !/^\d{1,9}$/.test(value)) {
    throw invalid(`--${flag} must be a whole number of milliseconds, not ${JSON.stringify(value)}`);
  }
  return Number(value);
}

function sendRate(values: Record<string, unknown>): number | undefined {
  const value = values["ses-max-send-rate"];
  if (value === undefined) return undefined;
  const number = typeof value === "string" && /^\d{1,6}$/.test(value) ? Number(value) : Number.NaN;
  if (!(number >= 1 && number <= MAX_SES_MAX_SEND_RATE)) {
    throw invalid(
      `--ses-max-send-rate must be a whole number of sends per second from 1 to ${MAX_SES_MAX_SEND_RATE}, not ${JSON.stringify(value)}`,
    );
  }
  return number;
}

function rate(flag: string, values: Record<string, unknown>): number | undefined {
  const value = values[flag];
  if (value === undefined) return undefined;
  const number =
    typeof value === "string" && /^\d*\.?\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(number >= 0 && number <= 1)) {
    throw invalid(`--${flag} must be a number from 0 to 1, not ${JSON.stringify(value)}`);
  }
  return number;
}

function parseAgent(value: string): SeedAgent {
  const colon = value.indexOf(":");
  if (colon === -1) return { agentId: value };
  return { agentId: value.slice(0, colon), token: value.slice(colon + 1) };
}

function invalid(message: string): AgentMailError {
  return new AgentMailError({ code: "invalid_options", message: `agentmail-dev: ${message}` });
}
