import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { AgentMailError } from "@assmbl/core";
import { generateKeyPair } from "@assmbl/crypto";
import type { Command } from "commander";
import { CliEnv } from "../config.js";
import type { CommandContext } from "../context.js";
import { UsageError } from "../exit-codes.js";
import { printResult } from "../io.js";
import { FileRefused, makeFolder } from "../safe-files.js";

/**
 * `agentmail keygen --name NAME --email ADDRESS [--out DIR]`: a new OpenPGP key pair. The private
 * key goes to `<out>/<local part>.private.asc` with mode 0600 (protected by
 * AGENTMAIL_PGP_PASSPHRASE when it is set), the public key beside it as `.public.asc`. An
 * existing file is never replaced: the command fails with `invalid_options` instead.
 *
 * @example
 * registerKeygen(program, context); // agentmail keygen --name "My Agent" --email my-agent@agents.example.com
 */
export function registerKeygen(program: Command, context: CommandContext): void {
  program
    .command("keygen")
    .description(
      "generate an OpenPGP key pair: the private key is written with mode 0600 (never over an existing file), the public key beside it",
    )
    .requiredOption("--name <name>", "the name in the key's user id")
    .requiredOption("--email <address>", "the agent's address, <agent id>@<mail domain>")
    .option("--out <dir>", "the folder to write the keys to", ".")
    .addHelpText(
      "after",
      `\nThe private key is protected with ${CliEnv.passphrase} when that variable is set.\nThen: ${CliEnv.privateKeyFile}=<out>/<local part>.private.asc agentmail register`,
    )
    .action(async (options: { name: string; email: string; out: string }, command: Command) => {
      const config = context.config(command);
      const passphrase = config.passphrase?.reveal();
      const keys = await generateKeyPair({
        name: options.name,
        email: options.email,
        ...(passphrase ? { passphrase } : {}),
      });
      // The last component only, never under /proc, /sys or /dev (a recursive mkdir loops on procfs).
      const dir = await makeFolder(resolve(options.out)).catch((error: unknown) => {
        if (error instanceof FileRefused) throw new UsageError(`--out: ${error.message}`);
        throw error;
      });
      const base = options.email.split("@")[0] ?? "agent";
      const privatePath = join(dir, `${base}.private.asc`);
      const publicPath = join(dir, `${base}.public.asc`);
      // "wx": fail if the file exists, so no key is ever replaced; 0600 from its creation on.
      await writeNew(privatePath, keys.privateKeyArmored, 0o600);
      await writeNew(publicPath, keys.publicKeyArmored, 0o644);
      const result = {
        privateKeyFile: privatePath,
        publicKeyFile: publicPath,
        fingerprint: keys.fingerprint,
        algorithm: keys.algorithm,
        keyFingerprintSha256: keys.keyFingerprintSha256,
        passphraseProtected: passphrase !== undefined,
      };
      printResult(
        context.io,
        config,
        result,
        [
          `private key: ${privatePath} (mode 0600${passphrase ? ", passphrase-protected" : ""})`,
          `public key:  ${publicPath}`,
          `fingerprint: ${keys.fingerprint} (${keys.algorithm})`,
          `next: export ${CliEnv.privateKeyFile}=${privatePath} and run \`agentmail register\``,
        ].join("\n"),
      );
    });
}

async function writeNew(path: string, text: string, mode: number): Promise<void> {
  try {
    await writeFile(path, text, { flag: "wx", mode });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new AgentMailError({
      code: code === "EEXIST" ? "invalid_options" : "file_write_failed",
      message:
        code === "EEXIST"
          ? `${path} exists: keygen never replaces a key (choose another --out)`
          : `cannot write ${path}: ${code ?? "error"}`,
    });
  }
}
