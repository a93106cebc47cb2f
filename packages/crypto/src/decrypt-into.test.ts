// AgentPrivateKey.decryptInto / decryptToSink: plaintext goes to the sink as it is produced, with
// the sink's backpressure; the promise resolves (and the sink is closed) only after the MDC and,
// with expectSigned, the signature passed; any failure aborts the sink.

import { concat } from "@assmbl/testing/crafted";
import { dearmor, deterministicBytes, errorOf, readAll } from "@assmbl/testing/crypto-helpers";
import type { GpgHome } from "@assmbl/testing/gpg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decryptToSink } from "./decrypt.js";
import { encryptBytes, encryptStream } from "./encrypt.js";
import { generateKeyPair, type KeyPairBundle } from "./keys.js";
import { type AgentPrivateKey, loadPrivateKey } from "./private-key.js";
import { createFastGpgHome } from "./testing/gpg-home.js";

const MiB = 1024 * 1024;
let alice: KeyPairBundle;
let signer: KeyPairBundle;
let key: AgentPrivateKey;
let signerKey: AgentPrivateKey;
let gpg: GpgHome;

beforeAll(async () => {
  [alice, signer] = await Promise.all([
    generateKeyPair({ name: "Alice", email: "alice@agents.test" }),
    generateKeyPair({ name: "Signer", email: "signer@agents.test" }),
  ]);
  key = await loadPrivateKey(alice.privateKeyArmored);
  signerKey = await loadPrivateKey(signer.privateKeyArmored);
  gpg = await createFastGpgHome();
  await gpg.importKey(alice.publicKeyArmored);
}, 60_000);

afterAll(async () => {
  await gpg?.cleanup();
});

/** A stream of `bytes` in `chunk`-sized pieces that counts how much was pulled from it. */
function counted(bytes: Uint8Array, chunk = 16 * 1024) {
  const state = { pulled: 0, canceled: false };
  let offset = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (offset >= bytes.length) return controller.close();
        const piece = bytes.slice(offset, offset + chunk);
        offset += chunk;
        state.pulled += piece.length;
        controller.enqueue(piece);
      },
      cancel() {
        state.canceled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state };
}

/** A sink that records what it got and how it ended; `gate` holds every write until opened. */
function recordingSink(options: { gated?: boolean; failAt?: number } = {}) {
  const state = { chunks: [] as Uint8Array[], closed: false, aborted: undefined as unknown };
  let open: () => void = () => {};
  const gate = options.gated
    ? new Promise<void>((resolve) => {
        open = resolve;
      })
    : Promise.resolve();
  const sink = new WritableStream<Uint8Array>({
    async write(chunk) {
      if (options.failAt !== undefined && state.chunks.length >= options.failAt)
        throw new Error("disk full");
      state.chunks.push(chunk);
      await gate;
    },
    close() {
      state.closed = true;
    },
    abort(reason) {
      state.aborted = reason ?? "aborted";
    },
  });
  return { sink, state, open: () => open() };
}

async function settleLoop(rounds = 200): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Waits (a turn of the event loop at a time) until `ready()`; the session key may take a while. */
async function until(ready: () => boolean): Promise<void> {
  while (!ready()) await new Promise((resolve) => setImmediate(resolve));
}

describe("decryptInto writes as it decrypts, with backpressure", () => {
  it("a blocked sink stops the reading of the ciphertext; released, everything arrives", async () => {
    const data = deterministicBytes(1)(8 * MiB);
    const armored = await readAll(
      await encryptStream(alice.publicKeyArmored, counted(data).stream),
    );
    const input = counted(armored);
    const { sink, state, open } = recordingSink({ gated: true });
    let resolved = false;
    const result = key.decryptInto(input.stream, sink).then((value) => {
      resolved = true;
      return value;
    });
    await until(() => state.chunks.length > 0);
    await settleLoop();
    // Plaintext arrived before the end (it is streamed), but the sink holds the first write, so
    // only a bounded part of the 11 MiB of armor was read, and nothing resolved.
    expect(state.chunks.length).toBeGreaterThan(0);
    expect(input.state.pulled).toBeLessThan(2 * MiB);
    expect(resolved).toBe(false);
    expect(state.closed).toBe(false);
    open();
    expect(await result).toEqual({ verification: "unsigned", bytes: data.length });
    expect(state.closed).toBe(true);
    expect(Buffer.from(concat(state.chunks)).equals(data)).toBe(true);
  });

  it("binary (dearmored) input, and a Node-style source through decryptToSink", async () => {
    const data = deterministicBytes(2)(300 * 1024);
    const binary = await dearmor(await encryptBytes(alice.publicKeyArmored, data));
    const { sink, state } = recordingSink();
    const result = await key.decryptInto(counted(binary).stream, sink);
    expect(result.bytes).toBe(data.length);
    expect(Buffer.from(concat(state.chunks)).equals(data)).toBe(true);
    const armored = await encryptBytes(alice.publicKeyArmored, data);
    async function* pieces() {
      for (let i = 0; i < armored.length; i += 1000)
        yield Buffer.from(armored.subarray(i, i + 1000));
    }
    const other = recordingSink();
    expect((await decryptToSink(pieces(), other.sink, { privateKey: key })).bytes).toBe(
      data.length,
    );
  });

  it("a message gpg wrote (ZLIB-compressed) decrypts into the sink", async () => {
    const data = deterministicBytes(3)(512 * 1024);
    const armored = await gpg.encrypt("alice@agents.test", data, { compress: "zlib" });
    const { sink, state } = recordingSink();
    const result = await key.decryptInto(counted(new Uint8Array(armored)).stream, sink);
    expect(result).toEqual({ verification: "unsigned", bytes: data.length });
    expect(Buffer.from(concat(state.chunks)).equals(data)).toBe(true);
  });
});

