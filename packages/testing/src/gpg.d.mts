// Types of gpg.mjs (plain JavaScript so the benches can import it with node alone).
export declare const GPG = "/usr/bin/gpg";
export declare const GPGCONF = "/usr/bin/gpgconf";
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
  /** The environment gpg runs in (GNUPGHOME, C locale), for callers that spawn gpg themselves. */
  readonly env: NodeJS.ProcessEnv;
  /** The full argument vector of one gpg run in this home (`--homedir`, `--batch`, loopback pinentry...). */
  argv(args: readonly string[], batch?: boolean): string[];
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
  ): Promise<{
    sha256: string;
    bytes: number;
    stderr: string;
    exitCode: number;
  }>;
  /** `--list-packets` (decrypts too when a secret key is there, showing the inner packets). */
  listPackets(bytes: Uint8Array | string, options?: GpgDecryptOptions): Promise<string>;
  /** Revokes the key (`--gen-revoke`, then imports the certificate); returns the revoked public key. */
  revoke(fingerprint: string): Promise<string>;
  /** Stops gpg-agent and deletes the directory. */
  cleanup(): Promise<void>;
}
/** Failure of a gpg run, with its arguments and diagnostics. */
export declare class GpgError extends Error {
  readonly args: readonly string[];
  readonly exitCode: number;
  readonly stderr: string;
  readonly name = "GpgError";
  constructor(args: readonly string[], exitCode: number, stderr: string);
}
/**
 * Status lines (`[GNUPG:] KEYWORD args...`) of a gpg run with `--status-fd 2`, keyword first.
 *
 * @example
 * statusLines(result.stderr).find((fields) => fields[0] === "GOODSIG");
 */
export declare function statusLines(stderr: string): string[][];
/** The fields of the first status line with `keyword`, or undefined. */
export declare function statusOf(stderr: string, keyword: string): string[] | undefined;
/**
 * Makes a temporary GNUPGHOME (mode 700) and returns helpers that run /usr/bin/gpg in it.
 *
 * @example
 * const gpg = await createGpgHome();
 * const fpr = await gpg.generateKey("Bob <bob@example.test>");
 * afterAll(() => gpg.cleanup());
 */
export declare function createGpgHome(options?: GpgHomeOptions): Promise<GpgHome>;
/** Where a {@link createGpgHome} lives. */
export interface GpgHomeOptions {
  /** Use (and create, mode 700) this directory instead of a fresh temporary one. */
  dir?: string | undefined;
}
/**
 * The environment gpg runs in for a GNUPGHOME: C locale, so the tests can read its messages.
 *
 * @example
 * spawn(GPG, ["--decrypt"], { env: gpgEnv(home.dir) });
 */
export declare function gpgEnv(dir: string): NodeJS.ProcessEnv;
