// A throwaway GnuPG home for interoperability tests: the real /usr/bin/gpg decrypts what this
// package sends. Used only by tests (it is not exported by the package).
import { execFile } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface GpgHome {
  importKey(armored: string): Promise<void>;
  /** `gpg --decrypt`: the plaintext bytes. */
  decrypt(input: string | Uint8Array): Promise<Buffer>;
  cleanup(): Promise<void>;
}

/**
 * Makes a temporary GNUPGHOME and runs gpg in it with `--batch --pinentry-mode loopback`.
 *
 * @example
 * const gpg = await createGpgHome();
 * await gpg.importKey(privateKeyArmored);
 * const plain = await gpg.decrypt(armored);
 */
export async function createGpgHome(): Promise<GpgHome> {
  const dir = await mkdtemp(join(tmpdir(), "transport-ses-gpg-"));
  await chmod(dir, 0o700);
  const env = { ...process.env, GNUPGHOME: dir, LC_ALL: "C" };
  const run = (args: string[], input: string | Uint8Array) =>
    new Promise<Buffer>((resolve, reject) => {
      const child = execFile(
        "gpg",
        ["--homedir", dir, "--batch", "--yes", "--pinentry-mode", "loopback", "--no-tty", ...args],
        { env, encoding: "buffer", maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) => {
          if (error) reject(new Error(`gpg ${args.join(" ")} failed: ${stderr.toString("utf8")}`));
          else resolve(stdout);
        },
      );
      child.stdin?.on("error", () => {});
      child.stdin?.end(input);
    });
  return {
    async importKey(armored) {
      await run(["--import"], armored);
    },
    decrypt: (input) => run(["--trust-model", "always", "--decrypt"], input),
    async cleanup() {
      await new Promise<void>((resolve) =>
        execFile("gpgconf", ["--homedir", dir, "--kill", "all"], { env }, () => resolve()),
      );
      await rm(dir, { recursive: true, force: true });
    },
  };
}
