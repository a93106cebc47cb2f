// What the workerd bundle holds, from esbuild's metafile: the packages' built dist, no Node
// built-in the scenario could reach, and a Worker configuration without compatibility flags.
import { readFileSync } from "node:fs";
import { supportedCompatibilityDate } from "miniflare";
import { beforeAll, describe, expect, it } from "vitest";
import { type Bundle, bundleFor } from "./bundle.js";
import { workerdOptions } from "./runners.js";

let workerd: Bundle;

beforeAll(async () => {
  workerd = await bundleFor("workerd");
});

const PACKAGES = ["core", "crypto", "directory", "transport-api"];

describe("the workerd bundle", () => {
  it("is made of the packages' built dist, not their sources", () => {
    for (const pkg of PACKAGES) {
      expect(workerd.inputs).toContain(`../packages/${pkg}/dist/index.js`);
    }
    expect(workerd.inputs.filter((path) => path.startsWith("../packages/"))).toEqual(
      expect.not.arrayContaining([expect.stringMatching(/\/src\//)]),
    );
  });

  // transport-api takes @assmbl/mime's reader entry (`@assmbl/mime/read`, dist/read.js), never
  // its root (dist/index.js), which carries the composer: nodemailer and its Node built-ins.
  it("holds @assmbl/mime's reader dist (not its root, nor nodemailer) when transport-api depends on it", () => {
    const manifest = JSON.parse(
      readFileSync(new URL("../../packages/transport-api/package.json", import.meta.url), "utf8"),
    ) as { dependencies?: Record<string, string> };
    const usesMime = "@assmbl/mime" in (manifest.dependencies ?? {});
    expect(workerd.inputs.includes("../packages/mime/dist/read.js")).toBe(usesMime);
    expect(workerd.inputs).not.toContain("../packages/mime/dist/index.js");
    expect(workerd.inputs.filter((path) => path.includes("nodemailer"))).toEqual([]);
  });

  it("takes openpgp.js's browser build (WebCrypto), not its Node build", () => {
    const openpgp = workerd.inputs.filter((path) => path.includes("/openpgp/dist/"));
    expect(openpgp).toEqual([expect.stringMatching(/\/openpgp\/dist\/openpgp\.min\.mjs$/)]);
  });

  // Without nodejs_compat workerd has no node: modules. The only ones left are downloadDir's
  // lazy imports in @assmbl/mime's reader (node:fs/promises, node:path): dynamic, so loading
  // the Worker never touches them, and only reached when a caller passes `downloadDir`, which
  // the scenario does not (it would fail there with "downloadDir needs node:fs").
  it("imports no Node built-in statically; only downloadDir's dynamic imports remain", () => {
    expect(workerd.imports.filter((i) => i.kind !== "dynamic-import")).toEqual([]);
    expect(workerd.imports.map((i) => i.path).sort()).toEqual(["node:fs/promises", "node:path"]);
  });

  it("runs under a configuration with no compatibility flags and a current date", () => {
    const options = workerdOptions(workerd.code);
    expect(options).not.toHaveProperty("compatibilityFlags");
    expect(options.compatibilityDate).toBe(supportedCompatibilityDate);
    // The date the installed workerd supports: at least the one this test was written against.
    expect(options.compatibilityDate >= "2026-07-30").toBe(true);
  });
});

describe("the Bun and Deno bundles", () => {
  // They resolve dependencies as Bun and Deno do for npm packages (`node` condition), so Node
  // built-ins are allowed; they must be written as node: imports, the only form Deno takes.
  it.each(["bun", "deno"] as const)(
    "%s: every Node built-in is a node: import",
    async (runtime) => {
      const { imports } = await bundleFor(runtime);
      expect(imports.length).toBeGreaterThan(0);
      for (const i of imports) expect(i.path).toMatch(/^node:/);
    },
  );
});
