// Over 300 lines on purpose: a test-only harness (not shipped) around one gpg and GNUPGHOME.
// A GnuPG 2.2 harness for this package's interoperability tests: every helper runs the real
// /usr/bin/gpg against a throwaway GNUPGHOME. Used only by tests (it is not exported by the package).
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export const GPG = "/usr/bin/gpg";
export const GPGCONF = "/usr/bin/gpgconf";

/** What one gpg run produced. */
export interface GpgResult {
  stdout: Buffer;
  /** gpg's diagnostics; with `--status-fd 2` (as `decrypt` uses) also its `[GNUPG:]` status lines. */
  stderr: string;
  exitCode: number;
}

export interface GpgRunOptions {
  /** Written to gpg's stdin (closed at once when absent). */
  input?: string | Uint8Array | undefined;
  /** Pass `--batch` (default true). `--gen-revoke` refuses to run in batch mode. */
  batch?: boolean | undefined;
  /** Resolve with the exit code instead of rejecting when gpg fails. */
  allowFailure?: boolean | undefined;
}

export interface GpgEncryptOptions {
  /** Sign with this key (user id, email or fingerprint) too. */
  sign?: string | undefined;
  /** `--armor` (default true). */
  armor?: boolean | undefined;
  /** `--compress-algo` (default `none`). */
  compress?: string | undefined;
}

export interface GpgKeyOptions {
  /** Protect the new key with this passphrase (default: none). */
  passphrase?: string | undefined;
  /** Extra gpg options before the command, e.g. `--faked-system-time 20200101T000000!`. */
  extraArgs?: readonly string[] | undefined;
}

export interface GpgDecryptOptions {
  /** Unlocks a protected secret key (pinentry loopback). */
  passphrase?: string | undefined;
  allowFailure?: boolean | undefined;
}

/** A temporary GNUPGHOME and the gpg commands the tests need. */
export interface GpgHome {
  readonly dir: string;
  run(args: readonly string[], options?: GpgRunOptions): Promise<GpgResult>;
  /**
   * `--quick-gen-key` (empty passphrase unless `options.passphrase`); returns the primary
   * fingerprint (upper-case hex).
   */
  generateKey(
    uid: string,
    algo?: string,
    usage?: string,
    expire?: string,
    options?: GpgKeyOptions,
  ): Promise<string>;
  /** `--quick-add-key`; returns nothing, the key is changed in place. */
  addSubkey(
    fingerprint: string,
    algo: string,
    usage: string,
    expire?: string,
    options?: GpgKeyOptions,
  ): Promise<void>;
  /** Primary fingerprint (upper-case hex) of the only key matching `query`. */
  fingerprint(query: string): Promise<string>;
  /** Key ids (upper-case hex) of the subkeys of the key matching `query`. */
  subkeyIds(query: string): Promise<string[]>;
  importKey(armored: string, passphrase?: string): Promise<void>;
  exportPublic(query: string): Promise<string>;
  /** `--export-secret-keys`; `passphrase` unlocks a protected key (the export keeps it protected). */
  exportSecret(query: string, passphrase?: string): Promise<string>;
  /** `--encrypt` (and `--sign`) to `recipient` with `--trust-model always --compress-algo none`. */
  encrypt(
    recipient: string,
    bytes: Uint8Array | string,
    options?: GpgEncryptOptions,
  ): Promise<Buffer>;
  /** `--decrypt` with `--status-fd 2`: `stderr` holds the status lines (GOODSIG, VALIDSIG, ...). */
  decrypt(bytes: Uint8Array | string, options?: GpgDecryptOptions): Promise<GpgResult>;
  /** `gpg --decrypt` reading a stream on stdin: the SHA-256 and size of what it wrote. */
  decryptStreamToHash(
    input: ReadableStream<Uint8Array>,
    options?: GpgDecryptOptions,
  ): Promise<{ sha256: string; bytes: number; stderr: string; exitCode: number }>;
  /** `--list-packets` (decrypts too when a secret key is there, showing the inner packets). */
  listPackets(bytes: Uint8Array | string, options?: GpgDecryptOptions): Promise<string>;
  /** Revokes the key (`--gen-revoke`, then imports the certificate); returns the revoked public key. */
  revoke(fingerprint: string): Promise<string>;
  /** Stops gpg-agent and deletes the directory. */
  cleanup(): Promise<void>;
}

/** Failure of a gpg run, with its arguments and diagnostics. */
export class GpgError extends Error {
  override readonly name = "GpgError";
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number,
    readonly stderr: string,
  ) {
    super(`gpg ${args.join(" ")} exited with ${exitCode}:\n${stderr}`);
  }
}

/**
 * Status lines (`[GNUPG:] KEYWORD args...`) of a gpg run with `--status-fd 2`, keyword first.
 *
 * @example
 * statusLines(result.stderr).find((fields) => fields[0] === "GOODSIG");
 */
export function statusLines(stderr: string): string[][] {
  return stderr
    .split("\n")
    .filter((line) => line.startsWith("[GNUPG:] "))
    .map((line) => line.slice("[GNUPG:] ".length).trim().split(" "));
}

/** The fields of the first status line with `keyword`, or undefined. */
export function statusOf(stderr: string, keyword: string): string[] | undefined {
  return statusLines(stderr).find((fields) => fields[0] === keyword);
}

