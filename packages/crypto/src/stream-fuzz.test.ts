// Single-bit flips and truncations of a stream-sized armored message (more than 64 KiB of
// plaintext, written by encryptStream in several partial-length chunks), from a seeded PRNG so
// that a failure replays. Each case must settle: with an AgentMailError, or (a flip in a byte
// openpgp.js ignores, such as the CRC-24 line) with exactly the original plaintext, and never
// with plaintext where decryptBytes refused. Before the stream guard, about 1 flip in 200 of this
// message hung decryptStream for ever. `pnpm fuzz` runs 10,000 such cases against the build.

import { concat } from "@assmbl/testing/crafted";
import { deterministicBytes, readAll } from "@assmbl/testing/crypto-helpers";
import { seededRandom } from "@assmbl/testing/random";
import { beforeAll, describe, expect, it } from "vitest";
import { decryptBytes, decryptStream } from "./decrypt.js";
import { encryptStream } from "./encrypt.js";
import { generateKeyPair } from "./keys.js";
import { type AgentPrivateKey, loadPrivateKey } from "./private-key.js";

const PLAINTEXT_BYTES = 96 * 1024;
const FEED_CHUNK = 8 * 1024;
let key: AgentPrivateKey;
let plaintext: Uint8Array;
let armored: Uint8Array;

beforeAll(async () => {
  const pair = await generateKeyPair({ name: "Fuzz", email: "fuzz@agents.test" });
  key = await loadPrivateKey(pair.privateKeyArmored);
  plaintext = deterministicBytes(3)(PLAINTEXT_BYTES);
  armored = await readAll(await encryptStream(pair.publicKeyArmored, streamOf(plaintext)));
});

function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + FEED_CHUNK));
      offset += FEED_CHUNK;
    },
  });
}

type Outcome = { error: { code?: string; name?: string } } | { data: Uint8Array };

async function settle(run: () => Promise<Uint8Array>): Promise<Outcome> {
  return run().then(
    (data) => ({ data }),
    (error) => ({ error }),
  );
}

const viaStream = async (input: Uint8Array) => {
  const { data, verification } = await decryptStream(streamOf(input), { privateKey: key });
  const out = await readAll(data);
  await verification;
  return out;
};

const viaInto = async (input: Uint8Array) => {
  const chunks: Uint8Array[] = [];
  const sink = new WritableStream<Uint8Array>({ write: (chunk) => void chunks.push(chunk) });
  await key.decryptInto(streamOf(input), sink);
  return concat(chunks);
};

/** Runs `count` mutations; returns how many were refused (the rest decrypted intact). */
async function fuzz(seed: number, count: number, mutate: (random: () => number) => Uint8Array) {
  const random = seededRandom(seed);
  let refused = 0;
  for (let index = 0; index < count; index++) {
    const input = mutate(random);
    const whole = await settle(async () => (await decryptBytes(input, { privateKey: key })).data);
    for (const [way, run] of [
      ["decryptStream", viaStream],
      ["decryptInto", viaInto],
    ] as const) {
      const outcome = await settle(() => run(input));
      const label = `seed ${seed} case ${index} ${way}`;
      if ("error" in outcome) {
        expect(outcome.error.name, label).toBe("AgentMailError");
        if (way === "decryptInto") refused++;
      } else {
        expect("error" in whole, `${label}: succeeded where decryptBytes refused`).toBe(false);
        expect(outcome.data, label).toEqual(plaintext);
      }
    }
  }
  return refused;
}

function flip(random: () => number, from: number, to: number): Uint8Array {
  const mutated = armored.slice();
  const bit = from * 8 + Math.floor(random() * (to - from) * 8);
  mutated[bit >> 3] = (mutated[bit >> 3] ?? 0) ^ (1 << (bit & 7));
  return mutated;
}

describe("damaged stream-sized messages settle with an AgentMailError, streamed or not", () => {
  it("the message is stream-sized: more than 64 KiB of plaintext, in several partial-length chunks", () => {
    expect(armored.length).toBeGreaterThan(PLAINTEXT_BYTES);
    expect(armored.length / FEED_CHUNK).toBeGreaterThan(8);
  });

  // The first 2 KiB of armor hold the key packet, the SEIPD header and the literal packet's
  // header: where most of the hangs were. Then the whole armor, then truncations.
  it("120 single-bit flips in the first 2 KiB", async () => {
    const refused = await fuzz(101, 120, (random) => flip(random, 0, 2048));
    expect(refused).toBeGreaterThan(100);
  });

  it("120 single-bit flips anywhere", async () => {
    const refused = await fuzz(202, 120, (random) => flip(random, 0, armored.length));
    expect(refused).toBeGreaterThan(100);
  });

  it("80 truncations", async () => {
    const refused = await fuzz(303, 80, (random) =>
      armored.subarray(0, Math.floor(random() * armored.length)),
    );
    expect(refused).toBe(80);
  });
});
