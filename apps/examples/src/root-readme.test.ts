// The root README's quick start, run as a user runs it: the dev server started by its CLI with the
// README's own flags, the README's `export` lines filled in with what the server printed, and the
// sending example plus the receiving snippet saved as one `.mjs` file in a folder that has the
// packages installed, run with `node`. The mail must reach other-agent's inbox and the receiving
// snippet must print the decrypted text: a README that uses another domain than the server, or
// an id that does not fetch the message, fails here.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createAgentMailClient } from "@assmbl/transport-api";
import { afterAll, beforeAll, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const EXAMPLES = fileURLToPath(new URL("../", import.meta.url));
const BIN = join(ROOT, "packages/dev-server/dist/bin.js");

/** The first fenced block of `lang` after `heading` (or the README's first one). */
function block(readme: string, lang: "ts" | "sh", heading?: string): string {
  const from = heading === undefined ? 0 : readme.indexOf(`\n${heading}\n`);
  if (from === -1) throw new Error(`README.md has no heading ${heading}`);
  const found = new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``).exec(readme.slice(from))?.[1];
  if (found === undefined) throw new Error(`README.md has no ${lang} block after ${heading}`);
  return found;
}

/** What the dev server printed at start: its URL, domain, tokens and key files. */
interface Started {
  url: string;
  mailDomain: string;
  tokens: Map<string, string>;
  keyFiles: Map<string, string>;
  keysDir: string;
}

let readme: string;
let server: ChildProcess | undefined;
let started: Started;

/** Starts `bin.js` with `args` and reads its start-up lines up to the last key path. */
async function startCli(args: string[], agents: number): Promise<Started> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  server = child;
  const out: Started = {
    url: "",
    mailDomain: "",
    tokens: new Map(),
    keyFiles: new Map(),
    keysDir: "",
  };
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  for await (const line of lines) {
    const listening = /listening on (\S+) \(mail domain (\S+)\)/.exec(line);
    if (listening) [, out.url = "", out.mailDomain = ""] = listening;
    const token = /^ {2}(\S+) {2}token (\S+)/.exec(line);
    if (token) out.tokens.set(token[1] ?? "", token[2] ?? "");
    const keysIn = /^Private keys .* in (\S+):$/.exec(line);
    if (keysIn) out.keysDir = keysIn[1] ?? "";
    const keyFile = /^ {2}(\S+) {2}(\/\S+\.private\.asc)$/.exec(line);
    if (keyFile) out.keyFiles.set(keyFile[1] ?? "", keyFile[2] ?? "");
    if (out.keyFiles.size === agents) break;
  }
  // Keep draining: the CLI prints a line per request, and a full pipe would stall it.
  child.stdout?.resume();
  return out;
}

beforeAll(async () => {
  readme = await readFile(join(ROOT, "README.md"), "utf8");
  const command = block(readme, "sh", "### Two agents on your machine");
  const args = /pnpm dev-server ([^\n&|;]*)/.exec(command)?.[1]?.trim().split(/\s+/) ?? [];
  expect(args).toContain("--with-keys");
  const agents = args.filter((arg) => arg === "--agent").length;
  // The README's flags exactly; only the port is picked free so that tests do not collide.
  started = await startCli([...args, "--port", "0"], agents);
}, 60_000);

afterAll(async () => {
  server?.kill();
  if (started?.keysDir) await rm(started.keysDir, { recursive: true, force: true });
});

/** The README's `export` lines (the sh block after the start command), as name → value. */
function readmeEnv(): Record<string, string> {
  const section = readme.slice(readme.indexOf("\n### Two agents on your machine\n"));
  const exports = [...section.matchAll(/```sh\n([\s\S]*?)```/g)]
    .map((match) => match[1] ?? "")
    .find((text) => text.startsWith("export "));
  const env: Record<string, string> = {};
  for (const line of (exports ?? "").split("\n")) {
    const assignments = line.replace(/#.*/, "").replace(/^export /, "");
    for (const [, name = "", value = ""] of assignments.matchAll(/(\w+)=(\S+)/g)) env[name] = value;
  }
  return env;
}

it("documents values that fit the dev server as the README starts it", () => {
  const env = readmeEnv();
  expect(Object.keys(env).sort()).toEqual([
    "AGENTMAIL_API_BASE_URL",
    "AGENTMAIL_RECIPIENT_KEY_FILE",
    "AGENTMAIL_RECIPIENT_TOKEN",
    "AGENTMAIL_TOKEN",
    "MAIL_DOMAIN",
  ]);
  expect(env.MAIL_DOMAIN).toBe(started.mailDomain);
  // The README's URL is the CLI's default port; this run picked a free one.
  expect(env.AGENTMAIL_API_BASE_URL).toBe(started.url.replace(/:\d+$/, ":8025"));
  expect([...started.tokens.keys()].sort()).toEqual(["my-agent", "other-agent"]);
});

it("delivers the top example's mail to other-agent, and the receiving snippet decrypts it", async () => {
  const env = {
    ...readmeEnv(),
    AGENTMAIL_API_BASE_URL: started.url,
    AGENTMAIL_TOKEN: started.tokens.get("my-agent") ?? "",
    AGENTMAIL_RECIPIENT_TOKEN: started.tokens.get("other-agent") ?? "",
    AGENTMAIL_RECIPIENT_KEY_FILE: started.keyFiles.get("other-agent") ?? "",
  };
  // As the README says: the top example, the receiving side below it, one .mjs file, in a folder
  // whose node_modules has the packages (here, the workspace's built ones).
  const source = `${block(readme, "ts")}\n${block(readme, "ts", "#### Receiving")}`;
  const dir = await mkdtemp(join(EXAMPLES, ".root-readme-"));
  let stdout: string;
  try {
    const file = join(dir, "agents.mjs");
    await writeFile(file, source);
    ({ stdout } = await promisify(execFile)(process.execPath, [file], {
      cwd: dirname(file),
      env: { PATH: process.env.PATH ?? "", ...env },
    }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const [sentLine = "", receivedLine = ""] = stdout.trim().split("\n");
  expect(sentLine).toContain("status: 'delivered'");
  expect(receivedLine).toBe("Task 42 corr-42 The numbers are in.");
  const inbox = createAgentMailClient({
    baseUrl: started.url,
    token: env.AGENTMAIL_RECIPIENT_TOKEN,
  });
  const { items } = await inbox.listInbox();
  expect(items.map((item) => [item.sender, item.subject])).toEqual([
    [`my-agent@${started.mailDomain}`, "Task 42"],
  ]);
  // The id the send printed is the id of the message in other-agent's inbox.
  expect(sentLine.split(" ")[0]).toBe(items[0]?.id);
}, 60_000);
