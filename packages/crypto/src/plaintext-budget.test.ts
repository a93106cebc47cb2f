// maxPlaintextBytes: the most plaintext one decryption may produce, decompressed or not. Bombs
// (a few KiB that expand to 64 MiB) must fail with plaintext_too_large under a small budget,
// every way, without ever holding the expanded plaintext (RSS is sampled while they run).

import { craftMessage } from "@assmbl/testing/crafted";
import { deterministicBytes, errorOf, readAll } from "@assmbl/testing/crypto-helpers";
import { discard, peakGrowth, streamOf } from "@assmbl/testing/streams";
import { beforeAll, describe, expect, it } from "vitest";
import { MAX_DECOMPRESSED_BYTES } from "./config.js";
import { decryptBytes, decryptStream, decryptToSink, decryptUtf8 } from "./decrypt.js";
import { encryptBytes, encryptUtf8 } from "./encrypt.js";
import { wrapOpenpgpError } from "./errors.js";
import { generateKeyPair, type KeyPairBundle } from "./keys.js";
import { type AgentPrivateKey, loadPrivateKey } from "./private-key.js";
import { compressedBomb } from "./testing/bombs.js";

const MiB = 1024 * 1024;
let alice: KeyPairBundle;
let key: AgentPrivateKey;

beforeAll(async () => {
  alice = await generateKeyPair({ name: "Alice", email: "alice@agents.test" });
  key = await loadPrivateKey(alice.privateKeyArmored);
});

describe("decompression bombs under a 1 MiB budget → plaintext_too_large, memory bounded", () => {
  for (const algorithm of ["zip", "zlib", "bzip2"] as const) {
    it(`${algorithm}: 64 MiB of zeros`, async () => {
      const bomb = await compressedBomb(algorithm, 64);
      expect(bomb.length).toBeLessThan(128 * 1024);
      const armored = await craftMessage(alice.publicKeyArmored, bomb);
      const options = { privateKey: key, maxPlaintextBytes: MiB };
      const codes: string[] = [];
      const growth = await peakGrowth(async () => {
        codes.push((await errorOf(decryptBytes(armored, options))).code);
        codes.push((await errorOf(decryptUtf8(armored, options))).code);
        codes.push(
          (
            await errorOf(
              decryptStream(streamOf(armored), options).then(({ data }) => readAll(data)),
            )
          ).code,
        );
        codes.push(
          (await errorOf(key.decryptInto(streamOf(armored), discard(), { maxPlaintextBytes: MiB })))
            .code,
        );
      });
      expect(codes).toEqual(Array(4).fill("plaintext_too_large"));
      expect(growth).toBeLessThan(48 * MiB);
      // Control: with room for it, the same message decrypts (to a sink that discards it).
      const done = await decryptToSink(streamOf(armored), discard(), {
        privateKey: key,
        // The budget counts the literal packet's header too (openpgp.js counts decompressed bytes).
        maxPlaintextBytes: 65 * MiB,
      });
      expect(done.bytes).toBe(64 * MiB);
    });
  }

  it("the default bound (256 MiB) fails with plaintext_too_large too", async () => {
    expect(MAX_DECOMPRESSED_BYTES).toBe(256 * MiB);
    const armored = await craftMessage(alice.publicKeyArmored, await compressedBomb("zlib", 260));
    const growth = await peakGrowth(async () => {
      const error = await errorOf(decryptToSink(streamOf(armored), discard(), { privateKey: key }));
      expect(error.code).toBe("plaintext_too_large");
    });
    expect(growth).toBeLessThan(64 * MiB);
    // openpgp.js's own message for it maps to the same code wherever it surfaces.
    const mapped = wrapOpenpgpError(
      new Error("Error decrypting message: Maximum decompressed message size exceeded"),
      "decryption_failed",
      "decryption failed",
    );
    expect(mapped.code).toBe("plaintext_too_large");
  }, 60_000);
});

describe("uncompressed plaintext counts against the budget too", () => {
  it("2 MiB of data: refused under 2 MiB - 1, decrypted at exactly 2 MiB, every way", async () => {
    const data = deterministicBytes(5)(2 * MiB);
    const armored = new TextDecoder().decode(await encryptBytes(alice.publicKeyArmored, data));
    for (const [budget, ok] of [
      [2 * MiB - 1, false],
      [2 * MiB, true],
    ] as const) {
      const options = { privateKey: key, maxPlaintextBytes: budget };
      const runs = [
        () => decryptBytes(armored, options).then((result) => result.data),
        () => decryptStream(streamOf(armored), options).then(({ data: out }) => readAll(out)),
        async () => {
          const chunks: Uint8Array[] = [];
          const sink = new WritableStream<Uint8Array>({
            write: (chunk) => void chunks.push(chunk),
          });
          await key.decryptInto(streamOf(armored), sink, { maxPlaintextBytes: budget });
          return new Uint8Array(Buffer.concat(chunks));
        },
      ];
      for (const run of runs) {
        // Buffer#equals: vitest's toEqual walks 2 Mi elements one by one (seconds).
        if (ok) expect(Buffer.from(await run()).equals(data)).toBe(true);
        else expect((await errorOf(run())).code).toBe("plaintext_too_large");
      }
    }
  });

  it("text: decryptUtf8 and decryptText honour it", async () => {
    const armored = await encryptUtf8(alice.publicKeyArmored, "x".repeat(1000));
    expect(
      (await errorOf(decryptUtf8(armored, { privateKey: key, maxPlaintextBytes: 999 }))).code,
    ).toBe("plaintext_too_large");
    expect((await errorOf(key.decryptText(armored, { maxPlaintextBytes: 999 }))).code).toBe(
      "plaintext_too_large",
    );
    expect((await key.decryptText(armored, { maxPlaintextBytes: 1000 })).text).toHaveLength(1000);
  });
});

describe("the option is checked", () => {
  it("not a non-negative integer → invalid_options naming maxPlaintextBytes; unknown options by name", async () => {
    const armored = await encryptUtf8(alice.publicKeyArmored, "hi");
    for (const bad of [-1, 1.5, "10", Number.POSITIVE_INFINITY]) {
      const viaFunction = await errorOf(
        decryptUtf8(armored, { privateKey: key, maxPlaintextBytes: bad as number }),
      );
      expect(viaFunction.code).toBe("invalid_options");
      expect(viaFunction.message).toContain("maxPlaintextBytes");
      const viaKey = await errorOf(key.decryptText(armored, { maxPlaintextBytes: bad as number }));
      expect(viaKey.code).toBe("invalid_options");
      expect(viaKey.message).toContain("maxPlaintextBytes");
    }
    const unknown = await errorOf(
      key.decryptInto(streamOf(armored), discard(), { maxPlaintextByte: 5 } as never),
    );
    expect(unknown.code).toBe("invalid_options");
    expect(unknown.message).toContain('"maxPlaintextByte"');
  });
});
