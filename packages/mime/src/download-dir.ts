import { AgentMailError } from "@assmbl/core";
import { safeFileName } from "./safe-file-name.js";

/**
 * What {@link DownloadDir.save} wrote, once it is under its final name.
 *
 * @example
 * const { path, bytes }: SavedFile<void> = await dir.save("a.txt", (sink) => stream.pipeTo(sink));
 */
export interface SavedFile<T> {
  /** The final absolute path. */
  path: string;
  /** Bytes written. */
  bytes: number;
  /** What `fill` resolved with. */
  result: T;
}

/**
 * A directory that received attachments are written into (`downloadDir`). Every file is first
 * written to a temporary file in that directory (`.agentmail-<random>.part`, mode 0600, created
 * exclusively); only when the writer resolves (for a decryption: after the integrity and
 * signature checks) is it linked under its final name, so no unauthenticated byte is ever
 * visible under a final name, and an existing file is never replaced.
 *
 * @example
 * const dir: DownloadDir = await openDownloadDir("./inbox-files");
 */
export interface DownloadDir {
  /** The directory, absolute. */
  readonly path: string;
  /**
   * Runs `fill` with a sink into a new temporary file; when it resolves, the file gets a free
   * name derived from `name` (`name`, then `name (1).ext`, `name (2).ext`, ...). When it
   * rejects, the temporary file is removed and the error is rethrown.
   */
  save<T>(
    name: string,
    fill: (sink: WritableStream<Uint8Array>) => Promise<T>,
  ): Promise<SavedFile<T>>;
}

// How many numbered names are tried before giving up: a directory with a thousand copies of one
// name is a caller's problem to sort out, not a reason to loop on.
const MAX_NAME_TRIES = 1_000;
// File systems without hard links (FAT, some network and FUSE mounts) answer link() with these:
// the file is then copied, still never over an existing one.
const NO_HARD_LINKS = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EXDEV", "EMLINK"]);

/**
 * Checks `dir` (it must be an existing directory) and returns a {@link DownloadDir} on it. Uses
 * `node:fs`, loaded only here, so the rest of the package runs where there is no file system.
 *
 * @example
 * const dir = await openDownloadDir("./inbox-files");
 * const { path } = await dir.save("report.pdf", (sink) => bytesStream(bytes).pipeTo(sink));
 * @throws {AgentMailError} `invalid_options` when `dir` is not a directory, or there is no
 * `node:fs` (a runtime without a file system).
 */
export async function openDownloadDir(dir: string): Promise<DownloadDir> {
  let fs: typeof import("node:fs/promises");
  let paths: typeof import("node:path");
  try {
    fs = await import("node:fs/promises");
    paths = await import("node:path");
  } catch (cause) {
    throw new AgentMailError({
      code: "invalid_options",
      message:
        "downloadDir needs node:fs (a runtime with a file system); leave it out to receive attachments as bytes",
      cause,
    });
  }
  const root = paths.resolve(dir);
  const stat = await fs.stat(root).catch((cause: unknown) => {
    throw new AgentMailError({
      code: "invalid_options",
      message: `downloadDir: ${root} cannot be read (${(cause as { code?: string }).code ?? String(cause)})`,
      cause,
    });
  });
  if (!stat.isDirectory()) {
    throw new AgentMailError({
      code: "invalid_options",
      message: `downloadDir: ${root} is not a directory`,
    });
  }

  /**
   * Links `temp` under the first free name; never replaces a file. A name the sender made
   * hidden (`.bashrc`, `.npmrc`) is written as `_.bashrc`: a folder a program or an agent is told
   * to save into may be one where a dotfile configures something, and a hidden file is easy to
   * miss.
   */
  async function place(temp: string, sent: string): Promise<string> {
    const name = sent.startsWith(".") ? `_${sent}` : sent;
    for (let n = 0; n < MAX_NAME_TRIES; n++) {
      const candidate = n === 0 ? name : numbered(name, n);
      const target = paths.join(root, candidate);
      // The name passed safeFileName (no separator, not . or ..): this only restates it.
      if (paths.dirname(target) !== root) throw new Error(`${candidate} is not a plain file name`);
      try {
        await linkOrCopy(temp, target);
        return target;
      } catch (error) {
        if ((error as { code?: string }).code !== "EEXIST") throw error;
      }
    }
    throw new Error(`${name} and ${MAX_NAME_TRIES - 1} numbered variants all exist`);
  }

  async function linkOrCopy(temp: string, target: string): Promise<void> {
    try {
      await fs.link(temp, target);
    } catch (error) {
      if (!NO_HARD_LINKS.has((error as { code?: string }).code ?? "")) throw error;
      await fs.copyFile(temp, target, fs.constants.COPYFILE_EXCL);
    }
  }

  return {
    path: root,
    async save(name, fill) {
      const temp = paths.join(root, `.agentmail-${randomHex(16)}.part`);
      const handle = await fs.open(temp, "wx", 0o600).catch((cause: unknown) => {
        throw fileError(`cannot create a file in ${root}`, cause);
      });
      let bytes = 0;
      const sink = new WritableStream<Uint8Array>({
        async write(chunk) {
          try {
            for (let offset = 0; offset < chunk.length; ) {
              const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
              offset += bytesWritten;
            }
          } catch (cause) {
            throw fileError(`cannot write ${name} into ${root}`, cause);
          }
          bytes += chunk.length;
        },
        // FileHandle.close() is idempotent: the sink, the abort path and `finally` may all call it.
        close: () => handle.close(),
        abort: () => handle.close(),
      });
      try {
        const result = await fill(sink);
        await handle.close();
        const path = await place(temp, name).catch((cause: unknown) => {
          throw fileError(`cannot write ${name} into ${root}`, cause);
        });
        return { path, bytes, result };
      } finally {
        await handle.close().catch(() => {});
        await fs.rm(temp, { force: true }).catch(() => {});
      }
    },
  };
}

/**
 * `name` with ` (n)` before its extension: `report.pdf` → `report (2).pdf`, `.env` → `.env (2)`;
 * `attachment (n)` when that would not be a safe name (too long).
 *
 * @example
 * numbered("report.tar.gz", 1); // "report.tar (1).gz"
 */
export function numbered(name: string, n: number): string {
  const dot = name.lastIndexOf(".");
  const candidate = dot > 0 ? `${name.slice(0, dot)} (${n})${name.slice(dot)}` : `${name} (${n})`;
  return safeFileName(candidate) ?? `attachment (${n})`;
}

function randomHex(bytes: number): string {
  const random = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(random, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function fileError(message: string, cause: unknown): AgentMailError {
  if (AgentMailError.is(cause)) return cause;
  const code = (cause as { code?: string }).code;
  return new AgentMailError({
    code: "file_write_failed",
    message: `downloadDir: ${message}${code ? ` (${code})` : ""}`,
    cause,
  });
}
