// The CLI as a user drives it: the built `agentmail` bin in a child process against the dev
// server. Alice and Bob make their keys with `keygen`, publish them with `register`, Alice sends
// Bob an encrypted message with an attachment through the API and through SES, and Bob reads
// both back decrypted with the attachment on disk. Every output of every run is then scanned for
// the tokens, the passphrase, the private keys and the AWS secret.
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestPlatform, type TestPlatform } from "@assmbl/testing/platform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, transcript } from "./testing/run-cli.js";

const PASSPHRASE = "alice correct horse battery staple";
const CSV = "quarter,revenue\nQ3,1204330\n";

let platform: TestPlatform;
let dir: string;
const keyFiles: Record<string, string> = {};
const fingerprints: Record<string, string> = {};

function envOf(agentId: "alice" | "bob" | "carol", extra: Record<string, string> = {}) {
  return {
    AGENTMAIL_API_BASE_URL: platform.url,
    AGENTMAIL_TOKEN: platform.agent(agentId).token,
    MAIL_DOMAIN: platform.mailDomain,
    AGENTMAIL_AGENT_ID: agentId,
    ...(keyFiles[agentId] ? { AGENTMAIL_PRIVATE_KEY_FILE: keyFiles[agentId] } : {}),
    ...(agentId === "alice" ? { AGENTMAIL_PGP_PASSPHRASE: PASSPHRASE } : {}),
    ...extra,
  };
}

function sesEnv(): Record<string, string> {
  const { accessKeyId, secretAccessKey } = platform.agent("alice").ses;
  return {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: secretAccessKey,
    AWS_ENDPOINT_URL_SES: platform.url,
  };
}

async function inboxIds(agentId: "bob"): Promise<{ id: string; subject: string }[]> {
  const run = await runCli(["inbox", "--all", "--json"], envOf(agentId));
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout).items;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "agentmail-cli-"));
  platform = await startTestPlatform({
    agents: [
      "alice",
      "bob",
      { agentId: "carol", keys: "seed", openpgp: false }, // in the directory, no OpenPGP key
    ],
  });
}, 60_000);

afterAll(async () => {
  await platform?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("agentmail keygen and register", () => {
  it("writes the private key with mode 0600 and says where", async () => {
    for (const agentId of ["alice", "bob"] as const) {
      const env = agentId === "alice" ? { AGENTMAIL_PGP_PASSPHRASE: PASSPHRASE } : {};
      const email = `${agentId}@${platform.mailDomain}`;
      const run = await runCli(
        ["keygen", "--name", agentId, "--email", email, "--out", dir, "--json"],
        env,
      );
      expect(run.code).toBe(0);
      const result = JSON.parse(run.stdout);
      expect(result).toMatchObject({
        privateKeyFile: join(dir, `${agentId}.private.asc`),
        publicKeyFile: join(dir, `${agentId}.public.asc`),
        passphraseProtected: agentId === "alice",
      });
      expect((await stat(result.privateKeyFile)).mode & 0o777).toBe(0o600);
      expect(await readFile(result.privateKeyFile, "utf8")).toContain("PRIVATE KEY BLOCK");
      keyFiles[agentId] = result.privateKeyFile;
      fingerprints[agentId] = result.fingerprint;
    }
  });

  it("never replaces an existing key (exit 2, the file unchanged)", async () => {
    const path = keyFiles.bob ?? "";
    const before = await readFile(path, "utf8");
    const run = await runCli(
      ["keygen", "--name", "bob", "--email", `bob@${platform.mailDomain}`, "--out", dir],
      {},
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error \[invalid_options\]: .*exists/);
    expect(await readFile(path, "utf8")).toBe(before);
  });

  it("registers both keys; lookup shows the fingerprint, status and PGPy compatibility", async () => {
    for (const agentId of ["alice", "bob"] as const) {
      const run = await runCli(["register", "--json"], envOf(agentId));
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ agentId, keyVersion: 1 });
    }
    const lookup = await runCli(["lookup", "bob", "--json"], {
      AGENTMAIL_API_BASE_URL: platform.url,
    });
    expect(lookup.code).toBe(0);
    expect(JSON.parse(lookup.stdout)).toMatchObject({
      agentId: "bob",
      status: "active",
      keyVersion: 1,
      openpgp: { fingerprint: fingerprints.bob, canEncrypt: true },
      pgpy: { compatible: true, problems: [] },
    });
    const text = await runCli(["lookup", "bob"], { AGENTMAIL_API_BASE_URL: platform.url });
    expect(text.stdout).toContain(`openpgp:     ${fingerprints.bob}`);
    expect(text.stdout).toContain("python sdk:  can use this key");
  });
});