describe("failures abort the sink and reject with an AgentMailError", () => {
  it("tampered ciphertext: decryption_failed, the sink aborted, never closed, the input released", async () => {
    const data = deterministicBytes(4)(1 * MiB);
    const binary = await dearmor(await encryptBytes(alice.publicKeyArmored, data));
    const middle = Math.floor(binary.length / 2);
    binary[middle] = (binary[middle] ?? 0) ^ 1;
    const input = counted(binary);
    const { sink, state } = recordingSink();
    const error = await errorOf(key.decryptInto(input.stream, sink));
    expect(error.code).toBe("decryption_failed");
    await settleLoop(10);
    expect(state.closed).toBe(false);
    expect(state.aborted).toBe(error);
  });

  it("expectSigned: unsigned → signature_missing; signed by a given key → valid with its fingerprint", async () => {
    const data = deterministicBytes(5)(200 * 1024);
    const unsigned = await encryptBytes(alice.publicKeyArmored, data);
    const missing = recordingSink();
    const error = await errorOf(
      key.decryptInto(counted(unsigned).stream, missing.sink, {
        expectSigned: true,
        verificationKeys: [signer.publicKeyArmored],
      }),
    );
    expect(error.code).toBe("signature_missing");
    await settleLoop(10);
    expect(missing.state).toMatchObject({ closed: false });
    expect(missing.state.aborted).toBe(error);

    const signed = await encryptBytes(alice.publicKeyArmored, data, { signingKey: signerKey });
    const ok = recordingSink();
    const result = await key.decryptInto(counted(signed).stream, ok.sink, {
      expectSigned: true,
      verificationKeys: [signer.publicKeyArmored],
    });
    expect(result).toEqual({
      verification: "valid",
      signerFingerprint: signerKey.fingerprint,
      signerUserIds: ["Signer <signer@agents.test>"],
      bytes: data.length,
    });
    expect(ok.state.closed).toBe(true);

    const stranger = recordingSink();
    const invalid = await errorOf(
      key.decryptInto(counted(signed).stream, stranger.sink, {
        expectSigned: true,
        verificationKeys: [alice.publicKeyArmored],
      }),
    );
    expect(invalid.code).toBe("signature_invalid");
    expect(stranger.state.closed).toBe(false);
  });

  it("the caller's signal: aborted while the sink is blocked, or before the start", async () => {
    const data = deterministicBytes(6)(4 * MiB);
    const armored = await encryptBytes(alice.publicKeyArmored, data);
    const input = counted(armored);
    const { sink, state, open } = recordingSink({ gated: true });
    const controller = new AbortController();
    const pending = errorOf(key.decryptInto(input.stream, sink, { signal: controller.signal }));
    await until(() => state.chunks.length > 0);
    controller.abort(new Error("user gave up"));
    // It settles although the sink's write is still in flight (and will never end by itself).
    const error = await pending;
    expect(error.code).toBe("aborted");
    expect(input.state.canceled).toBe(true);
    // A sink's abort() waits for its in-flight write (the streams standard): once that ends,
    // the sink is aborted, never closed.
    open();
    await settleLoop(10);
    expect(state.closed).toBe(false);
    expect(state.aborted).toBe(error);

    const early = await errorOf(
      key.decryptInto(counted(armored).stream, recordingSink().sink, {
        signal: AbortSignal.abort(),
      }),
    );
    expect(early.code).toBe("aborted");
  });

  it("a sink that fails: decryption_failed naming the sink, the input canceled", async () => {
    const armored = await encryptBytes(alice.publicKeyArmored, deterministicBytes(7)(1 * MiB));
    const input = counted(armored);
    const { sink } = recordingSink({ failAt: 2 });
    const error = await errorOf(key.decryptInto(input.stream, sink));
    expect(error.code).toBe("decryption_failed");
    expect(error.message).toContain("sink failed");
    expect(input.state.canceled).toBe(true);
  });

  it("not a message, or not streams → decryption_failed / invalid_options", async () => {
    const garbage = counted(new TextEncoder().encode("hello, this is not OpenPGP\n"));
    expect((await errorOf(key.decryptInto(garbage.stream, recordingSink().sink))).code).toBe(
      "decryption_failed",
    );
    expect(
      (await errorOf(key.decryptInto(counted(new Uint8Array()).stream, recordingSink().sink))).code,
    ).toBe("decryption_failed");
    const notStream = await errorOf(
      key.decryptInto("-----BEGIN PGP MESSAGE-----" as never, recordingSink().sink),
    );
    expect(notStream.code).toBe("invalid_options");
  });
});
