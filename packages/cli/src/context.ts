import type { Command } from "commander";
import { type CliConfig, type CliFlags, loadConfig } from "./config.js";
import type { CliIo } from "./io.js";

/**
 * What every command's action gets: the streams and the configuration of the run.
 *
 * @example
 * const config = context.config(command); // env + global flags, checked
 */
export interface CommandContext {
  io: CliIo;
  /** The configuration from the environment and the global flags seen by `command`. */
  config(command: Command): CliConfig;
  /** Set by `agentmail mcp`: the process must stay up after the action returns. */
  keepAlive: boolean;
}

/**
 * A context over `io`.
 *
 * @example
 * const context = commandContext({ env: process.env, stdin, stdout, stderr });
 */
export function commandContext(io: CliIo): CommandContext {
  return {
    io,
    keepAlive: false,
    config(command) {
      const { json, apiBaseUrl, mailDomain, agentId, privateKeyFile } =
        command.optsWithGlobals<CliFlags>();
      return loadConfig(io.env, { json, apiBaseUrl, mailDomain, agentId, privateKeyFile });
    },
  };
}
