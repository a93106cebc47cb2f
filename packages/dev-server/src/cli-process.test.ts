// The `agentmail-dev` executable as people run it: the built dist/bin.js in a child process,
// its stdout read line by line. Run `pnpm --filter @assmbl/dev-server build` first.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { DirectoryRecordSchema, Routes, routePath } from "@assmbl/core";
import { encryptUtf8, loadPrivateKey } from "@assmbl/crypto";
import { SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";
import { afterEach, describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
const BODY = "the secret numbers are 4 8 15 16 23 42";

interface Running {
  child: ChildProcess;
  lines: string[];
  /** Resolves with the first line matching `pattern` (printed already or still to come). */
  line(pattern: RegExp): Promise<string>;
  /** SIGTERM, then every line the process printed. */
  stop(): Promise<string[]>;
}

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGTERM");
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

function run(args: string[]): Running {
  const child = spawn(process.execPath, [BIN, "--port", "0", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  const lines: string[] = [];
  const waiting: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
    lines.push(line);
    for (const wait of waiting.filter((w) => w.pattern.test(line))) {
      waiting.splice(waiting.indexOf(wait), 1);
      wait.resolve(line);
    }
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return {
    child,
    lines,
    line: (pattern) =>
      new Promise((resolve, reject) => {
        const found = lines.find((line) => pattern.test(line));
        if (found !== undefined) return resolve(found);
        waiting.push({ pattern, resolve });
        void closed.then(() => reject(new Error(`exited without ${pattern}: ${stderr}`)));
      }),
    stop: async () => {
      child.kill("SIGTERM");
      await closed;
      return lines;
    },
  };
}

/** The URL, each agent's token and SES credentials, and each key path from the banner. */
async function banner(running: Running, agents: string[]) {
  const url = /listening on (\S+)/.exec(await running.line(/listening on/))?.[1] ?? "";
  const agent: Record<string, { token: string; id: string; secret: string }> = {};
  for (const id of agents) {
    const line = await running.line(new RegExp(`^  ${id}  token `));
    const [, token = "", keyId = "", secret = ""] =
      /token (\S+) {2}ses-access-key-id (\S+) {2}ses-secret-access-key (\S+)/.exec(line) ?? [];
    agent[id] = { token, id: keyId, secret };
  }
  return { url, agent };
}

async function sendApi(url: string, token: string, body: Record<string, unknown>) {
  const response = await fetch(`${url}${Routes.send.path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { message_id: string };
}

describe("agentmail-dev (the built executable)", () => {
  it("--with-keys writes 0600 private keys that load and match the directory; one line per request and delivery, no secrets", async () => {
    const keysDir = await mkdtemp(join(tmpdir(), "am-keys-test-"));
    dirs.push(keysDir);
    const running = run([
      "--agent",
      "my-agent",
      "--agent",
      "other-agent",
      "--with-keys",
      "--keys-dir",
      keysDir,
    ]);
    const { url, agent } = await banner(running, ["my-agent", "other-agent"]);
    const keyLine = await running.line(/^ {2}other-agent {2}\//);
    const keyPath = keyLine.trim().split(/\s+/)[1] ?? "";
    expect(keyPath).toBe(join(keysDir, "other-agent.private.asc"));
    expect(await running.line(/^Private keys/)).toContain(keysDir);
    expect((await stat(keyPath)).mode & 0o777).toBe(0o600);
    const armoredPrivate = await readFile(keyPath, "utf8");
    const privateKey = await loadPrivateKey(armoredPrivate);

    // The directory serves the key whose private half was written.
    const record = DirectoryRecordSchema.parse(
      await (await fetch(url + routePath(Routes.getAgent, { agent_id: "other-agent" }))).json(),
    );
    expect(record.key_version).toBe(1);
    const ciphertext = await encryptUtf8(record.openpgp_public_key ?? "", BODY);

    // Through the AWS SDK to the SES endpoint, and through /send, each to a local agent and to
    // a domain this server does not serve.
    const ses = new SESv2Client({
      endpoint: url,
      region: "us-east-1",
      credentials: {
        accessKeyId: agent["my-agent"]?.id ?? "",
        secretAccessKey: agent["my-agent"]?.secret ?? "",
      },
    });
    const { MessageId } = await ses.send(
      new SendEmailCommand({
        FromEmailAddress: "my-agent@agents.localhost",
        Destination: { ToAddresses: ["other-agent@agents.localhost", "x@agents.example.com"] },
        Content: { Simple: undefined, Raw: { Data: Buffer.from(rawMessage(ciphertext)) } },
      }),
    );
    ses.destroy();
    const sent = await sendApi(url, agent["my-agent"]?.token ?? "", {
      to: "x@agents.example.com",
      cc: ["other-agent@agents.localhost"],
      subject: "plain",
      body: BODY,
    });

    // The receiver reads and decrypts the SES copy with the written key.
    const token = agent["other-agent"]?.token ?? "";
    const inbox = (await (
      await fetch(url + Routes.listInbox.path, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { items: Array<{ MessageID: string; Subject: string }> };
    const encrypted = inbox.items.find((item) => item.Subject === "encrypted");
    const message = (await (
      await fetch(url + routePath(Routes.getMessage, { id: encrypted?.MessageID ?? "" }), {
        headers: { authorization: `Bearer ${token}` },
      })
    ).json()) as { raw_mime: string };
    const armored = message.raw_mime.slice(message.raw_mime.indexOf("-----BEGIN PGP MESSAGE"));
    expect((await privateKey.decryptText(armored)).text).toBe(BODY);

    const lines = await running.stop();
    const after = lines.slice(lines.findIndex((line) => line.startsWith("Private keys")) + 3);
    expect(after).toEqual(
      expect.arrayContaining([
        `GET /public/agents/other-agent 200 -`,
        `mail ses ${MessageId} from my-agent: delivered to inbox of other-agent`,
        `mail ses ${MessageId} from my-agent: outbound (not served here): x@agents.example.com`,
        `POST /v2/email/outbound-emails 200 my-agent`,
        `mail api ${sent.message_id} from my-agent: delivered to inbox of other-agent`,
        `mail api ${sent.message_id} from my-agent: outbound (not served here): x@agents.example.com`,
        `POST /send 200 my-agent`,
        `GET /inbox 200 other-agent`,
      ]),
    );
    expect(
      after.every((line) => /^(GET|POST) \S+ \d{3} \S+$|^mail (api|ses) \S+ from \S+: /.test(line)),
    ).toBe(true);
    // No token, SES secret, key material or message text in any line after the banner.
    const secrets = [
      ...Object.values(agent).flatMap((a) => [a.token, a.secret]),
      BODY,
      "BEGIN PGP",
      armoredPrivate.split("\n")[3] ?? "",
    ];
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(8);
      expect(after.filter((line) => line.includes(secret))).toEqual([]);
    }
  });

  it("--quiet prints the banner and no line per request", async () => {
    const running = run(["--agent", "my-agent", "--quiet"]);
    const { url, agent } = await banner(running, ["my-agent"]);
    await sendApi(url, agent["my-agent"]?.token ?? "", {
      to: "x@agents.example.com",
      subject: "s",
      body: "b",
    });
    expect((await fetch(`${url}/public/agents/my-agent/pricing`)).status).toBe(200);
    const lines = await running.stop();
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^AgentMail dev server listening on /);
  });

  it("never overwrites a private key file", async () => {
    const keysDir = await mkdtemp(join(tmpdir(), "am-keys-test-"));
    dirs.push(keysDir);
    await writeFile(join(keysDir, "my-agent.private.asc"), "mine");
    const running = run(["--agent", "my-agent", "--with-keys", "--keys-dir", keysDir]);
    const code = await new Promise((resolve) => running.child.once("exit", resolve));
    expect(code).toBe(1);
    expect(await readFile(join(keysDir, "my-agent.private.asc"), "utf8")).toBe("mine");
  });
});

function rawMessage(armored: string): string {
  return [
    "From: my-agent@agents.localhost",
    "To: other-agent@agents.localhost, x@agents.example.com",
    "Subject: encrypted",
    "X-AgentMail-Encrypted: body",
    "Content-Type: text/plain; charset=utf-8",
    "",
    armored.replace(/\r?\n/g, "\r\n"),
  ].join("\r\n");
}
