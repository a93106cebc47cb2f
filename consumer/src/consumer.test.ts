import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  installProject,
  npx,
  type PublishedPackage,
  pack,
  publishedPackages,
  repoRoot,
  tarballFile,
  tarballFiles,
  tsc,
} from "./tarballs.js";

const PUBLISHED = [
  "@assmbl/cli",
  "@assmbl/core",
  "@assmbl/crypto",
  "@assmbl/dev-server",
  "@assmbl/directory",
  "@assmbl/mime",
  "@assmbl/outbox",
  "@assmbl/transport-api",
  "@assmbl/transport-ses",
];

// What a user's tsconfig looks like, strictest useful form: declarations are checked too.
const STRICT = { strict: true, skipLibCheck: false, noEmit: true, target: "es2022" };
const CONFIGS: Record<string, object> = {
  // A Node-only project: no DOM lib, so the declarations may lean on Node's globals only.
  "tsconfig.node16.json": {
    compilerOptions: {
      ...STRICT,
      module: "node16",
      moduleResolution: "node16",
      lib: ["es2022"],
      types: ["node"],
    },
    files: ["index.ts"],
  },
  "tsconfig.bundler.json": {
    compilerOptions: { ...STRICT, module: "esnext", moduleResolution: "bundler", types: ["node"] },
    files: ["index.ts"],
  },
  // A CommonJS project: `require` resolves each package's index.d.cts.
  "tsconfig.node16-cjs.json": {
    compilerOptions: {
      ...STRICT,
      module: "node16",
      moduleResolution: "node16",
      lib: ["es2022"],
      types: ["node"],
    },
    files: ["index.cts"],
  },
};

let project = "";
let packages: PublishedPackage[] = [];
const tarballs = new Map<string, string>();

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), "assmbl-consumer-"));
  packages = await publishedPackages();
  // One at a time: the machine has two cores, and pnpm pack is quick.
  for (const pkg of packages) tarballs.set(pkg.name, await pack(pkg.dir, project));
  await installProject(project, [...tarballs.values()]);
  await writeEntries();
  for (const [file, config] of Object.entries(CONFIGS)) {
    await writeFile(join(project, file), `${JSON.stringify(config, null, 2)}\n`);
  }
});

afterAll(async () => {
  if (project !== "") await rm(project, { recursive: true, force: true });
});

/**
 * A file that imports every public entry point (each `exports` subpath) of every package; the
 * CommonJS one leaves out entry points without a `require` condition (@assmbl/cli is ESM only:
 * a command line, whose commander 15 is ESM only too).
 */
async function writeEntries(): Promise<void> {
  const esm: string[] = [];
  const cjs: string[] = [];
  for (const pkg of packages) {
    const manifest = JSON.parse(await tarballFile(tarballs.get(pkg.name) ?? "", "package.json"));
    for (const [subpath, target] of Object.entries(manifest.exports ?? { ".": null })) {
      if (subpath === "./package.json") continue;
      const specifier = `${pkg.name}${subpath.slice(1)}`;
      esm.push(specifier);
      if (target === null || typeof target !== "object" || "require" in target) cjs.push(specifier);
    }
  }
  const bodyOf = (specifiers: string[]) => {
    const imports = specifiers.map((s, i) => `import * as entry${i} from ${JSON.stringify(s)};`);
    return `${imports.join("\n")}\nexport const entries = [${specifiers.map((_, i) => `entry${i}`).join(", ")}];\n`;
  };
  await writeFile(join(project, "index.ts"), bodyOf(esm));
  await writeFile(join(project, "index.cts"), bodyOf(cjs));
}

it("publishes exactly the packages a release names", () => {
  expect(packages.map((pkg) => pkg.name)).toEqual(PUBLISHED);
});

describe.each(PUBLISHED)("the tarball of %s", (name) => {
  it("holds the MIT LICENSE (the root's, word for word), the README and dist", async () => {
    const tarball = tarballs.get(name) ?? "";
    const files = await tarballFiles(tarball);
    expect(files).toContain("LICENSE");
    expect(files).toContain("README.md");
    expect(files.some((file) => file.startsWith("dist/"))).toBe(true);
    const license = await tarballFile(tarball, "LICENSE");
    expect(license).toBe(await readFile(join(repoRoot, "LICENSE"), "utf8"));
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) 2026 the @assmbl authors\n/);
  });

  it("says where it comes from, and names versions, not workspace: ranges", async () => {
    const text = await tarballFile(tarballs.get(name) ?? "", "package.json");
    const manifest = JSON.parse(text);
    const dir = `packages/${name.replace("@assmbl/", "")}`;
    expect(manifest.license).toBe("MIT");
    expect(manifest.repository).toEqual({
      type: "git",
      url: "git+https://github.com/assmbl/agentmail-ts.git",
      directory: dir,
    });
    expect(manifest.homepage).toBe(
      `https://github.com/assmbl/agentmail-ts/tree/main/${dir}#readme`,
    );
    expect(manifest.bugs).toEqual({ url: "https://github.com/assmbl/agentmail-ts/issues" });
    expect(manifest.keywords).toContain("agentmail");
    expect(text).not.toContain("workspace:");
  });
});

describe("the agentmail command from the installed tarball", () => {
  it("npx agentmail --help prints the usage and every command", async () => {
    const { stdout } = await npx(project, ["agentmail", "--help"]);
    expect(stdout).toMatch(/^Usage: agentmail /);
    for (const command of ["keygen", "register", "lookup", "send", "inbox", "read", "mcp"]) {
      expect(stdout).toContain(`  ${command} `);
    }
  });

  it("npx agentmail send without --to is a usage error: exit code 2", async () => {
    const failure = await npx(project, ["agentmail", "send"]).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toContain("required option '--to");
  });
});

describe("a TypeScript project that installs the tarballs, with skipLibCheck false", () => {
  it("type-checks under module/moduleResolution node16 (ESM, no DOM lib)", async () => {
    const { ok, output } = await tsc(project, "tsconfig.node16.json");
    expect(output).toBe("");
    expect(ok).toBe(true);
  });

  it("type-checks under moduleResolution bundler", async () => {
    const { ok, output } = await tsc(project, "tsconfig.bundler.json");
    expect(output).toBe("");
    expect(ok).toBe(true);
  });

  // crypto's index.d.cts imports openpgp's types, which are ESM-only (openpgp is "type":
  // "module" with one index.d.ts): its build writes that import as `import type … with
  // { "resolution-mode": "import" }` (TypeScript 5.3+), which a CommonJS project may resolve.
  it("type-checks a CommonJS project under node16 (require resolves each index.d.cts)", async () => {
    const { ok, output } = await tsc(project, "tsconfig.node16-cjs.json");
    expect(output).toBe("");
    expect(ok).toBe(true);
  });
});
