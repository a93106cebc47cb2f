// The package graph as docs/architecture.md draws it, checked over the whole workspace: every
// published package depends on core (and nothing private), the dev server never pulls in a
// transport or the AWS SDK, and no file reaches into another package's folder by relative path
// (packages meet through their names, i.e. their built dist, or through @assmbl/testing).
import { readdir, readFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const WORKSPACE_FOLDERS = ["packages", "apps"];
const SINGLE_PACKAGES = ["security", "runtimes", "consumer"];
const SOURCE = /\.(?:[cm]?ts|[cm]?js|tsx)$/;
const SKIP = new Set(["node_modules", "dist", ".turbo", "docs", "coverage"]);

interface Manifest {
  name: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

async function packageFolders(): Promise<string[]> {
  const folders: string[] = [];
  for (const parent of WORKSPACE_FOLDERS) {
    for (const entry of await readdir(join(ROOT, parent), { withFileTypes: true })) {
      if (entry.isDirectory()) folders.push(join(ROOT, parent, entry.name));
    }
  }
  for (const single of SINGLE_PACKAGES) folders.push(join(ROOT, single));
  return folders;
}

async function manifestOf(folder: string): Promise<Manifest | undefined> {
  try {
    return JSON.parse(await readFile(join(folder, "package.json"), "utf8")) as Manifest;
  } catch {
    return undefined;
  }
}

async function* sourceFiles(folder: string): AsyncGenerator<string> {
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const path = join(folder, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (SOURCE.test(entry.name)) yield path;
  }
}

// Static imports, re-exports, dynamic imports and vi.mock/require calls with a literal specifier.
const SPECIFIER =
  /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*|\bvi\.mock\s*\(\s*)["'](\.{1,2}\/[^"']*)["']/g;

const manifests = new Map<string, Manifest>();
for (const folder of await packageFolders()) {
  const manifest = await manifestOf(folder);
  if (manifest) manifests.set(folder, manifest);
}
const published = [...manifests.entries()].filter(([, manifest]) => !manifest.private);

describe("the workspace package graph", () => {
  it("finds the packages it checks", () => {
    const names = [...manifests.values()].map((manifest) => manifest.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "@assmbl/core",
        "@assmbl/mime",
        "@assmbl/dev-server",
        "@assmbl/testing",
        "@assmbl/security-tests",
      ]),
    );
  });

  it("no file imports another package's files by relative path", async () => {
    const escapes: string[] = [];
    for (const folder of manifests.keys()) {
      for await (const file of sourceFiles(folder)) {
        const text = await readFile(file, "utf8");
        for (const match of text.matchAll(SPECIFIER)) {
          const target = resolve(dirname(file), match[1] as string);
          const inside = relative(folder, target);
          // Only the build's shared tsup preset at the root may be reached from a package.
          if (inside.startsWith(`..${sep}`) && !/tsup\.shared\.[jt]s$/.test(target)) {
            escapes.push(`${relative(ROOT, file)} → ${match[1]}`);
          }
        }
      }
    }
    expect(escapes).toEqual([]);
  });

  it("every published package depends on core and on nothing private", () => {
    const privateNames = new Set(
      [...manifests.values()].filter((manifest) => manifest.private).map((m) => m.name),
    );
    for (const [, manifest] of published) {
      const runtime = { ...manifest.dependencies, ...manifest.peerDependencies };
      if (manifest.name !== "@assmbl/core") {
        expect(Object.keys(runtime), manifest.name).toContain("@assmbl/core");
      }
      const leaks = Object.keys(runtime).filter((name) => privateNames.has(name));
      expect(leaks, manifest.name).toEqual([]);
    }
  });

  it("the dev server depends on no transport and no AWS package", () => {
    const devServer = published.find(([, manifest]) => manifest.name === "@assmbl/dev-server");
    expect(devServer).toBeDefined();
    const names = Object.keys(devServer?.[1].dependencies ?? {});
    expect(names.filter((name) => /^@assmbl\/transport-|^@aws-sdk\//.test(name))).toEqual([]);
  });

  it("MIME is written and read in @assmbl/mime: no other published package uses nodemailer", () => {
    for (const [, manifest] of published) {
      if (manifest.name === "@assmbl/mime") continue;
      expect(Object.keys(manifest.dependencies ?? {}), manifest.name).not.toContain("nodemailer");
    }
  });

  it("BullMQ and ioredis come only with @assmbl/outbox: no other published package installs them", () => {
    const outbox = published.find(([, manifest]) => manifest.name === "@assmbl/outbox");
    expect(Object.keys(outbox?.[1].dependencies ?? {})).toEqual(
      expect.arrayContaining(["bullmq", "ioredis"]),
    );
    for (const [, manifest] of published) {
      if (manifest.name === "@assmbl/outbox") continue;
      const runtime = { ...manifest.dependencies, ...manifest.peerDependencies };
      const redisLibraries = Object.keys(runtime).filter((name) =>
        ["bullmq", "ioredis", "rate-limiter-flexible"].includes(name),
      );
      expect(redisLibraries, manifest.name).toEqual([]);
    }
  });

  it("commander and the MCP SDK come only with @assmbl/cli: no library installs them", () => {
    const cli = published.find(([, manifest]) => manifest.name === "@assmbl/cli");
    expect(Object.keys(cli?.[1].dependencies ?? {})).toEqual(
      expect.arrayContaining(["commander", "@modelcontextprotocol/sdk"]),
    );
    for (const [, manifest] of published) {
      if (manifest.name === "@assmbl/cli") continue;
      const runtime = { ...manifest.dependencies, ...manifest.peerDependencies };
      const cliLibraries = Object.keys(runtime).filter((name) =>
        ["commander", "@modelcontextprotocol/sdk"].includes(name),
      );
      expect(cliLibraries, manifest.name).toEqual([]);
    }
  });

  it("has no turbo.json override reaching into another package's sources", async () => {
    for (const folder of manifests.keys()) {
      const text = await readFile(join(folder, "turbo.json"), "utf8").catch(() => "");
      expect(text, relative(ROOT, folder)).not.toMatch(/\$TURBO_ROOT\$\/packages\//);
    }
  });
});
