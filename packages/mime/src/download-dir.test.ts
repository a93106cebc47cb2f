// The temporary-file-then-link writer of downloadDir, on the real file system.
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AgentMailError } from "@assmbl/core";
import { errorOf, sampleBytes } from "@assmbl/testing/mailer";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { numbered, openDownloadDir } from "./download-dir.js";
import { bytesPart } from "./part-stream.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "agentmail-dd-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const fill = (bytes: Uint8Array) => (sink: WritableStream<Uint8Array>) =>
  bytesPart(bytes).stream.pipeTo(sink);

describe("openDownloadDir", () => {
  it("writes the bytes under the name, mode 0600, and leaves no temporary file", async () => {
    const bytes = sampleBytes(200_000, 5);
    const saved = await (await openDownloadDir(dir)).save("report.pdf", fill(bytes));
    expect(saved).toMatchObject({ path: join(dir, "report.pdf"), bytes: bytes.length });
    expect(new Uint8Array(await readFile(saved.path))).toEqual(bytes);
    expect((await stat(saved.path)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(["report.pdf"]);
  });

  it("writes a name a sender made hidden (.bashrc, .ssh-style config) visible, as _.name", async () => {
    const saved = await (await openDownloadDir(dir)).save(".bashrc", fill(new Uint8Array([1])));
    expect(saved.path).toBe(join(dir, "_.bashrc"));
    expect(await readdir(dir)).toEqual(["_.bashrc"]);
  });

  it("never replaces a file: the next free name is numbered before the extension", async () => {
    await writeFile(join(dir, "report.pdf"), "mine");
    await writeFile(join(dir, "report (1).pdf"), "mine too");
    const downloads = await openDownloadDir(dir);
    const first = await downloads.save("report.pdf", fill(new Uint8Array([1])));
    const second = await downloads.save("report.pdf", fill(new Uint8Array([2])));
    expect([first.path, second.path]).toEqual([
      join(dir, "report (2).pdf"),
      join(dir, "report (3).pdf"),
    ]);
    expect(await readFile(join(dir, "report.pdf"), "utf8")).toBe("mine");
    expect(await readFile(join(dir, "report (1).pdf"), "utf8")).toBe("mine too");
  });

  it("a writer that fails leaves nothing behind and its error comes back", async () => {
    const downloads = await openDownloadDir(dir);
    const error = await errorOf(
      downloads.save("secret.txt", async (sink) => {
        const writer = sink.getWriter();
        await writer.write(new TextEncoder().encode("unauthenticated bytes"));
        throw new AgentMailError({ code: "decryption_failed", message: "MDC mismatch" });
      }),
    );
    expect(error).toMatchObject({ code: "decryption_failed", message: "MDC mismatch" });
    expect(await readdir(dir)).toEqual([]);
  });

  it("refuses what is not a directory (invalid_options)", async () => {
    await writeFile(join(dir, "file"), "x");
    expect(await errorOf(openDownloadDir(join(dir, "file")))).toMatchObject({
      code: "invalid_options",
    });
    expect(await errorOf(openDownloadDir(join(dir, "missing")))).toMatchObject({
      code: "invalid_options",
    });
  });

  it("a directory it cannot write to fails the file with file_write_failed", async () => {
    if (process.getuid?.() === 0) {
      // root writes anywhere; a read-only directory proves nothing then, so use a file as parent.
      const downloads = await openDownloadDir(dir);
      await rm(dir, { recursive: true });
      expect(await errorOf(downloads.save("a.txt", fill(new Uint8Array([1]))))).toMatchObject({
        code: "file_write_failed",
      });
      return;
    }
    await chmod(dir, 0o500);
    const downloads = await openDownloadDir(dir);
    expect(await errorOf(downloads.save("a.txt", fill(new Uint8Array([1]))))).toMatchObject({
      code: "file_write_failed",
    });
  });
});

describe("numbered", () => {
  it("numbers before the last extension, after a name without one, and stays a safe name", () => {
    expect(numbered("report.tar.gz", 1)).toBe("report.tar (1).gz");
    expect(numbered(".env", 2)).toBe(".env (2)");
    expect(numbered("README", 3)).toBe("README (3)");
    expect(numbered(`${"a".repeat(251)}.pdf`, 4)).toBe("attachment (4)");
  });
});
