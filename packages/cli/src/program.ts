import { Command, CommanderError, Option } from "commander";
import { registerDirectoryCommands } from "./commands/directory.js";
import { registerInboxCommands } from "./commands/inbox.js";
import { registerKeygen } from "./commands/keygen.js";
import { registerLookup } from "./commands/lookup.js";
import { registerSend } from "./commands/send.js";
import { registerWebhook } from "./commands/webhook.js";
import { CliEnv } from "./config.js";
import { type CommandContext, commandContext } from "./context.js";
import { ExitCode, errorLine, exitCodeOf } from "./exit-codes.js";
import { type CliIo, errorJson } from "./io.js";
import { runMcpServer } from "./mcp/server.js";

/**
 * The `agentmail` program over `context`: every command, with `--json` and the connection flags
 * global, and usage errors thrown (not exiting) so {@link run} picks the exit code.
 *
 * @example
 * const program = createProgram(commandContext(io)); await program.parseAsync(argv, { from: "user" });
 */
export function createProgram(context: CommandContext): Command {
  const { io } = context;
  const program = new Command("agentmail")
    .description(
      "AgentMail from the command line: end-to-end encrypted mail between agents (OpenPGP)",
    )
    .option("--json", "machine output: one JSON value on stdout")
    .addOption(new Option("--api-base-url <url>", `the AgentMail API (env ${CliEnv.apiBaseUrl})`))
    .addOption(
      new Option(
        "--agent-id <id>",
        `this agent's id (From is <id>@<mail domain>) (env ${CliEnv.agentId})`,
      ),
    )
    .addOption(
      new Option("--mail-domain <domain>", `the platform's mail domain (env ${CliEnv.mailDomain})`),
    )
    .addOption(
      new Option(
        "--private-key-file <file>",
        `this agent's armored private key (env ${CliEnv.privateKeyFile})`,
      ),
    )
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .addHelpText(
      "after",
      `
Environment: ${CliEnv.apiBaseUrl}, ${CliEnv.token}, ${CliEnv.mailDomain}, ${CliEnv.agentId},
${CliEnv.privateKeyFile} (or ${CliEnv.privateKey}), ${CliEnv.passphrase}, AWS_REGION (+ AWS credentials,
${CliEnv.sesEndpoint}) for --via ses, ${CliEnv.webhookSecret} for webhook verify.
Secrets are read from the environment only and never printed.
Exit codes: 0 ok, 1 refused by policy, 2 usage error, 3 network or platform error.`,
    );

  registerKeygen(program, context);
  registerDirectoryCommands(program, context);
  registerLookup(program, context);
  registerSend(program, context);
  registerInboxCommands(program, context);
  registerWebhook(program, context);
  program
    .command("mcp")
    .description(
      "run the MCP server over stdio (tools: send_message, list_inbox, read_message, lookup_agent, delete_message)",
    )
    .action(async (_flags: unknown, command: Command) => {
      context.keepAlive = true;
      await runMcpServer(context.config(command));
    });
  return program;
}

/**
 * Runs `agentmail` with `argv` (without `node` and the script) and returns the exit code; errors
 * are printed as `error [code]: message` on stderr (and as JSON on stdout with `--json`).
 *
 * @example
 * const { code } = await run(["lookup", "other-agent"], { env: process.env, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
 */
export async function run(
  argv: readonly string[],
  io: CliIo,
): Promise<{ code: number; keepAlive: boolean }> {
  const context = commandContext(io);
  const program = createProgram(context);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return { code: ExitCode.ok, keepAlive: context.keepAlive };
  } catch (error) {
    // The parsed option, not argv: `--text --json` sends the text "--json", it asks no JSON.
    const json = program.opts<{ json?: boolean }>().json === true;
    if (error instanceof CommanderError) {
      // Commander printed its own message (or the help) on stderr already.
      if (error.exitCode === 0) return { code: ExitCode.ok, keepAlive: false };
      if (json) {
        const message = error.message.replace(/^error: /, "");
        const usage = { error: { code: "invalid_options", message } };
        io.stdout.write(`${JSON.stringify(usage)}\n`);
      }
      return { code: ExitCode.usage, keepAlive: false };
    }
    io.stderr.write(errorLine(error));
    if (json) io.stdout.write(`${JSON.stringify(errorJson(error))}\n`);
    return { code: exitCodeOf(error), keepAlive: false };
  }
}
