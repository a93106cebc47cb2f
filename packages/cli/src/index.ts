export {
  apiClient,
  type CliConfig,
  CliEnv,
  type CliFlags,
  directoryFor,
  type Env,
  loadConfig,
  type MailerForOptions,
  mailerFor,
  privateKey,
  required,
  requirePrivateKey,
  Secret,
  type Via,
} from "./config.js";
export type { CommandContext } from "./context.js";
export { ExitCode, exitCodeOf } from "./exit-codes.js";
export type { CliIo } from "./io.js";
export { createProgram, run } from "./program.js";
