import { builtinModules } from "node:module";
import { fileURLToPath } from "node:url";
import { type BuildOptions, build, type Metafile, type Plugin } from "esbuild";

/**
 * The runtimes the scenario runs on.
 *
 * @example
 * const runtime: RuntimeName = "workerd";
 */
export type RuntimeName = "workerd" | "bun" | "deno";

/**
 * How each runtime resolves the packages' dependencies, as its own tooling would. workerd gets
 * what wrangler bundles for a Worker: the `workerd`/`worker`/`browser` exports (openpgp.js's
 * browser build, which uses WebCrypto) and no Node built-ins. Bun and Deno resolve npm packages
 * with their own condition and `node` (openpgp.js's Node build, on their node:crypto).
 */
/**
 * Writes Node built-ins imported without the `node:` prefix (openpgp.js's Node build imports
 * `module`) with it: Deno resolves a bare `module` inside an npm package, but not in a local
 * file, which the bundle is. Bun takes either.
 */
const nodePrefix: Plugin = {
  name: "node-prefix",
  setup(build) {
    build.onResolve({ filter: /^[a-z_]+(\/[a-z_]+)?$/ }, ({ path }) =>
      builtinModules.includes(path) ? { path: `node:${path}`, external: true } : undefined,
    );
  },
};

const TARGETS: Record<RuntimeName, BuildOptions> = {
  workerd: {
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["browser", "module", "main"],
  },
  bun: { platform: "node", conditions: ["bun", "node"], plugins: [nodePrefix] },
  deno: { platform: "node", conditions: ["deno", "node"], plugins: [nodePrefix] },
};

/**
 * One runtime's bundle: the code, and esbuild's metafile (what it imports at run time).
 *
 * @example
 * const { code, imports } = await bundleFor("workerd");
 */
export interface Bundle {
  code: string;
  /** The imports left in the bundle (external): the runtime must provide them. */
  imports: Metafile["outputs"][string]["imports"];
  /** The input files that went in, relative to the working directory. */
  inputs: string[];
}

/**
 * Bundles the runtime's entry (src/entries/<runtime>.ts) with the scenario and the BUILT dist of
 * the @assmbl packages (their package.json exports point at dist), as one ESM file.
 *
 * @example
 * const { code } = await bundleFor("bun");
 * @throws {Error} esbuild's build errors (e.g. an import the target cannot resolve).
 */
export async function bundleFor(runtime: RuntimeName): Promise<Bundle> {
  const entry = fileURLToPath(new URL(`./entries/${runtime}.ts`, import.meta.url));
  const result = await build({
    ...TARGETS[runtime],
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    target: "es2022",
    write: false,
    metafile: true,
    logLevel: "silent",
    outfile: `${runtime}.js`,
  });
  const [output] = result.outputFiles;
  const [meta] = Object.values(result.metafile.outputs);
  if (!output || !meta) throw new Error(`esbuild wrote no bundle for ${runtime}`);
  return { code: output.text, imports: meta.imports, inputs: Object.keys(result.metafile.inputs) };
}