describe("agentmail send and read", () => {
  it.each([
    ["api", {}],
    ["ses", "ses"],
  ] as const)(
    "sends encrypted with an attachment via %s; Bob reads it decrypted",
    async (via, extra) => {
      const csv = join(dir, `numbers-${via}.csv`);
      await writeFile(csv, CSV);
      const subject = `Q3 numbers via ${via}`;
      const body = `The Q3 numbers (${via}) are attached. Revenue is up 12%.`;
      const env = envOf("alice", extra === "ses" ? sesEnv() : {});
      // The body on stdin for SES, as a flag for the API: both ways a user gives it.
      const args = [
        "send",
        "--to",
        `bob@${platform.mailDomain}`,
        "--subject",
        subject,
        "--attach",
        csv,
      ];
      const sent = await runCli(
        [...args, "--encrypt", "--via", via, "--json", ...(via === "api" ? ["--text", body] : [])],
        env,
        via === "ses" ? body : undefined,
      );
      expect(sent.stderr).toBe(""); // piped: no progress line
      expect(sent.code).toBe(0);
      const result = JSON.parse(sent.stdout);
      expect(result.transport).toBe(via === "api" ? "agentmail-api" : "ses");
      expect(result.encrypted).toEqual({ body: true, attachments: true });
      expect(result.recipients[0].keyFingerprint).toBe(fingerprints.bob);

      // What the dev server stored is ciphertext: the plaintext never reached the platform.
      const stored = platform.server.store.inbox("bob").find((m) => m.subject === subject);
      expect(stored).toBeDefined();
      expect(JSON.stringify(stored)).not.toContain("Revenue is up");

      const item = (await inboxIds("bob")).find((m) => m.subject === subject);
      expect(item).toBeDefined();
      const downloads = join(dir, `downloads-${via}`);
      const read = await runCli(
        ["read", item?.id ?? "", "--download-dir", downloads, "--json"],
        envOf("bob"),
      );
      expect(read.stderr).toBe("");
      expect(read.code).toBe(0);
      const message = JSON.parse(read.stdout);
      expect(message).toMatchObject({
        sender: `alice@${platform.mailDomain}`,
        encrypted: true,
        body,
        verification: "valid",
      });
      expect(message.attachments).toHaveLength(1);
      expect(message.attachments[0]).toMatchObject({
        filename: `numbers-${via}.csv`,
        decrypted: true,
      });
      expect(message.attachments[0].path).toBe(join(downloads, `numbers-${via}.csv`));
      expect(await readFile(message.attachments[0].path, "utf8")).toBe(CSV);

      const readable = await runCli(["read", item?.id ?? ""], envOf("bob"));
      expect(readable.code).toBe(0);
      expect(readable.stdout).toContain("encrypted:  yes, decrypted");
      expect(readable.stdout).toContain("signature:  valid");
      expect(readable.stdout).toContain(body);
    },
  );

  it("refuses procfs files that stat calls empty and /proc download folders (exit 2, nothing sent, no runaway read)", async () => {
    const send = (extra: string[]) =>
      runCli(
        ["send", "--to", `carol@${platform.mailDomain}`, "--subject", "p", ...extra],
        envOf("alice"),
      );
    const attach = await send(["--text", "x", "--attach", "/proc/self/pagemap"]);
    expect(attach.code).toBe(2);
    expect(attach.stderr).toMatch(/--attach \/proc\/self\/pagemap is over \d+ bytes/);
    const textFile = await send(["--text-file", "/proc/self/pagemap"]);
    expect(textFile.code).toBe(2);
    expect(textFile.stderr).toMatch(/--text-file \/proc\/self\/pagemap is over \d+ bytes/);
    const fifo = await send(["--text", "x", "--attach", "/dev/stdin"]);
    expect(fifo.code).toBe(2);
    expect(fifo.stderr).toMatch(/not a readable regular file/);
    expect(platform.server.store.inbox("carol")).toEqual([]);
    for (const where of ["/proc/self/task/a/b", "/proc/self/fd", "/sys/kernel"]) {
      const read = await runCli(["read", "any", "--download-dir", where], envOf("bob"));
      expect(read.code, where).toBe(2);
      expect(read.stderr).toMatch(/--download-dir: /);
    }
  });

  it("--require-encryption to an agent without a key exits 1 and sends nothing", async () => {
    const run = await runCli(
      [
        "send",
        "--to",
        `carol@${platform.mailDomain}`,
        "--subject",
        "secret",
        "--text",
        "hi",
        "--require-encryption",
      ],
      envOf("alice"),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error \[peer_missing_openpgp_public_key\]: /);
    expect(run.stdout).toBe("");
    expect(platform.server.store.inbox("carol")).toEqual([]);
  });

  it("deletes a message; reading it afterwards is a platform error (exit 3)", async () => {
    const sent = await runCli(
      [
        "send",
        "--to",
        `bob@${platform.mailDomain}`,
        "--subject",
        "to delete",
        "--text",
        "bye",
        "--json",
      ],
      envOf("alice"),
    );
    expect(sent.code).toBe(0);
    const item = (await inboxIds("bob")).find((m) => m.subject === "to delete");
    const deleted = await runCli(["delete", item?.id ?? "", "--json"], envOf("bob"));
    expect(deleted.code).toBe(0);
    expect(JSON.parse(deleted.stdout)).toEqual({ deleted: item?.id });
    const read = await runCli(["read", item?.id ?? ""], envOf("bob"));
    expect(read.code).toBe(3);
    expect(read.stderr).toMatch(/^error \[not_found\]: /);
  });
});

describe("secrets", () => {
  // Last in the file: everything every run above printed, scanned for every secret it was given.
  it("never prints a token, the passphrase, a private key or the AWS secret", () => {
    const secrets = [
      PASSPHRASE,
      platform.agent("alice").token,
      platform.agent("bob").token,
      platform.agent("alice").ses.secretAccessKey,
    ];
    const printed = transcript.join("\n");
    expect(transcript.length).toBeGreaterThan(20);
    for (const secret of secrets) expect(printed).not.toContain(secret);
    expect(printed).not.toContain("PRIVATE KEY BLOCK");
  });
});
