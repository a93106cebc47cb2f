import { AgentMailError } from "@assmbl/core";
import { directoryKeyOf, parsePublicKey, toPem } from "@assmbl/crypto";
import type { RegisterInput } from "@assmbl/directory";
import type { Command } from "commander";
import { type CliConfig, CliEnv, directoryFor, privateKey, required } from "../config.js";
import type { CommandContext } from "../context.js";
import { printResult } from "../io.js";
import { readCapped } from "../safe-files.js";

// An armored public key is a few KiB; the directory refuses more than 64 KiB anyway.
const MAX_PUBLIC_KEY_FILE_BYTES = 256 * 1024;

/**
 * `agentmail register`, `agentmail rotate` and `agentmail revoke`: the agent's own entry in the
 * directory (needs AGENTMAIL_TOKEN). The public key comes from `--public-key-file`, by default
 * the `.public.asc` beside the private key file that `keygen` wrote.
 *
 * @example
 * registerDirectoryCommands(program, context); // agentmail register --public-key-file me.public.asc
 */
export function registerDirectoryCommands(program: Command, context: CommandContext): void {
  program
    .command("register")
    .description("publish this agent's first key in the directory (key version 1)")
    .option(
      "--public-key-file <file>",
      "the armored public key (default: beside the private key file, .public.asc)",
    )
    .option("--allow-pgpy-incompatible-key", "register a key agents on the Python SDK cannot use")
    .action(async (options: KeyFileOptions, command: Command) => {
      const config = context.config(command);
      const input = await registrationOf(config, options.publicKeyFile);
      const result = await directoryFor(config).register(
        { ...input, keyVersion: 1, ifMatchVersion: null },
        { allowPgpyIncompatibleKey: options.allowPgpyIncompatibleKey === true },
      );
      printResult(
        context.io,
        config,
        result,
        `registered ${result.agentId} key version ${result.keyVersion} (${result.keyFingerprintSha256})`,
      );
    });

  program
    .command("rotate")
    .description("replace this agent's key with a new one (key version current + 1)")
    .requiredOption(
      "--new-private-key-file <file>",
      "the new private key (from keygen); its .public.asc is registered",
    )
    .option(
      "--public-key-file <file>",
      "the new armored public key (default: beside the new private key file)",
    )
    .option("--allow-pgpy-incompatible-key", "register a key agents on the Python SDK cannot use")
    .addHelpText(
      "after",
      `\nAfterwards point ${CliEnv.privateKeyFile} at the new private key file.`,
    )
    .action(async (options: KeyFileOptions & { newPrivateKeyFile: string }, command: Command) => {
      const config = context.config(command);
      const agentId = required(config.agentId, CliEnv.agentId, "--agent-id");
      const next = {
        ...config,
        privateKeyFile: options.newPrivateKeyFile,
        privateKeyArmored: undefined,
      };
      const input = await registrationOf(next, options.publicKeyFile);
      const directory = directoryFor(config);
      // The version the registration replaces: ifMatchVersion makes a concurrent rotation fail
      // (key_version_conflict) instead of silently overwriting it.
      const current = await directory.lookup(agentId, { refresh: true });
      const result = await directory.register(
        { ...input, keyVersion: current.keyVersion + 1, ifMatchVersion: current.keyVersion },
        { allowPgpyIncompatibleKey: options.allowPgpyIncompatibleKey === true },
      );
      printResult(
        context.io,
        config,
        result,
        `rotated ${result.agentId} to key version ${result.keyVersion} (${result.keyFingerprintSha256})`,
      );
    });

  program
    .command("revoke")
    .description("revoke this agent's key: peers stop encrypting to it")
    .requiredOption(
      "--yes",
      "confirm: nothing can be encrypted to this agent until it registers a new key",
    )
    .action(async (_options: unknown, command: Command) => {
      const config = context.config(command);
      const result = await directoryFor(config).revoke();
      printResult(context.io, config, result, `revoked the key of ${result.agentId}`);
    });
}

interface KeyFileOptions {
  publicKeyFile?: string;
  allowPgpyIncompatibleKey?: boolean;
}

/**
 * The directory fields of a public key file, checked against the configured private key (when
 * there is one) so an agent never publishes a key it cannot decrypt with.
 */
async function registrationOf(
  config: CliConfig,
  publicKeyFile: string | undefined,
): Promise<Pick<RegisterInput, "publicKey" | "algorithm" | "openpgpPublicKey">> {
  const path =
    publicKeyFile ??
    config.privateKeyFile?.replace(/\.private\.asc$/, ".public.asc") ??
    required<string>(undefined, "--public-key-file");
  if (path === config.privateKeyFile) {
    throw new AgentMailError({
      code: "invalid_options",
      message: "give --public-key-file: the private key file is not named *.private.asc",
    });
  }
  const armored = await readSmallFile(path);
  const key = await parsePublicKey(armored);
  const own = (await privateKey(config))?.fingerprint;
  if (own !== undefined && own !== key.getFingerprint()) {
    throw new AgentMailError({
      code: "key_identity_mismatch",
      message: `${path} is not the public half of the private key (fingerprints differ)`,
    });
  }
  const { spkiDer, algorithm } = directoryKeyOf(key);
  return { publicKey: toPem(spkiDer), algorithm, openpgpPublicKey: armored };
}

async function readSmallFile(path: string): Promise<string> {
  try {
    // One handle, regular files only, capped: stat's size means nothing on procfs.
    return (await readCapped(path, MAX_PUBLIC_KEY_FILE_BYTES)).toString("utf8");
  } catch (error) {
    throw new AgentMailError({
      code: "invalid_options",
      message: `cannot read the key file ${(error as Error).message}`,
    });
  }
}
