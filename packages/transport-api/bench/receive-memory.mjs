// Peak memory of receiving one large encrypted attachment with fetchMessage (the BUILT dist):
// the dev server (in this parent process) delivers it by reference (the message is over 40 MiB),
// and a fresh child process fetches it, with downloadDir (streamed from storage, decrypted into
// a temporary file, linked once authenticated) or without (attachment_too_large past the
// in-memory cap). The child's peak RSS is measured by /usr/bin/time -v; the file's SHA-256 must
// equal the original's.
//
// Run: pnpm --filter @assmbl/transport-api build && node packages/transport-api/bench/receive-memory.mjs [MiB]
// (default 200)
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const MiB = 1024 * 1024;
const self = fileURLToPath(import.meta.url);

if (process.argv[2] === "--child") await child(process.argv[3]);
else await parent(Number(process.argv[2] ?? 200));

async function parent(mib) {
  const { createMailer } = await import("@assmbl/core");
  const { generateKeyPair, loadPrivateKey, openpgpCrypto } = await import("@assmbl/crypto");
  const { startDevServer } = await import("@assmbl/dev-server");
  const { createDirectory } = await import("@assmbl/directory");
  const { apiTransport, createAgentMailClient } = await import("../dist/index.js");
  const domain = "agents.example.com";
  const server = await startDevServer({
    mailDomain: domain,
    agents: [{ agentId: "sender" }, { agentId: "receiver" }],
  });
  const work = mkdtempSync(join(tmpdir(), "agentmail-receive-bench-"));
  try {
    const token = (id) => server.agents[id]?.token ?? "";
    const keys = {};
    for (const id of ["sender", "receiver"]) {
      keys[id] = await generateKeyPair({ name: id, email: `${id}@${domain}` });
      await createDirectory({ baseUrl: server.url, token: token(id) }).register({
        publicKey: keys[id].directoryPublicKeyPem,
        algorithm: keys[id].algorithm,
        keyVersion: 1,
        ifMatchVersion: null,
        openpgpPublicKey: keys[id].publicKeyArmored,
      });
    }
    const bytes = randomBytes(mib * MiB);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const mailer = createMailer(apiTransport({ baseUrl: server.url, token: token("sender") }), {
      from: `sender@${domain}`,
      mailDomain: domain,
      directory: createDirectory({ baseUrl: server.url }),
      crypto: openpgpCrypto({ signingKey: await loadPrivateKey(keys.sender.privateKeyArmored) }),
    });
    await mailer.send({
      to: `receiver@${domain}`,
      subject: "large",
      text: "attached",
      attachments: [{ filename: "big.bin", content: bytes }],
      encrypt: { body: true, attachments: true },
    });
    const inbox = createAgentMailClient({ baseUrl: server.url, token: token("receiver") });
    const [item] = (await inbox.listInbox()).items;
    const config = join(work, "config.json");
    writeFileSync(
      config,
      JSON.stringify({
        url: server.url,
        token: token("receiver"),
        id: item.id,
        key: keys.receiver.privateKeyArmored,
        dir: work,
      }),
    );
    const rows = [];
    for (const mode of ["downloadDir", "memory"]) {
      // The child runs while this process serves it: execFileSync would block the server.
      const result = await runChild(config, mode);
      const file = result.path ? readFileSync(result.path) : undefined;
      rows.push({
        mode,
        MiB: mib,
        "peak RSS (MiB)": Math.round(result.maxRssKiB / 1024),
        seconds: result.seconds,
        outcome: result.outcome,
        "sha256 match": file ? createHash("sha256").update(file).digest("hex") === sha256 : "-",
      });
      if (result.path) rmSync(result.path);
    }
    console.table(rows);
  } finally {
    rmSync(work, { recursive: true, force: true });
    await server.stop();
  }
}

async function runChild(config, mode) {
  const { spawn } = await import("node:child_process");
  const proc = spawn(
    "/usr/bin/time",
    ["-v", process.execPath, self, "--child", `${config}:${mode}`],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  let err = "";
  proc.stdout.on("data", (chunk) => {
    out += chunk;
  });
  proc.stderr.on("data", (chunk) => {
    err += chunk;
  });
  const code = await new Promise((resolve) => proc.on("close", resolve));
  if (code !== 0) throw new Error(`child failed (${code}): ${err}`);
  const maxRssKiB = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(err)?.[1]);
  return { ...JSON.parse(out.trim().split("\n").at(-1)), maxRssKiB };
}

async function child(arg) {
  const [file, mode] = arg.split(":");
  const { loadPrivateKey } = await import("@assmbl/crypto");
  const { createAgentMailClient } = await import("../dist/index.js");
  const config = JSON.parse(readFileSync(file, "utf8"));
  const inbox = createAgentMailClient({ baseUrl: config.url, token: config.token });
  const decryptWith = await loadPrivateKey(config.key);
  const started = performance.now();
  const message = await inbox.fetchMessage(config.id, {
    decryptWith,
    ...(mode === "downloadDir" ? { downloadDir: config.dir } : {}),
  });
  const [attachment] = message.attachments;
  console.log(
    JSON.stringify({
      seconds: Math.round((performance.now() - started) / 100) / 10,
      outcome: attachment?.error?.code ?? (attachment?.decrypted ? "decrypted" : "not decrypted"),
      path: attachment?.path,
    }),
  );
}
