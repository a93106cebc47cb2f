// `agentmail-dev --with-keys`: a key pair for each seeded agent, registered with the directory,
// its private key written where the developer can load it. Dev keys: written without a
// passphrase (a printed-once passphrase would sit in the same terminal as the tokens and add
// nothing), readable by the owner only (file 0600, folder 0700), never printed.
import { mkdir, mkdtemp, open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { AgentMailError } from "@assmbl/core";
import { generateKeyPair } from "@assmbl/crypto";
import type { SeedAgent } from "./options.js";

/** A seed agent with its generated key registered, and where its private key was written. */
export interface KeyedSeed {
  seed: SeedAgent;
  privateKeyPath: string;
}

/**
 * Generates an OpenPGP key pair (Ed25519 + Curve25519, v4) per agent, writes each armored private
 * key to `<dir>/<agent-id>.private.asc` (mode 0600, created new: an existing file is never
 * overwritten), and returns the seeds with the public halves to register.
 *
 * @example
 * const keyed = await seedWithKeys([{ agentId: "my-agent" }], "agents.localhost", undefined);
 * keyed[0]?.privateKeyPath; // "/tmp/agentmail-dev-keys-Ab12Cd/my-agent.private.asc"
 * @throws {AgentMailError} `invalid_options` when a key file exists already or cannot be written.
 */
export async function seedWithKeys(
  seeds: readonly SeedAgent[],
  mailDomain: string,
  keysDir: string | undefined,
): Promise<{ dir: string; keyed: KeyedSeed[] }> {
  const dir =
    keysDir === undefined ? await mkdtemp(join(tmpdir(), "agentmail-dev-keys-")) : resolve(keysDir);
  if (keysDir !== undefined) {
    await mkdir(dir, { recursive: true, mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
      throw invalid(`--keys-dir ${dir} cannot be created (${error.code ?? "error"})`, error);
    });
  }
  const keyed: KeyedSeed[] = [];
  for (const seed of seeds) {
    const agentId = seed.agentId.toLowerCase();
    const keys = await generateKeyPair({ name: agentId, email: `${agentId}@${mailDomain}` });
    const path = join(dir, `${agentId}.private.asc`);
    await writeNew(path, keys.privateKeyArmored);
    keyed.push({
      seed: {
        ...seed,
        publicKey: keys.directoryPublicKeyPem,
        algorithm: keys.algorithm,
        openpgpPublicKey: keys.publicKeyArmored,
      },
      privateKeyPath: path,
    });
  }
  return { dir, keyed };
}

/** Writes `text` to a new file that only its owner can read; an existing file is an error. */
async function writeNew(path: string, text: string): Promise<void> {
  let file: Awaited<ReturnType<typeof open>>;
  try {
    file = await open(path, "wx", 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw invalid(
      code === "EEXIST"
        ? `${path} exists already; delete it or give another --keys-dir`
        : `cannot write ${path} (${code ?? "error"})`,
      error,
    );
  }
  try {
    // The mode given to open() is masked by the umask; set it outright.
    await file.chmod(0o600);
    await file.writeFile(text, "utf8");
  } finally {
    await file.close();
  }
}

function invalid(message: string, cause: unknown): AgentMailError {
  return new AgentMailError({
    code: "invalid_options",
    message: `agentmail-dev: ${message}`,
    cause,
  });
}
