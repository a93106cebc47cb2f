// Throughput and memory of @assmbl/crypto against GnuPG, in one run.
//
//   node bench/throughput.mjs                  1, 16 and 64 MiB, 3 runs per case (median)
//   node bench/throughput.mjs --quick          1 and 16 MiB only
//   node bench/throughput.mjs --skip-buffer-64 leave out one-buffer 64 MiB (the slowest case, and
//                                              ~650 MiB on top of its input)
//
// Our stream cases also run at 16 MiB with 16 and 256 KiB input chunks. Chunk size trades
// per-chunk stream overhead against the size of the strings the armor makes: a string over
// 128 KiB leaves V8's regular heap for freshly mapped pages, which is slow on these machines.
//
// Peak RSS growth is the peak during the timed run minus the RSS just before it, in a process
// that ran nothing else; for gpg it is the whole gpg process, since gpg starts afresh each time.
//
// Prints a table, then one line of JSON. Nothing is written inside the repository: keys, the
// GnuPG home and the ciphertexts the decryption cases read live in a temp directory that is
// removed at the end.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { createWriteStream, existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { finished } from "node:stream/promises";
import { parseArgs } from "node:util";
import { createGpgHome, GPG } from "@assmbl/testing/gpg";
import * as openpgp from "openpgp";
import {
  decryptBytes,
  decryptStream,
  encryptBytes,
  encryptStream,
  encryptUtf8,
  generateKeyPair,
  hardenedConfig,
  loadPrivateKey,
  openpgpCrypto,
} from "../dist/index.js";

const MiB = 1024 * 1024;
const KiB = 1024;
const DEFAULT_CHUNK = 64 * KiB;
const REPEATS = 3;
const SMALL_WARMUP = 50;
const SMALL_ITERATIONS = 300;
const TIME = "/usr/bin/time";
const CHILD_TIMEOUT_MS = 180_000;

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    "skip-buffer-64": { type: "boolean", default: false },
    case: { type: "string" },
    size: { type: "string" },
    chunk: { type: "string" },
    work: { type: "string" },
  },
});

// ---------------------------------------------------------------------------------------------
// Input data. Byte p of every payload is POOL[p mod POOL_PERIOD], whatever the chunk size, so
// parent and children agree on the SHA-256 without ever holding the payload, and chunks are
// zero-copy views: producing input costs next to nothing, and what is timed is the engine.
// The period is not a power of two so no two 64 KiB chunks are alike.

const POOL_PERIOD = MiB + 7;
const MAX_CHUNK = 256 * KiB;
const POOL = (() => {
  const head = createHash("shake256", { outputLength: POOL_PERIOD })
    .update("assmbl-crypto-bench")
    .digest();
  const pool = new Uint8Array(POOL_PERIOD + MAX_CHUNK);
  pool.set(head, 0);
  pool.set(head.subarray(0, MAX_CHUNK), POOL_PERIOD);
  return pool;
})();

function plaintextStream(totalBytes, chunkBytes) {
  let position = 0;
  return new ReadableStream({
    pull(controller) {
      if (position >= totalBytes) return controller.close();
      const length = Math.min(chunkBytes, totalBytes - position);
      const offset = position % POOL_PERIOD;
      controller.enqueue(POOL.subarray(offset, offset + length));
      position += length;
    },
  });
}

function plaintextBuffer(totalBytes) {
  const out = new Uint8Array(totalBytes);
  for (let position = 0; position < totalBytes; position += MAX_CHUNK) {
    const length = Math.min(MAX_CHUNK, totalBytes - position);
    const offset = position % POOL_PERIOD;
    out.set(POOL.subarray(offset, offset + length), position);
  }
  return out;
}

async function plaintextSha256(totalBytes) {
  const hash = createHash("sha256");
  for await (const chunk of plaintextStream(totalBytes, MAX_CHUNK)) hash.update(chunk);
  return hash.digest("hex");
}

