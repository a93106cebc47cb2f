import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import { build } from "tsup";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageBuild } from "../../../tsup.shared.js";
import { AgentMailError } from "./errors.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const SECRET = "sk_live_PRINT123";

describe("how an AgentMailError prints", () => {
  it("inspect and the stack start with the name and the code, like Node's coded errors", () => {
    const error = new AgentMailError({ code: "agent_not_found", message: "no agent other-agent" });
    expect(error.stack?.split("\n")[0]).toBe(
      "AgentMailError [agent_not_found]: no agent other-agent",
    );
    expect(inspect(error).split("\n")[0]).toBe(
      "AgentMailError [agent_not_found]: no agent other-agent",
    );
    expect(String(error)).toBe("AgentMailError [agent_not_found]: no agent other-agent");
    expect(error.name).toBe("AgentMailError");
    expect(AgentMailError.name).toBe("AgentMailError");
  });

  it("labels an error without a message, and a subclass's", () => {
    expect(new AgentMailError({ code: "timeout", message: "" }).stack?.split("\n")[0]).toBe(
      "AgentMailError [timeout]",
    );
    class SubError extends AgentMailError {}
    expect(new SubError({ code: "timeout", message: "x" }).stack?.split("\n")[0]).toBe(
      "AgentMailError [timeout]: x",
    );
  });

  it("prints the code a redacted one falls back to, and never the secret", () => {
    const error = new AgentMailError({
      code: SECRET,
      status: 401,
      message: `rejected ${SECRET}`,
      secrets: [SECRET],
    });
    expect(inspect(error).split("\n")[0]).toBe(
      "AgentMailError [unauthorized]: rejected [redacted]",
    );
    expect(inspect(error, { depth: 5 })).not.toContain(SECRET);
  });
});

// The published files, not the sources: the bundler is what renamed the class (esbuild writes
// `class _AgentMailError` for a class that refers to itself), so core is built here with the
// shared build options into a folder beside node_modules (where zod resolves from).
describe("the built package, in a Node process of its own", () => {
  let outDir = "";

  beforeAll(async () => {
    await mkdir(join(root, "node_modules", ".cache"), { recursive: true });
    outDir = await mkdtemp(join(root, "node_modules", ".cache", "errors-print-"));
    await build({
      ...packageBuild,
      entry: [join(root, "src", "index.ts")],
      outDir,
      dts: false,
      sourcemap: false,
      clean: false,
      silent: true,
      config: false,
      tsconfig: join(root, "tsconfig.json"),
    });
  }, 120_000);

  afterAll(async () => {
    if (outDir !== "") await rm(outDir, { recursive: true, force: true });
  });

  function node(args: string[]): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync(process.execPath, args, { cwd: outDir, encoding: "utf8" });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  it("an uncaught error (ESM) prints as AgentMailError [code], redacted", () => {
    const script = `import { AgentMailError } from ${JSON.stringify(join(outDir, "index.js"))};
throw new AgentMailError({ code: "rate_limited", message: "slow down ${SECRET}", secrets: ["${SECRET}"] });`;
    const { status, stderr } = node(["--input-type=module", "-e", script]);
    expect(status).toBe(1);
    expect(stderr).toMatch(/^AgentMailError \[rate_limited\]: slow down \[redacted\]$/m);
    expect(stderr).toContain("code: 'rate_limited'");
    expect(stderr).not.toContain("_AgentMailError");
    expect(stderr).not.toContain(SECRET);
  });

  it("an unhandled rejection (CJS) prints the same, and the class keeps its name", () => {
    const script = `const { AgentMailError } = require(${JSON.stringify(join(outDir, "index.cjs"))});
console.log(AgentMailError.name);
Promise.reject(new AgentMailError({ code: "peer_missing_openpgp_public_key", message: "no key" }));`;
    const { status, stdout, stderr } = node(["-e", script]);
    expect(status).toBe(1);
    expect(stdout.trim()).toBe("AgentMailError");
    expect(stderr).toMatch(/^AgentMailError \[peer_missing_openpgp_public_key\]: no key$/m);
    expect(stderr).not.toContain("_AgentMailError");
  });
});
