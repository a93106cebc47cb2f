// Streamed encryption reads its input only as fast as its output is read: a reader that stops
// stops the reading of the plaintext (byte counts, not timings). bench/stream-memory.mjs measures
// the memory this keeps flat for 1 GiB.
import { beforeAll, expect, it } from "vitest";
import { encryptStream } from "./encrypt.js";
import { generateKeyPair, type KeyPairBundle } from "./keys.js";
import { openpgpCrypto } from "./mail-crypto.js";

const MiB = 1024 * 1024;
let alice: KeyPairBundle;

beforeAll(async () => {
  alice = await generateKeyPair({ name: "Alice", email: "alice@agents.test" });
});

/** `total` bytes made on demand in 64 KiB chunks, counting how many were pulled. */
function lazySource(total: number) {
  const block = new Uint8Array(64 * 1024).map((_, i) => (i * 131) & 0xff);
  const state = { pulled: 0 };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (state.pulled >= total) return controller.close();
        const size = Math.min(block.length, total - state.pulled);
        state.pulled += size;
        controller.enqueue(block.slice(0, size));
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state };
}

async function settleLoop(rounds = 200): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

it("encryptAttachment and encryptStream stop reading a 64 MiB input while nobody reads the armor", async () => {
  const crypto = openpgpCrypto();
  const recipients = [
    { agentId: "alice", address: "alice@agents.test", publicKeyArmored: alice.publicKeyArmored },
  ];
  for (const encrypt of [
    (input: ReadableStream<Uint8Array>) =>
      crypto.encryptAttachment(input, recipients) as Promise<ReadableStream<Uint8Array>>,
    (input: ReadableStream<Uint8Array>) => encryptStream(alice.publicKeyArmored, input),
  ]) {
    const source = lazySource(64 * MiB);
    const reader = (await encrypt(source.stream)).getReader();
    expect((await reader.read()).done).toBe(false);
    await settleLoop();
    // One chunk read: openpgp.js and the armor hold a few slices, not the 64 MiB.
    expect(source.state.pulled).toBeLessThan(2 * MiB);
    let armored = 0;
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      armored += next.value.length;
    }
    expect(source.state.pulled).toBe(64 * MiB);
    expect(armored).toBeGreaterThan((64 * MiB * 4) / 3);
  }
});
