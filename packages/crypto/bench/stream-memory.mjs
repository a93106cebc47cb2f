// Peak memory and throughput of streamed encryption and decryption against the BUILT dist, each
// case in a child process of its own, beside GnuPG on the same bytes.
//
//   node bench/stream-memory.mjs                   16, 256 and 1024 MiB
//   node bench/stream-memory.mjs --sizes 16,256    other sizes (MiB)
//
// Cases, per size:
//   encrypt        openpgpCrypto().encryptAttachment(stream) of a plaintext file, written to a file
//   encrypt-slow   the same, read by a slow consumer (1 ms per chunk) that discards the armor:
//                  memory must stay flat (openpgp.js must not read ahead of its reader)
//   decryptInto    AgentPrivateKey.decryptInto from the armored file (a web stream) into a sink
//                  that discards the plaintext
//   gpg encrypt    gpg --encrypt --armor --compress-algo none of the plaintext file
//   gpg decrypt    gpg --decrypt of our armored file to /dev/null
// Peak RSS growth: the peak (sampled every 5 ms) minus the RSS just before the case, in a child
// that ran nothing else; for gpg, the whole gpg process's max RSS (/usr/bin/time -v). MB/s counts
// plaintext MiB per second of wall time. Everything is written to a temp directory, removed at the
// end. Prints a table, then one line of JSON.
import { spawn } from "node:child_process";
import { createReadStream, createWriteStream, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createGpgHome, GPG } from "@assmbl/testing/gpg";

const MiB = 1024 * 1024;
const TIME = "/usr/bin/time";
const SELF = fileURLToPath(import.meta.url);

const { values: args } = parseArgs({
  options: {
    sizes: { type: "string", default: "16,256,1024" },
    child: { type: "string" },
    size: { type: "string" },
    work: { type: "string" },
  },
});

function run(command, argv, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { stdio: ["ignore", "pipe", "pipe"], ...options });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0
        ? resolve({ stdout, stderr })
        : reject(new Error(`${command} ${argv.join(" ")} exited ${code}: ${stderr.slice(-500)}`)),
    );
  });
}

// ---- child: one case, measured from inside ----
async function child(kind, size, work) {
  const { loadPrivateKey, openpgpCrypto } = await import("../dist/index.js");
  const pair = JSON.parse(readFileSync(join(work, "pair.json"), "utf8"));
  const plainFile = join(work, `plain-${size}.bin`);
  const armoredFile = join(work, `ours-${size}.asc`);
  const key = kind === "decryptInto" ? await loadPrivateKey(pair.privateKeyArmored) : undefined;
  const crypto = openpgpCrypto();
  const recipients = [
    { agentId: "bench", address: "bench@agents.test", publicKeyArmored: pair.publicKeyArmored },
  ];
  await crypto.checkRecipientKey(pair.publicKeyArmored);
  globalThis.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  const started = performance.now();
  let bytes = size * MiB;
  if (kind === "encrypt" || kind === "encrypt-slow") {
    const input = Readable.toWeb(createReadStream(plainFile, { highWaterMark: 64 * 1024 }));
    const armored = await crypto.encryptAttachment(input, recipients);
    if (kind === "encrypt") {
      await pipeline(Readable.fromWeb(armored), createWriteStream(armoredFile));
    } else {
      const reader = armored.getReader();
      for (let next = await reader.read(); !next.done; next = await reader.read()) {
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    }
  } else {
    const input = Readable.toWeb(createReadStream(armoredFile, { highWaterMark: 64 * 1024 }));
    const result = await key.decryptInto(input, new WritableStream({ write() {} }), {
      maxPlaintextBytes: 2 ** 40,
    });
    if (result.bytes !== size * MiB) throw new Error(`decrypted ${result.bytes} bytes`);
    bytes = result.bytes;
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  process.stdout.write(
    JSON.stringify({ growthMiB: (peak - base) / MiB, mbps: bytes / MiB / seconds, seconds }),
  );
}

// ---- parent ----
async function measureGpg(argv, env, bytes) {
  const started = performance.now();
  const { stderr } = await run(TIME, ["-v", GPG, ...argv], { env });
  const seconds = (performance.now() - started) / 1000;
  const maxKb = Number(
    /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1] ?? Number.NaN,
  );
  return { growthMiB: maxKb / 1024, mbps: bytes / MiB / seconds, seconds };
}

async function writePlaintext(file, size) {
  const block = new Uint8Array(MiB);
  for (let i = 0; i < block.length; i++) block[i] = (i * 2654435761) >>> 24;
  async function* blocks() {
    for (let i = 0; i < size; i++) {
      block[0] = i & 0xff; // not one block repeated verbatim
      yield block;
    }
  }
  await pipeline(Readable.from(blocks()), createWriteStream(file));
}

async function parent() {
  const { generateKeyPair } = await import("../dist/index.js");
  const sizes = args.sizes.split(",").map(Number);
  const work = await mkdtemp(join(tmpdir(), "crypto-stream-memory-"));
  const home = join(work, "gnupg");
  const env = { ...process.env, GNUPGHOME: home };
  const rows = [];
  try {
    const pair = await generateKeyPair({ name: "Bench", email: "bench@agents.test" });
    await writeFile(join(work, "pair.json"), JSON.stringify(pair));
    // The repository's one GnuPG harness makes the home and imports the key; the measured runs
    // spawn gpg themselves under /usr/bin/time -v.
    const gpgHome = await createGpgHome({ dir: home });
    await gpgHome.importKey(pair.privateKeyArmored);
    const gpgCommon = [
      "--batch",
      "--yes",
      "--trust-model",
      "always",
      "--pinentry-mode",
      "loopback",
    ];
    for (const size of sizes) {
      await writePlaintext(join(work, `plain-${size}.bin`), size);
      for (const kind of ["encrypt", "encrypt-slow", "decryptInto"]) {
        const { stdout } = await run(
          process.execPath,
          [SELF, "--child", kind, "--size", String(size), "--work", work],
          { env },
        );
        rows.push({ size, case: kind, ...JSON.parse(stdout) });
      }
      rows.push({
        size,
        case: "gpg encrypt",
        ...(await measureGpg(
          [
            ...gpgCommon,
            "--armor",
            "--compress-algo",
            "none",
            "-r",
            "bench@agents.test",
            "-o",
            join(work, `gpg-${size}.asc`),
            "--encrypt",
            join(work, `plain-${size}.bin`),
          ],
          env,
          size * MiB,
        )),
      });
      rows.push({
        size,
        case: "gpg decrypt",
        ...(await measureGpg(
          [...gpgCommon, "-o", "/dev/null", "--decrypt", join(work, `ours-${size}.asc`)],
          env,
          size * MiB,
        )),
      });
      await rm(join(work, `plain-${size}.bin`));
      await rm(join(work, `ours-${size}.asc`));
      await rm(join(work, `gpg-${size}.asc`));
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  console.log("size MiB  case           peak RSS growth MiB   MB/s (MiB/s)");
  for (const row of rows) {
    console.log(
      `${String(row.size).padStart(8)}  ${row.case.padEnd(14)} ${row.growthMiB.toFixed(1).padStart(12)}${row.case.startsWith("gpg") ? " (whole gpg)" : "            "}  ${row.mbps.toFixed(1).padStart(8)}`,
    );
  }
  console.log(JSON.stringify(rows));
}

if (args.child) await child(args.child, Number(args.size), args.work);
else await parent();
