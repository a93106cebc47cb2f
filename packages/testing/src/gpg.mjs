// Over 300 lines on purpose: a test-only harness around one gpg and GNUPGHOME.
// The one GnuPG 2.2 harness of the repository's interoperability tests and the crypto benches:
// every helper runs the real /usr/bin/gpg against a throwaway GNUPGHOME. Plain JavaScript (types
// in gpg.d.mts) so that `node bench/*.mjs` can import it without a TypeScript loader.
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { chmod, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);
export const GPG = "/usr/bin/gpg";
export const GPGCONF = "/usr/bin/gpgconf";
/** Failure of a gpg run, with its arguments and diagnostics. */
export class GpgError extends Error {
  args;
  exitCode;
  stderr;
  name = "GpgError";
  constructor(args, exitCode, stderr) {
    super(`gpg ${args.join(" ")} exited with ${exitCode}:\n${stderr}`);
    this.args = args;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}
/**
 * Status lines (`[GNUPG:] KEYWORD args...`) of a gpg run with `--status-fd 2`, keyword first.
 *
 * @example
 * statusLines(result.stderr).find((fields) => fields[0] === "GOODSIG");
 */
export function statusLines(stderr) {
  return stderr
    .split("\n")
    .filter((line) => line.startsWith("[GNUPG:] "))
    .map((line) => line.slice("[GNUPG:] ".length).trim().split(" "));
}
/** The fields of the first status line with `keyword`, or undefined. */
export function statusOf(stderr, keyword) {
  return statusLines(stderr).find((fields) => fields[0] === keyword);
}
/**
 * The environment gpg runs in for a GNUPGHOME: C locale, so the tests can read its messages.
 *
 * @example
 * spawn(GPG, ["--decrypt"], { env: gpgEnv(home.dir) });
 */
export function gpgEnv(dir) {
  return { ...process.env, GNUPGHOME: dir, LC_ALL: "C", LANGUAGE: "C" };
}
/**
 * Makes a temporary GNUPGHOME (mode 700) and returns helpers that run /usr/bin/gpg in it.
 *
 * @example
 * const gpg = await createGpgHome();
 * const fpr = await gpg.generateKey("Bob <bob@example.test>");
 * afterAll(() => gpg.cleanup());
 */
export async function createGpgHome(options = {}) {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), "assmbl-gpg-")));
  // gpg refuses a home others can read; a given directory may not exist yet.
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const env = gpgEnv(dir);
  const common = (batch) => [
    "--homedir",
    dir,
    ...(batch ? ["--batch"] : []),
    "--yes",
    "--pinentry-mode",
    "loopback",
    "--no-tty",
  ];
  async function run(args, options = {}) {
    const argv = [...common(options.batch !== false), ...args];
    const promise = execFileAsync(GPG, argv, {
      encoding: "buffer",
      maxBuffer: 512 * 1024 * 1024,
      env,
    });
    const stdin = promise.child.stdin;
    if (stdin) {
      // gpg may exit before reading all of its input; that must not crash the test process.
      stdin.on("error", () => {});
      stdin.end(options.input ?? "");
    }
    try {
      const { stdout, stderr } = await promise;
      return { stdout, stderr: stderr.toString("utf8"), exitCode: 0 };
    } catch (error) {
      const failed = error;
      const exitCode = typeof failed.code === "number" ? failed.code : -1;
      const stderr = failed.stderr?.toString("utf8") ?? String(error);
      if (options.allowFailure && exitCode !== -1) {
        return { stdout: failed.stdout ?? Buffer.alloc(0), stderr, exitCode };
      }
      throw new GpgError(args, exitCode, stderr);
    }
  }
  const passphraseArgs = (passphrase) =>
    passphrase === undefined ? [] : ["--passphrase", passphrase];
  async function colons(query) {
    const { stdout } = await run(["--with-colons", "--fixed-list-mode", "--list-keys", query]);
    return stdout
      .toString("utf8")
      .split("\n")
      .map((line) => line.split(":"));
  }
  async function fingerprint(query) {
    const rows = await colons(query);
    const primaries = rows.filter((row) => row[0] === "pub");
    if (primaries.length !== 1) throw new Error(`${query} matches ${primaries.length} keys`);
    const index = rows.findIndex((row) => row[0] === "pub");
    const fpr = rows.slice(index).find((row) => row[0] === "fpr")?.[9];
    if (!fpr) throw new Error(`no fingerprint for ${query}`);
    return fpr;
  }
  async function subkeyIds(query) {
    return (await colons(query))
      .filter((row) => row[0] === "sub")
      .map((row) => row[4] ?? "")
      .filter((id) => id !== "");
  }
  // --quick-gen-key and --quick-add-key take the same trailing algo, usage and expiry.
  async function quickKey(command, target, spec, options) {
    await run([
      ...(options.extraArgs ?? []),
      "--passphrase",
      options.passphrase ?? "",
      command,
      target,
      ...spec,
    ]);
  }
  async function generateKey(
    uid,
    algo = "future-default",
    usage = "default",
    expire = "never",
    options = {},
  ) {
    await quickKey("--quick-gen-key", uid, [algo, usage, expire], options);
    return fingerprint(`=${uid}`);
  }
  async function addSubkey(fpr, algo, usage, expire = "never", options = {}) {
    await quickKey("--quick-add-key", fpr, [algo, usage, expire], options);
  }
  async function importKey(armored, passphrase) {
    await run([...passphraseArgs(passphrase), "--import"], { input: armored });
  }
  async function exportPublic(query) {
    const { stdout } = await run(["--armor", "--export", query]);
    const text = stdout.toString("utf8");
    if (!text.includes("BEGIN PGP PUBLIC KEY BLOCK")) throw new Error(`nothing exported: ${query}`);
    return text;
  }
  async function exportSecret(query, passphrase = "") {
    const { stdout } = await run([
      "--passphrase",
      passphrase,
      "--armor",
      "--export-secret-keys",
      query,
    ]);
    return stdout.toString("utf8");
  }
  async function encrypt(recipient, bytes, options = {}) {
    const args = [
      ...(options.armor === false ? [] : ["--armor"]),
      "--trust-model",
      "always",
      "--compress-algo",
      options.compress ?? "none",
      "--encrypt",
      "--recipient",
      recipient,
      ...(options.sign === undefined ? [] : ["--sign", "--local-user", options.sign]),
      "--passphrase",
      "",
    ];
    return (await run(args, { input: bytes })).stdout;
  }
  async function decrypt(bytes, options = {}) {
    return run(
      [
        "--status-fd",
        "2",
        "--trust-model",
        "always",
        ...passphraseArgs(options.passphrase),
        "--decrypt",
      ],
      { input: bytes, allowFailure: options.allowFailure },
    );
  }
  async function decryptStreamToHash(input, options = {}) {
    const child = spawn(
      GPG,
      [
        ...common(true),
        "--status-fd",
        "2",
        "--trust-model",
        "always",
        ...passphraseArgs(options.passphrase),
        "--decrypt",
      ],
      { env, stdio: ["pipe", "pipe", "pipe"] },
    );
    const hash = createHash("sha256");
    let bytes = 0;
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk.toString("utf8");
    });
    const exited = new Promise((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code) => resolve(code ?? -1));
    });
    const fed = pipeline(Readable.fromWeb(input), child.stdin).catch((error) => error);
    const exitCode = await exited;
    const feedError = await fed;
    if (exitCode === 0 && feedError) throw feedError;
    return { sha256: hash.digest("hex"), bytes, stderr, exitCode };
  }
  async function listPackets(bytes, options = {}) {
    const { stdout } = await run([...passphraseArgs(options.passphrase), "--list-packets"], {
      input: bytes,
      allowFailure: options.allowFailure,
    });
    return stdout.toString("utf8");
  }
  async function revoke(fpr) {
    const output = join(dir, `revoke-${fpr}.asc`);
    // --gen-revoke says "can't do this in batch mode": answer its prompts on --command-fd 0 instead.
    // Prompts: create the certificate? y; reason: 0 (no reason); description: empty line; okay? y.
    await run(["--passphrase", "", "--command-fd", "0", "--output", output, "--gen-revoke", fpr], {
      input: "y\n0\n\ny\n",
      batch: false,
    });
    const certificate = await readFile(output, "utf8");
    await importKey(certificate);
    return exportPublic(fpr);
  }
  async function cleanup() {
    await execFileAsync(GPGCONF, ["--homedir", dir, "--kill", "all"], { env }).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
  return {
    dir,
    env,
    argv: (args, batch = true) => [...common(batch), ...args],
    run,
    generateKey,
    addSubkey,
    fingerprint,
    subkeyIds,
    importKey,
    exportPublic,
    exportSecret,
    encrypt,
    decrypt,
    decryptStreamToHash,
    listPackets,
    revoke,
    cleanup,
  };
}
