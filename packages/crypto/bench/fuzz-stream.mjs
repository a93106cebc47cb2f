// Fuzzes streamed decryption against the BUILT dist: single-bit flips (half of them in the first
// 2 KiB, where the packet headers are) and truncations (1 case in 5) of a stream-sized armored
// message (encryptStream, partial lengths), each fed to decryptStream and to decryptInto in 8 KiB
// chunks, and to decryptBytes for reference.
//
//   node bench/fuzz-stream.mjs                     10,000 cases, seed 1
//   node bench/fuzz-stream.mjs --cases 2000 --seed 9 --deadline 3000 --verbose
//
// Every case must settle within the deadline (ms); a case that does not is a hang. Each case's
// verdict is one of:
//   error      rejected with an AgentMailError (what every damaged message should do)
//   intact     decrypted to the original plaintext (a flip in a byte openpgp.js ignores: armor
//              whitespace, an armor header, the CRC-24 line, which openpgp.js 6 does not check)
//   hang       did not settle within the deadline
//   wrong      settled with other plaintext, succeeded where decryptBytes refused, or rejected
//              with something that is not an AgentMailError
// The mutations come from a seeded PRNG (mulberry32, @assmbl/testing/random), so a
// failing case replays exactly: its seed and index are printed with --verbose.
import { parseArgs } from "node:util";
import { seededRandom } from "@assmbl/testing/random";
import {
  decryptBytes,
  decryptStream,
  encryptStream,
  generateKeyPair,
  loadPrivateKey,
} from "../dist/index.js";

const { values: args } = parseArgs({
  options: {
    cases: { type: "string", default: "10000" },
    seed: { type: "string", default: "1" },
    deadline: { type: "string", default: "4000" },
    size: { type: "string", default: String(160 * 1024) },
    verbose: { type: "boolean", default: false },
  },
});
const CASES = Number(args.cases);
const SEED = Number(args.seed);
const DEADLINE_MS = Number(args.deadline);
const PLAINTEXT_BYTES = Number(args.size);
const FEED_CHUNK = 8 * 1024;

function streamOf(bytes) {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + FEED_CHUNK));
      offset += FEED_CHUNK;
    },
  });
}

function equal(a, b) {
  return a.length === b.length && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

const HANG = Symbol("hang");
function withDeadline(promise) {
  let timer;
  const deadline = new Promise((resolve) => {
    timer = setTimeout(() => resolve(HANG), DEADLINE_MS);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

async function viaStream(ciphertext, key) {
  const { data, verification } = await decryptStream(streamOf(ciphertext), { privateKey: key });
  const chunks = [];
  for await (const chunk of data) chunks.push(chunk);
  await verification;
  return Buffer.concat(chunks);
}

async function viaInto(ciphertext, key) {
  const chunks = [];
  const sink = new WritableStream({ write: (chunk) => void chunks.push(chunk) });
  await key.decryptInto(streamOf(ciphertext), sink);
  return Buffer.concat(chunks);
}

async function verdict(run, plaintext, bytesRejected) {
  const outcome = await withDeadline(
    run().then(
      (data) => ({ data }),
      (error) => ({ error }),
    ),
  );
  if (outcome === HANG) return "hang";
  if (outcome.error) return outcome.error?.name === "AgentMailError" ? "error" : "wrong";
  if (bytesRejected || !equal(outcome.data, plaintext)) return "wrong";
  return "intact";
}

const pair = await generateKeyPair({ name: "Fuzz", email: "fuzz@agents.test" });
const key = await loadPrivateKey(pair.privateKeyArmored);
const random = seededRandom(SEED);
const plaintext = new Uint8Array(PLAINTEXT_BYTES).map(() => Math.floor(random() * 256));
const armoredChunks = [];
for await (const chunk of await encryptStream(pair.publicKeyArmored, streamOf(plaintext)))
  armoredChunks.push(chunk);
const armored = Buffer.concat(armoredChunks);
const ways = { decryptStream: viaStream, ...(key.decryptInto ? { decryptInto: viaInto } : {}) };
const counts = Object.fromEntries(
  Object.keys(ways).map((way) => [way, { error: 0, intact: 0, hang: 0, wrong: 0 }]),
);
const started = performance.now();
for (let index = 0; index < CASES; index++) {
  const mutated = Uint8Array.from(armored);
  let what;
  const kind = random();
  if (kind < 0.8) {
    // Half the flips land in the first 2 KiB (key packet, SEIPD header, the literal packet's
    // header and first partial lengths: where damage changes the packet structure).
    const span = kind < 0.4 ? Math.min(2048, armored.length) : armored.length;
    const bit = Math.floor(random() * span * 8);
    mutated[bit >> 3] ^= 1 << (bit & 7);
    what = `flip bit ${bit}`;
  } else {
    const length = Math.floor(random() * armored.length);
    what = `truncate to ${length}`;
  }
  const input = what.startsWith("truncate") ? mutated.subarray(0, Number(what.slice(12))) : mutated;
  const bytesRejected = await decryptBytes(input, { privateKey: key }).then(
    () => false,
    () => true,
  );
  for (const [way, run] of Object.entries(ways)) {
    const result = await verdict(() => run(input, key), plaintext, bytesRejected);
    counts[way][result]++;
    if (args.verbose && (result === "hang" || result === "wrong"))
      console.log(`seed ${SEED} case ${index}: ${what} -> ${way} ${result}`);
  }
  if ((index + 1) % 1000 === 0) console.error(`${index + 1}/${CASES}`);
}
const seconds = (performance.now() - started) / 1000;
console.log(
  `${CASES} cases (seed ${SEED}, ${PLAINTEXT_BYTES} B plaintext, ${armored.length} B armored, ` +
    `deadline ${DEADLINE_MS} ms) in ${seconds.toFixed(0)} s`,
);
for (const [way, count] of Object.entries(counts)) {
  console.log(
    `${way.padEnd(14)} settled-with-error ${count.error}  intact ${count.intact}  ` +
      `hangs ${count.hang}  wrongly-succeeded ${count.wrong}`,
  );
}
console.log(JSON.stringify({ cases: CASES, seed: SEED, counts }));
process.exit(Object.values(counts).some((count) => count.hang || count.wrong) ? 1 : 0);
