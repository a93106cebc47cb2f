// Reading and creating files on a caller's behalf without trusting what the path names. A size
// from stat means nothing on procfs (`/proc/self/pagemap` says 0 and reads for ever), so every
// read goes through one handle, checks that handle is a regular file, and stops at cap + 1
// bytes. Folders are created one level only: `mkdir({ recursive: true })` loops on procfs.
import { constants } from "node:fs";
import { lstat, mkdir, open, realpath } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";

/**
 * Why a file could not be used: `unreadable` (missing, no permission), `not_regular` (a folder,
 * a device, a pipe), `too_large` (over the cap), `outside_root` (not under the allowed folder),
 * `system_path` (under /proc, /sys or /dev), `no_parent` (the parent folder does not exist).
 *
 * @example
 * try { await readCapped(path, 1024); } catch (e) { if (e instanceof FileRefused) console.error(e.reason); }
 */
export class FileRefused extends Error {
  constructor(
    readonly reason:
      | "unreadable"
      | "not_regular"
      | "too_large"
      | "outside_root"
      | "system_path"
      | "no_parent",
    message: string,
  ) {
    super(message);
    this.name = "FileRefused";
  }
}

const SYSTEM_ROOTS = ["/proc", "/sys", "/dev"];

/**
 * The bytes of regular file `path`, read through one handle, never more than `max` + 64 KiB.
 *
 * @example
 * const bytes = await readCapped("./report.pdf", 10 * 1024 * 1024);
 * @throws {FileRefused} `unreadable`, `not_regular` or `too_large`.
 */
export async function readCapped(path: string, max: number): Promise<Buffer> {
  // O_NONBLOCK: opening a FIFO must not wait for a writer before fstat can refuse it.
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK).catch(
    (error: NodeJS.ErrnoException) => {
      throw new FileRefused("unreadable", `cannot read ${path}: ${error.code ?? "error"}`);
    },
  );
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new FileRefused("not_regular", `${path} is not a regular file`);
    const chunks: Buffer[] = [];
    let total = 0;
    // Read until end of file or one byte past the cap, whatever the size stat claimed.
    // Fixed 64 KiB reads: procfs files such as pagemap refuse reads not a multiple of 8 bytes.
    while (total <= max) {
      const buffer = Buffer.alloc(64 * 1024);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      total += bytesRead;
    }
    if (total > max) {
      throw new FileRefused("too_large", `${path} has more than ${max} bytes`);
    }
    return Buffer.concat(chunks, total);
  } catch (error) {
    if (error instanceof FileRefused) throw error;
    throw new FileRefused(
      "unreadable",
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? "error"}`,
    );
  } finally {
    await handle.close();
  }
}

/**
 * `path` (relative paths taken from `root`) with symlinks resolved, if it stays under `root`.
 *
 * @example
 * const full = await resolveUnderRoot("/srv/agent-files", "reports/q1.csv");
 * @throws {FileRefused} `unreadable` (missing) or `outside_root`.
 */
export async function resolveUnderRoot(root: string, path: string): Promise<string> {
  const realRoot = await realRootOf(root);
  const full = await realpath(resolve(realRoot, path)).catch((error: NodeJS.ErrnoException) => {
    throw new FileRefused("unreadable", `cannot read ${path}: ${error.code ?? "error"}`);
  });
  if (!isUnder(realRoot, full)) {
    throw new FileRefused("outside_root", `${path} is outside the allowed folder`);
  }
  return full;
}

/**
 * Folder `path` (relative paths taken from `root`), created if missing, one level only: its
 * parent must exist and lie under `root`, and the folder itself too once symlinks are resolved.
 *
 * @example
 * const dir = await folderUnderRoot("/srv/agent-files", "inbox");
 * @throws {FileRefused} `outside_root`, `no_parent`, `not_regular` (exists, not a folder).
 */
export async function folderUnderRoot(root: string, path: string): Promise<string> {
  const realRoot = await realRootOf(root);
  const target = resolve(realRoot, path);
  if (target === realRoot) return realRoot;
  const parent = await realpath(dirname(target)).catch(() => {
    throw new FileRefused("no_parent", `the parent folder of ${path} does not exist`);
  });
  if (!isUnder(realRoot, parent) && parent !== realRoot) {
    throw new FileRefused("outside_root", `${path} is outside the allowed folder`);
  }
  const made = await makeOneLevel(join(parent, basename(target)), path);
  if (!isUnder(realRoot, made)) {
    throw new FileRefused("outside_root", `${path} is outside the allowed folder`);
  }
  return made;
}

/**
 * Folder `path`, created if missing, last component only (its parent must exist); never under
 * /proc, /sys or /dev.
 *
 * @example
 * const dir = await makeFolder("./downloads");
 * @throws {FileRefused} `system_path`, `no_parent`, `not_regular` (exists, not a folder).
 */
export async function makeFolder(path: string): Promise<string> {
  const target = resolve(path);
  const parent = await realpath(dirname(target)).catch(() => {
    throw new FileRefused("no_parent", `the parent folder of ${path} does not exist`);
  });
  if (isSystem(parent) || isSystem(target)) {
    throw new FileRefused("system_path", `${path} is under /proc, /sys or /dev`);
  }
  const made = await makeOneLevel(join(parent, basename(target)), path);
  if (isSystem(made)) throw new FileRefused("system_path", `${path} is under /proc, /sys or /dev`);
  return made;
}

async function makeOneLevel(full: string, shown: string): Promise<string> {
  await mkdir(full, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "EEXIST") return;
    if (error.code === "ENOENT") {
      throw new FileRefused("no_parent", `the parent folder of ${shown} does not exist`);
    }
    throw new FileRefused("unreadable", `cannot create ${shown}: ${error.code ?? "error"}`);
  });
  const real = await realpath(full);
  const info = await lstat(real);
  if (!info.isDirectory()) throw new FileRefused("not_regular", `${shown} is not a folder`);
  return real;
}

async function realRootOf(root: string): Promise<string> {
  return realpath(resolve(root)).catch((error: NodeJS.ErrnoException) => {
    throw new FileRefused("unreadable", `the allowed folder ${root}: ${error.code ?? "error"}`);
  });
}

function isUnder(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== "" && !rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel);
}

function isSystem(path: string): boolean {
  return SYSTEM_ROOTS.some((root) => path === root || path.startsWith(`${root}/`));
}
