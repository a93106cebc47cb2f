import { lstat, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AgentMailError } from "@assmbl/core";
import { afterEach, describe, expect, it } from "vitest";
import { seedWithKeys } from "./cli-keys.js";

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "cli-keys-test-"));
  dirs.push(dir);
  return dir;
}

async function refusal(promise: Promise<unknown>): Promise<AgentMailError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(AgentMailError.is(error)).toBe(true);
  return error as AgentMailError;
}

describe("seedWithKeys key files", () => {
  it("writes each private key new, owner-only, into --keys-dir", async () => {
    const dir = join(await tempDir(), "keys");
    const { keyed } = await seedWithKeys([{ agentId: "My-Agent" }], "agents.localhost", dir);
    const path = join(dir, "my-agent.private.asc");
    expect(keyed[0]?.privateKeyPath).toBe(path);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect(await readFile(path, "utf8")).toContain("BEGIN PGP PRIVATE KEY BLOCK");
  });

  it("never overwrites an existing key file", async () => {
    const dir = await tempDir();
    const path = join(dir, "my-agent.private.asc");
    await writeFile(path, "the developer's own key\n");
    const error = await refusal(seedWithKeys([{ agentId: "my-agent" }], "agents.localhost", dir));
    expect(error.code).toBe("invalid_options");
    expect(error.message).toContain("exists already");
    expect(await readFile(path, "utf8")).toBe("the developer's own key\n");
  });

  it("does not write through a symlink planted at the key file's name (dangling or not)", async () => {
    const dir = await tempDir();
    const victim = join(dir, "victim.txt");
    await writeFile(victim, "victim\n");
    await symlink(victim, join(dir, "a.private.asc"));
    await symlink(join(dir, "not-there.txt"), join(dir, "b.private.asc"));
    for (const agentId of ["a", "b"]) {
      const error = await refusal(seedWithKeys([{ agentId }], "agents.localhost", dir));
      expect(error.code).toBe("invalid_options");
    }
    expect(await readFile(victim, "utf8")).toBe("victim\n");
    await expect(lstat(join(dir, "not-there.txt"))).rejects.toThrow();
  });
});