// Reads a file as a web stream of fresh buffers, one read per pull, so memory stays flat and a
// consumer that keeps a chunk keeps only that chunk.
function fileStream(path, chunkBytes) {
  let handle;
  return new ReadableStream({
    async start() {
      handle = await open(path, "r");
    },
    async pull(controller) {
      const buffer = new Uint8Array(chunkBytes);
      const { bytesRead } = await handle.read(buffer, 0, chunkBytes, null);
      if (bytesRead === 0) {
        await handle.close();
        controller.close();
        return;
      }
      controller.enqueue(bytesRead === chunkBytes ? buffer : buffer.subarray(0, bytesRead));
    },
    async cancel() {
      await handle?.close();
    },
  });
}

async function drain(stream, hash) {
  let bytes = 0;
  for await (const chunk of stream) {
    bytes += chunk.length;
    hash?.update(chunk);
  }
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// GnuPG, spawned per operation as a user of gpg would; its start-up is part of its cost.

function gpgArgs(operation) {
  return operation === "encrypt"
    ? ["--batch", "--armor", "--compress-algo", "none", "--trust-model", "always"]
    : ["--batch", "--quiet", "--decrypt"];
}

const hasTime = existsSync(TIME);

/**
 * Runs gpg with `args`, writes `input` (a web stream) to its stdin with back-pressure, and hands
 * stdout to `onData`. Resolves with gpg's own peak RSS in MiB (null when it cannot be known).
 */
async function runGpg(args, input, onData, work) {
  // `/usr/bin/time -o` keeps the measurement out of gpg's stderr.
  const timeFile = join(work, `time-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const command = hasTime ? TIME : GPG;
  const commandArgs = hasTime ? ["-f", "%M", "-o", timeFile, GPG, ...args] : args;
  const child = spawn(command, commandArgs, {
    env: { ...process.env, GNUPGHOME: join(work, "gnupg") },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (text) => {
    stderr += text;
  });
  child.stdout.on("data", onData);
  // Without /usr/bin/time, VmHWM is read until the process is gone; the last read is the peak.
  let hwmKiB = null;
  const poll = hasTime
    ? null
    : setInterval(() => {
        readFile(`/proc/${child.pid}/status`, "utf8").then(
          (status) => {
            const match = /VmHWM:\s+(\d+)/.exec(status);
            if (match) hwmKiB = Math.max(hwmKiB ?? 0, Number(match[1]));
          },
          () => {},
        );
      }, 20);
  const exited = new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve(code));
  });
  // gpg exiting early makes writes fail with EPIPE; the exit code then tells the real story.
  child.stdin.on("error", () => {});
  let gone = false;
  const markGone = () => {
    gone = true;
  };
  exited.then(markGone, markGone);
  try {
    for await (const chunk of input) {
      if (!child.stdin.write(chunk)) {
        // An EPIPE here means gpg quit; its exit code, awaited below, says why.
        await Promise.race([once(child.stdin, "drain"), exited]).catch(() => {});
      }
      if (gone) break;
    }
  } finally {
    child.stdin.end();
  }
  const code = await exited;
  if (poll) clearInterval(poll);
  if (code !== 0) throw new Error(`gpg ${args.join(" ")} exited with ${code}: ${stderr.trim()}`);
  if (hasTime) {
    const text = await readFile(timeFile, "utf8");
    await rm(timeFile, { force: true });
    const kib = Number(/(\d+)\s*$/.exec(text.trim())?.[1]);
    return Number.isFinite(kib) ? kib / KiB : null;
  }
  return hwmKiB === null ? null : hwmKiB / KiB;
}

async function gpgSimple(args, work, input = "") {
  const chunks = [];
  await runGpg(
    args,
    new Blob([input]).stream(),
    (chunk) => {
      chunks.push(chunk);
    },
    work,
  );
  return Buffer.concat(chunks).toString("utf8");
}

// ---------------------------------------------------------------------------------------------
// Cases. Each runs alone in a fresh process (see runChild) so its peak RSS is its own. Our cases
// first push 2 x 1 MiB through the same path: the parsed-key cache and the JIT are per process,
// a long-lived caller has paid for both already, and without it the 1 MiB case measures the JIT.
// gpg gets no such help: every gpg run is a new process, and its start-up is what gpg users pay.

const WARMUPS = 2;

async function warmUp(operation) {
  for (let i = 0; i < WARMUPS; i++) await operation();
}

const CASES = {
  "stream-encrypt": {
    label: "ours stream",
    operation: "encrypt",
    async prepare({ keys, chunk }) {
      await warmUp(async () =>
        drain(await encryptStream(keys.publicKeyArmored, plaintextStream(MiB, chunk))),
      );
    },
    async run({ keys, bytes, chunk }) {
      const armored = await encryptStream(keys.publicKeyArmored, plaintextStream(bytes, chunk));
      return { outBytes: await drain(armored) };
    },
  },
  "stream-decrypt": {
    label: "ours stream",
    operation: "decrypt",
    async prepare({ keys, work, chunk }) {
      const privateKey = await loadPrivateKey(keys.privateKeyArmored);
      await warmUp(async () => {
        const input = fileStream(join(work, "ours-1.asc"), chunk);
        await drain((await decryptStream(input, { privateKey })).data);
      });
      return { privateKey };
    },
    async run({ bytes, chunk, work, prepared, expected }) {
      const hash = createHash("sha256");
      const input = fileStream(join(work, `ours-${bytes / MiB}.asc`), chunk);
      const { data, verification } = await decryptStream(input, {
        privateKey: prepared.privateKey,
      });
      const outBytes = await drain(data, hash);
      await verification;
      return { outBytes, sha256: hash.digest("hex"), expected };
    },
  },
  "buffer-encrypt": {
    label: "openpgp.js one buffer",
    operation: "encrypt",
    async prepare({ keys, bytes }) {
      const small = plaintextBuffer(MiB);
      await warmUp(() => encryptBytes(keys.publicKeyArmored, small));
      // The caller of the one-buffer API holds its input already: it is not counted as growth.
      return { input: plaintextBuffer(bytes) };
    },
    async run({ keys, prepared }) {
      const armored = await encryptBytes(keys.publicKeyArmored, prepared.input);
      return { outBytes: armored.length };
    },
  },
  "buffer-decrypt": {
    label: "openpgp.js one buffer",
    operation: "decrypt",
    async prepare({ keys, bytes, work }) {
      const privateKey = await loadPrivateKey(keys.privateKeyArmored);
      const small = new Uint8Array(await readFile(join(work, "ours-1.asc")));
      await warmUp(() => decryptBytes(small, { privateKey }));
      const input = new Uint8Array(await readFile(join(work, `ours-${bytes / MiB}.asc`)));
      return { privateKey, input };
    },
    async run({ prepared, expected }) {
      const { data } = await decryptBytes(prepared.input, { privateKey: prepared.privateKey });
      const sha256 = createHash("sha256").update(data).digest("hex");
      return { outBytes: data.length, sha256, expected };
    },
  },
  "gpg-encrypt": {
    label: "gpg",
    operation: "encrypt",
    async run({ keys, bytes, chunk, work }) {
      let outBytes = 0;
      const gpgPeakRssMiB = await runGpg(
        [...gpgArgs("encrypt"), "-r", keys.fingerprint, "--encrypt"],
        plaintextStream(bytes, chunk),
        (data) => {
          outBytes += data.length;
        },
        work,
      );
      return { outBytes, gpgPeakRssMiB };
    },
  },
  "gpg-decrypt": {
    label: "gpg",
    operation: "decrypt",
    async run({ bytes, chunk, work, expected }) {
      const hash = createHash("sha256");
      let outBytes = 0;
      const gpgPeakRssMiB = await runGpg(
        gpgArgs("decrypt"),
        fileStream(join(work, `ours-${bytes / MiB}.asc`), chunk),
        (data) => {
          outBytes += data.length;
          hash.update(data);
        },
        work,
      );
      return { outBytes, sha256: hash.digest("hex"), expected, gpgPeakRssMiB };
    },
  },
};

// A 2 KB mail body: ASCII with some multi-byte text, as agents write.
const SMALL_TEXT = (() => {
  const line = "Task 42: the quarterly numbers are in — revenue ↑ 4.2 %, churn ↓. ";
  let text = "";
  while (new TextEncoder().encode(text + line).length <= 2048) text += line;
  return text.padEnd(text.length + (2048 - new TextEncoder().encode(text).length), ".");
})();

const SMALL_CASES = {
  "small-cached": {
    label: "encryptUtf8 (armored key, parsed once)",
    encrypt: ({ keys }) => encryptUtf8(keys.publicKeyArmored, SMALL_TEXT),
  },
  "small-naive": {
    label: "naive readKey + encrypt each time",
    encrypt: async ({ keys }) => {
      // Same profile as the package (hardenedConfig); the difference is the per-call key parse.
      const key = await openpgp.readKey({ armoredKey: keys.publicKeyArmored });
      const message = await openpgp.createMessage({
        binary: new TextEncoder().encode(SMALL_TEXT),
        format: "utf8",
      });
      return openpgp.encrypt({
        message,
        encryptionKeys: key,
        format: "armored",
        config: hardenedConfig,
      });
    },
  },
  "small-mailer": {
    label: "openpgpCrypto().encryptText (mailer)",
    prepare: () => openpgpCrypto(),
    encrypt: ({ keys, prepared }) =>
      prepared.encryptText(SMALL_TEXT, [
        {
          agentId: "bench",
          address: "bench@agents.example.com",
          publicKeyArmored: keys.publicKeyArmored,
          hidden: false,
        },
      ]),
  },
};

// ---------------------------------------------------------------------------------------------
// Child side: one case, one measurement, one JSON line on stdout.

function rssMiB() {
  return process.memoryUsage().rss / MiB;
}

// The kernel's peak RSS backs the 20 ms samples up, since a synchronous stretch (one-buffer
// crypto) starves the timer. Not process.resourceUsage().maxRSS: it survives execve, so a child
// would report its parent's size at spawn. VmHWM is per address space, and writing 5 to
// clear_refs resets it, so warm-up peaks are not counted either.
function resetPeakRss() {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

function kernelPeakRssMiB() {
  try {
    const match = /VmHWM:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"));
    return match ? Number(match[1]) / KiB : null;
  } catch {
    return null;
  }
}

async function child() {
  const work = args.work;
  const keys = JSON.parse(await readFile(join(work, "keys.json"), "utf8"));
  const name = args.case;
  const bytes = Number(args.size ?? 0) * MiB;
  const chunk = Number(args.chunk ?? DEFAULT_CHUNK / KiB) * KiB;
  const expected = keys.sha256[String(bytes / MiB)];
  const context = { keys, bytes, chunk, work, expected };

  if (name in SMALL_CASES) {
    const spec = SMALL_CASES[name];
    context.prepared = await spec.prepare?.(context);
    const privateKey = await loadPrivateKey(keys.privateKeyArmored);
    const check = await privateKey.decryptText(await spec.encrypt(context));
    if (check.text !== SMALL_TEXT) throw new Error(`${name}: round trip changed the text`);
    for (let i = 0; i < SMALL_WARMUP; i++) await spec.encrypt(context);
    const start = performance.now();
    for (let i = 0; i < SMALL_ITERATIONS; i++) await spec.encrypt(context);
    const ms = (performance.now() - start) / SMALL_ITERATIONS;
    process.stdout.write(`${JSON.stringify({ msPerMessage: ms, messagesPerSec: 1000 / ms })}\n`);
    return;
  }

  const spec = CASES[name];
  if (!spec) throw new Error(`unknown case ${name}`);
  context.prepared = (await spec.prepare?.(context)) ?? {};
  globalThis.gc?.();
  const baselineRssMiB = rssMiB();
  const kernelPeak = resetPeakRss();
  let sampledPeak = baselineRssMiB;
  const sampler = setInterval(() => {
    sampledPeak = Math.max(sampledPeak, rssMiB());
  }, 20);
  const start = performance.now();
  const result = await spec.run(context);
  const seconds = (performance.now() - start) / 1000;
  clearInterval(sampler);
  const peakRssMiB = Math.max(sampledPeak, rssMiB(), (kernelPeak && kernelPeakRssMiB()) || 0);
  if (result.expected !== undefined && result.sha256 !== result.expected) {
    throw new Error(`${name} ${bytes / MiB} MiB: SHA-256 ${result.sha256} != ${result.expected}`);
  }
  process.stdout.write(
    `${JSON.stringify({
      mbPerSec: bytes / MiB / seconds,
      seconds,
      peakRssMiB,
      baselineRssMiB,
      sampledPeakRssMiB: sampledPeak,
      outBytes: result.outBytes,
      gpgPeakRssMiB: result.gpgPeakRssMiB,
      sha256ok: result.expected === undefined ? undefined : true,
    })}\n`,
  );
}

// ---------------------------------------------------------------------------------------------
// Parent side.

function runChild(work, name, sizeMiB, chunkKiB = DEFAULT_CHUNK / KiB) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        "--expose-gc",
        process.argv[1],
        "--case",
        name,
        "--size",
        String(sizeMiB),
        "--chunk",
        String(chunkKiB),
        "--work",
        work,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (data) => {
      stdout += data;
    });
    child.stderr.on("data", (data) => {
      stderr += data;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), CHILD_TIMEOUT_MS);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const line = stdout
        .trim()
        .split("\n")
        .findLast((text) => text.startsWith("{"));
      if (code === 0 && line) resolve(JSON.parse(line));
      else reject(new Error(`${name} ${sizeMiB} MiB: child exited ${code ?? signal}\n${stderr}`));
    });
  });
}

const median = (values) => {
  const sorted = values.filter((value) => typeof value === "number").sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const log = (text) => process.stderr.write(`${text}\n`);

async function encryptToFile(path, stream) {
  const handle = await open(path, "w");
  try {
    for await (const chunk of stream) await handle.write(chunk);
  } finally {
    await handle.close();
  }
}

async function setUp(work, sizes) {
  const keys = await generateKeyPair({ name: "Bench Bot", email: "bench@agents.example.com" });
  const gnupg = join(work, "gnupg");
  await rm(gnupg, { recursive: true, force: true });
  // The repository's one GnuPG harness makes the home and imports the keys; the cases below
  // spawn gpg themselves (under /usr/bin/time) with GNUPGHOME pointing at it.
  const home = await createGpgHome({ dir: gnupg });
  await home.importKey(keys.publicKeyArmored);
  await home.importKey(keys.privateKeyArmored);
  const sha256 = {};
  // The decryption cases read ciphertext from here; also proves gpg reads what we write (the
  // gpg-decrypt case checks the hash) and, below, that we read what gpg writes.
  for (const size of new Set([1, ...sizes])) {
    sha256[size] = await plaintextSha256(size * MiB);
    await encryptToFile(
      join(work, `ours-${size}.asc`),
      await encryptStream(keys.publicKeyArmored, plaintextStream(size * MiB, DEFAULT_CHUNK)),
    );
  }
  const saved = {
    publicKeyArmored: keys.publicKeyArmored,
    privateKeyArmored: keys.privateKeyArmored,
    fingerprint: keys.fingerprint,
    sha256,
  };
  await writeFile(join(work, "keys.json"), JSON.stringify(saved));
  return saved;
}

/** Decrypts gpg's ciphertext with our stream API: the other half of the interop check. */
async function checkGpgCiphertext(work, keys, size) {
  const path = join(work, `gpg-${size}.asc`);
  const file = createWriteStream(path);
  await runGpg(
    [...gpgArgs("encrypt"), "-r", keys.fingerprint, "--encrypt"],
    plaintextStream(size * MiB, DEFAULT_CHUNK),
    (data) => {
      file.write(data);
    },
    work,
  );
  file.end();
  await finished(file);
  const privateKey = await loadPrivateKey(keys.privateKeyArmored);
  const hash = createHash("sha256");
  const { data } = await decryptStream(fileStream(path, DEFAULT_CHUNK), { privateKey });
  await drain(data, hash);
  await rm(path);
  const ok = hash.digest("hex") === keys.sha256[size];
  if (!ok) throw new Error(`our decryption of gpg's ${size} MiB ciphertext has the wrong SHA-256`);
  return ok;
}

async function gpgStartupMs(work, keys) {
  const times = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    await runGpg(
      [...gpgArgs("encrypt"), "-r", keys.fingerprint, "--encrypt"],
      new Blob([""]).stream(),
      () => {},
      work,
    );
    times.push(performance.now() - start);
  }
  return median(times);
}

const fmt = (value, digits = 1) =>
  value === null || value === undefined ? "n/a" : value.toFixed(digits);

function table(headers, rows) {
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...rows.map((row) => String(row[i]).length)),
  );
  const line = (cells) =>
    cells
      .map((cell, i) =>
        i === 0 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]),
      )
      .join(" | ");
  return [
    line(headers),
    widths.map((width) => "-".repeat(width)).join("-|-"),
    ...rows.map(line),
  ].join("\n");
}

