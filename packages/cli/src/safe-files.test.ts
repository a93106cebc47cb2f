import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  FileRefused,
  folderUnderRoot,
  makeFolder,
  readCapped,
  resolveUnderRoot,
} from "./safe-files.js";

let dir: string;
let root: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "agentmail-safe-files-"));
  root = join(dir, "root");
  await mkdir(root);
  await writeFile(join(dir, "secret.txt"), "outside");
  await writeFile(join(root, "ok.txt"), "inside");
  await symlink(join(dir, "secret.txt"), join(root, "link-out.txt"));
  await symlink(dir, join(root, "dir-out"));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function reason(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FileRefused);
  return (error as FileRefused).reason;
}

describe("readCapped", () => {
  it("stops one byte past the cap on a procfs file whose stat says 0 bytes", async () => {
    expect((await stat("/proc/self/pagemap")).size).toBe(0);
    const before = process.memoryUsage().rss;
    expect(await reason(readCapped("/proc/self/pagemap", 64 * 1024))).toBe("too_large");
    // Read up to the cap, not gigabytes.
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  it("reads a regular file up to the cap, refuses one byte more, a folder and a FIFO", async () => {
    expect((await readCapped(join(root, "ok.txt"), 6)).toString()).toBe("inside");
    expect(await reason(readCapped(join(root, "ok.txt"), 5))).toBe("too_large");
    expect(await reason(readCapped(root, 1024))).toBe("not_regular");
    const fifo = join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    expect(await reason(readCapped(fifo, 1024))).toBe("not_regular");
    expect(await reason(readCapped(join(dir, "missing"), 1024))).toBe("unreadable");
  });
});

describe("resolveUnderRoot", () => {
  it("resolves relative paths from the root and refuses anything resolving outside it", async () => {
    expect(await resolveUnderRoot(root, "ok.txt")).toMatch(/\/root\/ok\.txt$/);
    expect(await reason(resolveUnderRoot(root, "link-out.txt"))).toBe("outside_root");
    expect(await reason(resolveUnderRoot(root, "dir-out/secret.txt"))).toBe("outside_root");
    expect(await reason(resolveUnderRoot(root, "../secret.txt"))).toBe("outside_root");
    expect(await reason(resolveUnderRoot(root, "/proc/self/environ"))).toBe("outside_root");
    expect(await reason(resolveUnderRoot(root, "."))).toBe("outside_root");
  });
});

describe("folderUnderRoot", () => {
  it("creates one level under the root, never a chain, never outside or through a symlink", async () => {
    expect(await folderUnderRoot(root, "saved")).toMatch(/\/root\/saved$/);
    expect((await stat(join(root, "saved"))).isDirectory()).toBe(true);
    expect(await folderUnderRoot(root, "saved")).toMatch(/\/root\/saved$/); // exists: fine
    expect(await reason(folderUnderRoot(root, "a/b/c"))).toBe("no_parent");
    expect(await reason(folderUnderRoot(root, "/proc/self/x"))).toBe("outside_root");
    expect(await reason(folderUnderRoot(root, "../elsewhere"))).toBe("outside_root");
    expect(await reason(folderUnderRoot(root, "dir-out"))).toBe("outside_root");
    expect(await reason(folderUnderRoot(root, "dir-out/new"))).toBe("outside_root");
    expect(await reason(folderUnderRoot(root, "ok.txt"))).toBe("not_regular");
  });
});

describe("makeFolder", () => {
  it("creates the last component only and refuses /proc, /sys and /dev", async () => {
    expect(await makeFolder(join(dir, "downloads"))).toMatch(/\/downloads$/);
    expect(await reason(makeFolder(join(dir, "x/y/z")))).toBe("no_parent");
    expect(await reason(makeFolder("/proc/self/task/x/y"))).toBe("no_parent");
    expect(await reason(makeFolder("/proc/self/fd"))).toBe("system_path");
    expect(await reason(makeFolder("/sys/kernel"))).toBe("system_path");
    expect(await reason(makeFolder("/dev/shm/x"))).toBe("system_path");
  });
});
