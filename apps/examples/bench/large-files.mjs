// Large attachments up and down through the dev server, beside gpg on the same bytes.
//
//   pnpm --filter @assmbl/examples bench            (16, 256 and 1024 MiB)
//   pnpm --filter @assmbl/examples bench -- 16 64    (sizes in MiB)
//
// Each direction runs in a process of its own (the dev server in a third), so the peak RSS
// growth reported is the SDK's alone: sending streams the file from disk, encrypts it and uploads
// it through apiTransport; receiving fetches the message with `downloadDir`, which streams the
// attachment from storage, decrypts it into a temporary file and renames it once the integrity
// check passed. The received file's SHA-256 must equal the original's.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { createReadStream, createWriteStream, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateKeyPair } from "@assmbl/crypto";
import { createDirectory } from "@assmbl/directory";

const here = join(dirname(fileURLToPath(import.meta.url)), "large-files");
const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const MiB = 1024 * 1024;
const work = mkdtempSync(join(tmpdir(), "agentmail-bench-"));

function runJson(script, args) {
  const out = execFileSync(process.execPath, ["--expose-gc", join(here, script), ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 20,
    stdio: ["ignore", "pipe", "inherit"],
  });
  return JSON.parse(out.trim().split("\n").at(-1));
}

async function sha256(file) {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk);
  return hash.digest("hex");
}

async function writeRandomFile(file, bytes) {
  const out = createWriteStream(file);
  for (let left = bytes; left > 0; left -= 4 * MiB) {
    if (!out.write(randomBytes(Math.min(4 * MiB, left)))) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}

// gpg's time (s) and peak RSS (bytes) for one command, through GNU time.
function timedGpg(home, args) {
  const run = spawnSync(
    "/usr/bin/time",
    [
      "-f",
      "%e %M",
      "gpg",
      "--homedir",
      home,
      "--batch",
      "--yes",
      "--quiet",
      "--pinentry-mode",
      "loopback",
      ...args,
    ],
    { encoding: "utf8", stdio: ["ignore", "ignore", "pipe"] },
  );
  if (run.status !== 0) throw new Error(`gpg ${args.join(" ")} failed: ${run.stderr}`);
  const [seconds, kib] = run.stderr.trim().split("\n").at(-1).split(" ").map(Number);
  return { ms: seconds * 1000, peak: kib * 1024 };
}

const server = spawn(process.execPath, [join(here, "server.mjs")], {
  stdio: ["ignore", "pipe", "inherit"],
});
try {
  const [line] = await once(server.stdout, "data");
  const { url, mailDomain, tokens } = JSON.parse(String(line).split("\n")[0]);
  const keys = {};
  for (const agentId of ["bench-sender", "bench-receiver"]) {
    keys[agentId] = await generateKeyPair({ name: agentId, email: `${agentId}@${mailDomain}` });
    await createDirectory({ baseUrl: url, token: tokens[agentId] }).register({
      publicKey: keys[agentId].directoryPublicKeyPem,
      algorithm: keys[agentId].algorithm,
      keyVersion: 1,
      ifMatchVersion: null,
      openpgpPublicKey: keys[agentId].publicKeyArmored,
    });
  }
  const receiverKey = join(work, "receiver.asc");
  writeFileSync(receiverKey, keys["bench-receiver"].privateKeyArmored);
  const gnupg = join(work, "gnupg");
  execFileSync("mkdir", ["-m", "700", gnupg]);
  execFileSync("gpg", ["--homedir", gnupg, "--batch", "--quiet", "--import", receiverKey], {
    stdio: "ignore",
  });

  const rows = [];
  for (const size of sizes.length > 0 ? sizes : [16, 256, 1024]) {
    const file = join(work, `file-${size}.bin`);
    await writeRandomFile(file, size * MiB);
    const digest = await sha256(file);
    const subject = `bench ${size} MiB`;
    const sent = runJson("send.mjs", [url, tokens["bench-sender"], mailDomain, file, subject]);
    const downloads = mkdtempSync(join(work, "down-"));
    const received = runJson("receive.mjs", [
      url,
      tokens["bench-receiver"],
      receiverKey,
      subject,
      downloads,
    ]);
    const same = (await sha256(received.path)) === digest;
    const armored = join(work, `file-${size}.asc`);
    const gpgEncrypt = timedGpg(gnupg, [
      "--trust-model",
      "always",
      "--armor",
      "-r",
      `bench-receiver@${mailDomain}`,
      "-o",
      armored,
      "-e",
      file,
    ]);
    const gpgDecrypt = timedGpg(gnupg, ["-o", join(work, `file-${size}.gpg-out`), "-d", armored]);
    rows.push({ size, sent, received, same, gpgEncrypt, gpgDecrypt });
    rmSync(downloads, { recursive: true, force: true });
    for (const f of [file, armored, join(work, `file-${size}.gpg-out`)]) rmSync(f, { force: true });
  }

  const mbps = (size, ms) => ((size * MiB) / 1e6 / (ms / 1000)).toFixed(0);
  const mib = (bytes) => (bytes / MiB).toFixed(1);
  console.log(
    "size MiB | send: MB/s, peak RSS growth MiB | receive (downloadDir): MB/s, peak growth MiB | SHA-256 equal | gpg -e --armor: MB/s, peak RSS MiB | gpg -d: MB/s, peak RSS MiB",
  );
  for (const r of rows) {
    console.log(
      [
        r.size,
        `${mbps(r.size, r.sent.ms)}, ${mib(r.sent.peakGrowth)}`,
        `${mbps(r.size, r.received.ms)}, ${mib(r.received.peakGrowth)}`,
        r.same,
        `${mbps(r.size, r.gpgEncrypt.ms)}, ${mib(r.gpgEncrypt.peak)}`,
        `${mbps(r.size, r.gpgDecrypt.ms)}, ${mib(r.gpgDecrypt.peak)}`,
      ].join(" | "),
    );
  }
  if (rows.some((r) => !r.same)) process.exitCode = 1;
} finally {
  server.kill("SIGTERM");
  rmSync(work, { recursive: true, force: true });
}
