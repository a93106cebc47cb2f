// The built server, as users run it, loads no AWS SDK module: the package test checks the
// sources, this checks what Node actually loads from dist (ESM through a resolve hook, CommonJS
// through require.cache), with the server started and a /send composed, so a dependency that
// pulled the AWS SDK in at run time would show here.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const dist = fileURLToPath(new URL("../dist/", import.meta.url));
let dir: string;

beforeAll(async () => {
  if (!existsSync(join(dist, "index.js"))) {
    throw new Error("build the dev server first (pnpm --filter @assmbl/dev-server build)");
  }
  dir = await mkdtemp(join(tmpdir(), "dev-server-modules-"));
  // Runs in Node's loader thread: every resolved URL, imports of the AWS SDK included, is logged.
  await writeFile(
    join(dir, "hooks.mjs"),
    `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(process.env.RESOLVED_LOG, result.url + "\\n");
  return result;
}
`,
  );
  await writeFile(
    join(dir, "register.mjs"),
    `import { register } from "node:module";
register(${JSON.stringify(pathToFileURL(join(dir, "hooks.mjs")).href)});
`,
  );
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

// Starts the server from `load`, sends one message through /send (the composer runs), stops.
const exercise = (load: string) => `
const { startDevServer } = ${load};
const server = await startDevServer({
  port: 0,
  agents: [{ agentId: "my-agent", token: "token-my-agent" }, { agentId: "other-agent" }],
});
const response = await fetch(server.url + "/send", {
  method: "POST",
  headers: { authorization: "Bearer token-my-agent", "content-type": "application/json" },
  body: JSON.stringify({ to: "other-agent@agents.localhost", subject: "Hi", body: "Hello" }),
});
const sent = server.sent.messages().length;
await server.stop();
`;

function node(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      args,
      { cwd: dir, env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`node failed: ${stderr}`, { cause: error }));
        else resolve(stdout);
      },
    );
  });
}

describe("the built dev server loads no AWS SDK module", () => {
  it("as ESM: startDevServer and a /send resolve no @aws-sdk URL", async () => {
    const log = join(dir, "esm.log");
    await writeFile(log, "");
    const index = pathToFileURL(join(dist, "index.js")).href;
    const out = await node(
      [
        "--import",
        pathToFileURL(join(dir, "register.mjs")).href,
        "--input-type=module",
        "-e",
        `${exercise(`await import(${JSON.stringify(index)})`)}
console.log(JSON.stringify({ status: response.status, sent }));`,
      ],
      { RESOLVED_LOG: log },
    );
    expect(JSON.parse(out)).toEqual({ status: 200, sent: 1 });
    const resolved = (await readFile(log, "utf8")).split("\n").filter(Boolean);
    // The hook saw the whole graph: the dist, the composer and its MIME engine.
    expect(resolved).toContain(index);
    expect(resolved.some((url) => url.includes("/packages/mime/dist/"))).toBe(true);
    expect(resolved.some((url) => url.includes("/nodemailer/"))).toBe(true);
    expect(resolved.filter((url) => /@aws-sdk|transport-ses/.test(url))).toEqual([]);
  });

  it("as CommonJS: require.cache holds no @aws-sdk module after a /send", async () => {
    const index = join(dist, "index.cjs");
    const out = await node([
      "-e",
      `(async () => {
${exercise(`require(${JSON.stringify(index)})`)}
console.log(JSON.stringify({ status: response.status, sent, loaded: Object.keys(require.cache) }));
})().catch((error) => { console.error(error); process.exit(1); });`,
    ]);
    const { status, sent, loaded } = JSON.parse(out) as {
      status: number;
      sent: number;
      loaded: string[];
    };
    expect({ status, sent }).toEqual({ status: 200, sent: 1 });
    expect(loaded).toContain(index);
    expect(loaded.some((file) => file.includes("/packages/mime/dist/"))).toBe(true);
    expect(loaded.filter((file) => /@aws-sdk|transport-ses/.test(file))).toEqual([]);
  });

  it("the agentmail-dev executable's static import graph resolves no @aws-sdk URL", async () => {
    const log = join(dir, "bin.log");
    await writeFile(log, "");
    const out = await node(
      ["--import", pathToFileURL(join(dir, "register.mjs")).href, join(dist, "bin.js"), "--help"],
      { RESOLVED_LOG: log },
    );
    expect(out).toContain("Usage: agentmail-dev");
    const resolved = (await readFile(log, "utf8")).split("\n").filter(Boolean);
    expect(resolved.some((url) => url.includes("/packages/mime/dist/"))).toBe(true);
    expect(resolved.filter((url) => /@aws-sdk|transport-ses/.test(url))).toEqual([]);
  });
});
