import { parseArgs } from "node:util";
import { AgentMailError } from "@assmbl/core";
import { DEFAULTS, type SeedAgent } from "./options.js";
import { type DevServer, startDevServer } from "./server.js";

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

Starts a local AgentMail platform (the directory API) for development, with an
SES-compatible endpoint at the same URL: point an AWS SDK SESClient or SESv2Client at it
(endpoint: <url>, any credentials) and it keeps each message and delivers it to local agents.

Options:
  --port <n>            port to listen on (default ${DEFAULTS.cliPort}; 0 picks a free one)
  --host <host>         interface to listen on (default ${DEFAULTS.host})
  --mail-domain <dom>   domain of agents' addresses (default ${DEFAULTS.mailDomain})
  --agent <id[:token]>  seed an agent, with a generated token unless one is given (repeatable)
  -h, --help            print this help`;

/**
 * The `agentmail-dev` command: parses `argv` (without `node` and the script), starts the server,
 * prints its URL and each seeded agent's token, and returns the running server (`undefined` after
 * `--help`). The caller stops it.
 *
 * @example
 * const server = await runCli(["--port", "0", "--agent", "my-agent"], { log: console.log });
 * // AgentMail dev server listening on http://127.0.0.1:40123 (mail domain agents.localhost)
 * //   my-agent  token amdev_...
 * await server?.stop();
 * @throws {AgentMailError} `invalid_options` for unknown flags or bad values.
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
  const server = await startDevServer({
    port: parsePort(values.port),
    ...(values.host === undefined ? {} : { host: values.host }),
    ...(values["mail-domain"] === undefined ? {} : { mailDomain: values["mail-domain"] }),
    agents: (values.agent ?? []).map(parseAgent),
  });
  log(`AgentMail dev server listening on ${server.url} (mail domain ${server.mailDomain})`);
  for (const [agentId, { token }] of Object.entries(server.agents)) {
    log(`  ${agentId}  token ${token}`);
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

function parseAgent(value: string): SeedAgent {
  const colon = value.indexOf(":");
  if (colon === -1) return { agentId: value };
  return { agentId: value.slice(0, colon), token: value.slice(colon + 1) };
}

function invalid(message: string): AgentMailError {
  return new AgentMailError({ code: "invalid_options", message: `agentmail-dev: ${message}` });
}
