// Memory and speed of one streamed attachment sent through createMailer + apiTransport (the
// BUILT dist) to a loopback storage that hashes and discards the upload. Each size runs in a
// fresh child process (so one run's heap does not inflate the next), whose RSS is sampled on
// every chunk the transport pulls and every 10 ms; the server runs in this (parent) process, so
// its memory is not counted. The stream is produced lazily (@assmbl/testing/lazy-stream: xorshift
// pseudo-random bytes, 64 KiB at a time) and hashed as it is produced; MB/s includes generating
// and hashing.
//
// Run: pnpm --filter @assmbl/transport-api build && node packages/transport-api/bench/upload-memory.mjs [MiB ...]
// (default sizes: 16 256 1024)
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { lazyRandomStream } from "@assmbl/testing/lazy-stream";

const MiB = 1024 * 1024;

if (process.argv[2] === "--child") {
  await child(process.argv[3], Number(process.argv[4]));
} else {
  await parent(process.argv.slice(2).map(Number));
}

async function parent(sizes) {
  const { startDiscardingPlatform } = await import("../src/testing/discarding-platform.mjs");
  const platform = await startDiscardingPlatform();
  const rows = [];
  try {
    for (const mib of sizes.length > 0 ? sizes : [16, 256, 1024]) {
      const result = await runChild(platform.url, mib * MiB);
      // The last /send names the measured upload's object key.
      const objectKey = platform.sends.at(-1)?.attachments?.[0]?.object_key;
      const stored = platform.stored.get(objectKey);
      rows.push({
        MiB: mib,
        "peak RSS growth (MiB)": round(result.peakGrowth / MiB),
        "held after GC (MiB)": round(result.heldAfterGc / MiB),
        "MB/s": round(result.bytes / 1e6 / result.seconds),
        "bytes & sha256 match": stored?.bytes === result.bytes && stored?.sha256 === result.sha256,
      });
    }
  } finally {
    await platform.stop();
  }
  console.table(rows);
}

function runChild(url, bytes) {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      ["--expose-gc", fileURLToPath(import.meta.url), "--child", url, String(bytes)],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    proc.stdout.on("data", (chunk) => {
      out += chunk;
    });
    proc.on("error", reject);
    proc.on("exit", (code) => {
      if (code !== 0) reject(new Error(`child exited with ${code}`));
      else resolve(JSON.parse(out));
    });
  });
}

async function child(url, total) {
  const { createMailer } = await import("@assmbl/core");
  const { apiTransport } = await import("../dist/index.js");
  const mailer = createMailer(apiTransport({ baseUrl: url, token: "bench-token" }), {
    from: "bench@agents.localhost",
    mailDomain: "agents.localhost",
  });
  const send = (source) =>
    mailer.send({
      to: "sink@agents.localhost",
      subject: "upload memory",
      text: "attached",
      attachments: [{ filename: "big.bin", content: source.stream }],
    });
  // Warm up (modules, undici, JIT) before the baseline, so the baseline holds them.
  await send(lazyRandomStream(MiB));
  globalThis.gc?.();
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage.rss());
  };
  const timer = setInterval(sample, 10);
  const source = lazyRandomStream(total, { onPull: sample });
  const started = performance.now();
  await send(source);
  const seconds = (performance.now() - started) / 1000;
  clearInterval(timer);
  sample();
  globalThis.gc?.();
  const heldAfterGc = process.memoryUsage.rss() - baseline;
  process.stdout.write(
    JSON.stringify({
      bytes: source.produced(),
      sha256: source.sha256(),
      peakGrowth: peak - baseline,
      heldAfterGc,
      seconds,
    }),
  );
}

function round(value) {
  return Math.round(value * 10) / 10;
}