async function parent() {
  const sizes = args.quick ? [1, 16] : [1, 16, 64];
  const work = await mkdtemp(join(tmpdir(), "assmbl-crypto-bench-"));
  const started = performance.now();
  try {
    log(`work dir ${work}; sizes ${sizes.join(", ")} MiB; ${REPEATS} runs per case`);
    const keys = await setUp(work, sizes);
    const interop = {};
    for (const size of sizes) interop[size] = await checkGpgCiphertext(work, keys, size);
    const gpgStartup = await gpgStartupMs(work, keys);

    const plan = [];
    for (const size of sizes) {
      for (const name of Object.keys(CASES)) {
        if (size === 64 && name.startsWith("buffer-") && args["skip-buffer-64"]) continue;
        plan.push({ name, size, chunk: DEFAULT_CHUNK / KiB });
      }
    }
    for (const chunk of [16, 256]) {
      for (const name of ["stream-encrypt", "stream-decrypt"]) plan.push({ name, size: 16, chunk });
    }
    const smallPlan = Object.keys(SMALL_CASES);

    // Repeats go round the whole plan, so a noisy minute hits every case alike.
    const runs = new Map();
    for (let repeat = 1; repeat <= REPEATS; repeat++) {
      for (const item of plan) {
        const key = `${item.name}:${item.size}:${item.chunk}`;
        const result = await runChild(work, item.name, item.size, item.chunk);
        log(
          `run ${repeat}/${REPEATS} ${key.padEnd(24)} ${fmt(result.mbPerSec)} MB/s, +${fmt(result.peakRssMiB - result.baselineRssMiB)} MiB`,
        );
        runs.set(key, [...(runs.get(key) ?? []), result]);
      }
      for (const name of smallPlan) {
        const result = await runChild(work, name, 0);
        log(`run ${repeat}/${REPEATS} ${name.padEnd(24)} ${fmt(result.msPerMessage, 2)} ms/msg`);
        runs.set(name, [...(runs.get(name) ?? []), result]);
      }
    }

    const results = [];
    for (const item of plan) {
      const list = runs.get(`${item.name}:${item.size}:${item.chunk}`);
      const spec = CASES[item.name];
      const gpg = spec.label === "gpg";
      results.push({
        case: item.name,
        engine: spec.label,
        operation: spec.operation,
        sizeMiB: item.size,
        chunkKiB: item.chunk,
        mbPerSec: median(list.map((run) => run.mbPerSec)),
        // For gpg, what counts is gpg's own memory, not that of the Node process feeding it.
        peakRssGrowthMiB: gpg
          ? median(list.map((run) => run.gpgPeakRssMiB))
          : median(list.map((run) => run.peakRssMiB - run.baselineRssMiB)),
        driverRssGrowthMiB: gpg
          ? median(list.map((run) => run.peakRssMiB - run.baselineRssMiB))
          : undefined,
        baselineRssMiB: median(list.map((run) => run.baselineRssMiB)),
        runsMbPerSec: list.map((run) => Number(run.mbPerSec.toFixed(2))),
        sha256Verified: list.every((run) => run.sha256ok) || undefined,
      });
    }
    for (const result of results) {
      const reference = results.find(
        (other) =>
          other.engine === "gpg" &&
          other.operation === result.operation &&
          other.sizeMiB === result.sizeMiB &&
          other.chunkKiB === DEFAULT_CHUNK / KiB,
      );
      result.vsGpg =
        reference && result.engine !== "gpg" ? result.mbPerSec / reference.mbPerSec : null;
    }

    const order = (result) =>
      (result.operation === "encrypt" ? 0 : 1e6) +
      result.sizeMiB * 1e3 +
      (result.chunkKiB === DEFAULT_CHUNK / KiB ? 0 : result.chunkKiB) +
      ["gpg", "ours stream", "openpgp.js one buffer"].indexOf(result.engine);
    const rows = [...results]
      .sort((a, b) => order(a) - order(b))
      .map((result) => [
        `${result.operation} ${result.engine}${result.chunkKiB === DEFAULT_CHUNK / KiB ? "" : ` (${result.chunkKiB} KiB chunks)`}`,
        `${result.sizeMiB} MiB`,
        fmt(result.mbPerSec),
        result.engine === "gpg"
          ? `${fmt(result.peakRssGrowthMiB)} (gpg total)`
          : fmt(result.peakRssGrowthMiB),
        result.engine === "gpg" ? "ref" : `${fmt(result.vsGpg, 2)}x`,
      ]);

    const small = smallPlan.map((name) => {
      const list = runs.get(name);
      const ms = median(list.map((run) => run.msPerMessage));
      return {
        case: name,
        engine: SMALL_CASES[name].label,
        msPerMessage: ms,
        messagesPerSec: 1000 / ms,
      };
    });
    const naive = small.find((result) => result.case === "small-naive");

    console.log(
      `\n@assmbl/crypto throughput (median of ${REPEATS}; MB = 2^20 bytes of plaintext; ${DEFAULT_CHUNK / KiB} KiB input chunks unless stated)\n`,
    );
    console.log(table(["case", "size", "MB/s", "peak RSS growth (MiB)", "vs gpg"], rows));
    console.log(
      `\n2 KB text message (${SMALL_ITERATIONS} messages after ${SMALL_WARMUP} warm-up, median of ${REPEATS})\n`,
    );
    console.log(
      table(
        ["case", "msgs/s", "ms/msg", "vs naive"],
        small.map((result) => [
          result.engine,
          fmt(result.messagesPerSec, 0),
          fmt(result.msPerMessage, 2),
          `${fmt(naive.msPerMessage / result.msPerMessage, 2)}x`,
        ]),
      ),
    );
    const gpgVersion = (await gpgSimple(["--version"], work)).split("\n")[0];
    console.log(
      `\nSHA-256 of every decryption checked; our decryption of gpg's ciphertext checked at ${Object.keys(interop).join(", ")} MiB.`,
    );
    console.log(
      `gpg peak RSS is the whole gpg process (${hasTime ? "/usr/bin/time %M" : "/proc VmHWM"}); gpg times include its start-up, ~${fmt(gpgStartup, 0)} ms per run.`,
    );
    console.log(
      `Total ${fmt((performance.now() - started) / 1000, 0)} s. ${openpgp.config.versionString}, ${gpgVersion}, Node ${process.version}.\n`,
    );
    console.log(
      JSON.stringify({
        node: process.version,
        openpgp: openpgp.config.versionString,
        gpg: gpgVersion,
        repeats: REPEATS,
        gpgStartupMs: gpgStartup,
        results,
        small,
      }),
    );
  } finally {
    // The agent was started for this GNUPGHOME only; stop it before removing its home.
    await gpgconfKillAgent(work).catch(() => {});
    await rm(work, { recursive: true, force: true });
  }
}

function gpgconfKillAgent(work) {
  return new Promise((resolve) => {
    const child = spawn("gpgconf", ["--kill", "gpg-agent"], {
      env: { ...process.env, GNUPGHOME: join(work, "gnupg") },
      stdio: "ignore",
    });
    child.on("close", resolve);
    child.on("error", resolve);
  });
}

if (args.case) await child();
else await parent();