/**
 * Makes a temporary GNUPGHOME (mode 700) and returns helpers that run /usr/bin/gpg in it.
 *
 * @example
 * const gpg = await createGpgHome();
 * const fpr = await gpg.generateKey("Bob <bob@example.test>");
 * afterAll(() => gpg.cleanup());
 */
export async function createGpgHome(): Promise<GpgHome> {
  const dir = await mkdtemp(join(tmpdir(), "assmbl-gpg-"));
  await chmod(dir, 0o700);
  const env = { ...process.env, GNUPGHOME: dir, LC_ALL: "C", LANGUAGE: "C" };
  const common = (batch: boolean) => [
    "--homedir",
    dir,
    ...(batch ? ["--batch"] : []),
    "--yes",
    "--pinentry-mode",
    "loopback",
    "--no-tty",
  ];

  async function run(args: readonly string[], options: GpgRunOptions = {}): Promise<GpgResult> {
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
      const failed = error as { code?: unknown; stdout?: Buffer; stderr?: Buffer };
      const exitCode = typeof failed.code === "number" ? failed.code : -1;
      const stderr = failed.stderr?.toString("utf8") ?? String(error);
      if (options.allowFailure && exitCode !== -1) {
        return { stdout: failed.stdout ?? Buffer.alloc(0), stderr, exitCode };
      }
      throw new GpgError(args, exitCode, stderr);
    }
  }

  const passphraseArgs = (passphrase: string | undefined) =>
    passphrase === undefined ? [] : ["--passphrase", passphrase];

  async function colons(query: string): Promise<string[][]> {
    const { stdout } = await run(["--with-colons", "--fixed-list-mode", "--list-keys", query]);
    return stdout
      .toString("utf8")
      .split("\n")
      .map((line) => line.split(":"));
  }

  async function fingerprint(query: string): Promise<string> {
    const rows = await colons(query);
    const primaries = rows.filter((row) => row[0] === "pub");
    if (primaries.length !== 1) throw new Error(`${query} matches ${primaries.length} keys`);
    const index = rows.findIndex((row) => row[0] === "pub");
    const fpr = rows.slice(index).find((row) => row[0] === "fpr")?.[9];
    if (!fpr) throw new Error(`no fingerprint for ${query}`);
    return fpr;
  }

  async function subkeyIds(query: string): Promise<string[]> {
    return (await colons(query))
      .filter((row) => row[0] === "sub")
      .map((row) => row[4] ?? "")
      .filter((id) => id !== "");
  }

  // --quick-gen-key and --quick-add-key take the same trailing algo, usage and expiry.
  async function quickKey(
    command: "--quick-gen-key" | "--quick-add-key",
    target: string,
    spec: [algo: string, usage: string, expire: string],
    options: GpgKeyOptions,
  ): Promise<void> {
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
    uid: string,
    algo = "future-default",
    usage = "default",
    expire = "never",
    options: GpgKeyOptions = {},
  ): Promise<string> {
    await quickKey("--quick-gen-key", uid, [algo, usage, expire], options);
    return fingerprint(`=${uid}`);
  }

  async function addSubkey(
    fpr: string,
    algo: string,
    usage: string,
    expire = "never",
    options: GpgKeyOptions = {},
  ): Promise<void> {
    await quickKey("--quick-add-key", fpr, [algo, usage, expire], options);
  }

  async function importKey(armored: string, passphrase?: string): Promise<void> {
    await run([...passphraseArgs(passphrase), "--import"], { input: armored });
  }

  async function exportPublic(query: string): Promise<string> {
    const { stdout } = await run(["--armor", "--export", query]);
    const text = stdout.toString("utf8");
    if (!text.includes("BEGIN PGP PUBLIC KEY BLOCK")) throw new Error(`nothing exported: ${query}`);
    return text;
  }

  async function exportSecret(query: string, passphrase = ""): Promise<string> {
    const { stdout } = await run([
      "--passphrase",
      passphrase,
      "--armor",
      "--export-secret-keys",
      query,
    ]);
    return stdout.toString("utf8");
  }

  async function encrypt(
    recipient: string,
    bytes: Uint8Array | string,
    options: GpgEncryptOptions = {},
  ): Promise<Buffer> {
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

  async function decrypt(
    bytes: Uint8Array | string,
    options: GpgDecryptOptions = {},
  ): Promise<GpgResult> {
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

  async function decryptStreamToHash(
    input: ReadableStream<Uint8Array>,
    options: GpgDecryptOptions = {},
  ): Promise<{ sha256: string; bytes: number; stderr: string; exitCode: number }> {
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
    child.stdout.on("data", (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    const exited = new Promise<number>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code) => resolve(code ?? -1));
    });
    const fed = pipeline(
      Readable.fromWeb(input as unknown as NodeReadableStream<Uint8Array>),
      child.stdin,
    ).catch((error: unknown) => error);
    const exitCode = await exited;
    const feedError = await fed;
    if (exitCode === 0 && feedError) throw feedError;
    return { sha256: hash.digest("hex"), bytes, stderr, exitCode };
  }

  async function listPackets(
    bytes: Uint8Array | string,
    options: GpgDecryptOptions = {},
  ): Promise<string> {
    const { stdout } = await run([...passphraseArgs(options.passphrase), "--list-packets"], {
      input: bytes,
      allowFailure: options.allowFailure,
    });
    return stdout.toString("utf8");
  }

  async function revoke(fpr: string): Promise<string> {
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

  async function cleanup(): Promise<void> {
    await execFileAsync(GPGCONF, ["--homedir", dir, "--kill", "all"], { env }).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }

  return {
    dir,
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
