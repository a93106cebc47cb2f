// Messages that are correctly encrypted to our key (valid PKESK, SEIPD v1 and MDC) but whose
// plaintext packets are wrong. decryptBytes always refused them; decryptStream used to hang on
// them for ever (openpgp.js's streaming parser, see stream-guard.ts). Each must now settle with
// an AgentMailError from every decryption, streamed or not, and release nothing. A regression
// shows up as a test timeout (vitest's 30 s), never as a timed assertion.
import { deflateRawSync } from "node:zlib";
import { concat, craftMessage, literalBody, packet } from "@assmbl/testing/crafted";
import { deterministicBytes, errorOf } from "@assmbl/testing/crypto-helpers";
import {
  enums,
  LiteralDataPacket,
  config as openpgpDefaults,
  PacketList,
  SymmetricallyEncryptedDataPacket,
} from "openpgp";
import { beforeAll, describe, expect, it } from "vitest";
import { decryptBytes, decryptStream, decryptToSink } from "./decrypt.js";
import { generateKeyPair, type KeyPairBundle } from "./keys.js";
import { type AgentPrivateKey, loadPrivateKey } from "./private-key.js";

let alice: KeyPairBundle;
let key: AgentPrivateKey;
const bytes = deterministicBytes(11);
const BIG = 100 * 1024; // more than openpgp.js's 64 KiB chunks: the body is streamed in parts

beforeAll(async () => {
  alice = await generateKeyPair({ name: "Alice", email: "alice@agents.test" });
  key = await loadPrivateKey(alice.privateKeyArmored);
});

function streamOf(text: string, chunk = 4096): ReadableStream<Uint8Array> {
  const data = new TextEncoder().encode(text);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= data.length) return controller.close();
      controller.enqueue(data.slice(offset, offset + chunk));
      offset += chunk;
    },
  });
}

/** Runs the message through decryptBytes, decryptStream and decryptToSink. */
async function everyWay(armored: string) {
  const whole = await errorOf(decryptBytes(armored, { privateKey: key }));
  const streamed = await errorOf(
    decryptStream(streamOf(armored), { privateKey: key }).then(async ({ data }) => {
      const next = await data.getReader().read();
      if (!next.done) throw new Error("decryptStream released plaintext");
    }),
  );
  const sink = { chunks: 0, closed: false, aborted: false };
  const into = await errorOf(
    decryptToSink(
      streamOf(armored),
      new WritableStream({
        write: () => void sink.chunks++,
        close: () => {
          sink.closed = true;
        },
        abort: () => {
          sink.aborted = true;
        },
      }),
      { privateKey: key },
    ),
  );
  return { whole, streamed, into, sink };
}

async function expectRefusedEverywhere(armored: string) {
  const { whole, streamed, into, sink } = await everyWay(armored);
  expect(whole.code).toBe("decryption_failed");
  expect(streamed.code).toBe("decryption_failed");
  expect(into.code).toBe("decryption_failed");
  expect(sink).toMatchObject({ closed: false, aborted: true });
}

describe("a valid SEIPD whose plaintext is not a valid message", () => {
  it("a nested Symmetrically Encrypted Data packet (tag 9), built with openpgp.js's packet classes", async () => {
    for (const size of [10, BIG]) {
      const literal = new LiteralDataPacket() as unknown as {
        setBytes(data: Uint8Array, format: enums.literal): void;
      };
      literal.setBytes(bytes(size), enums.literal.binary);
      const list = new PacketList();
      list.push(literal as never);
      const sed = Object.assign(new SymmetricallyEncryptedDataPacket(), {
        packets: list,
      }) as unknown as {
        encrypt(algorithm: number, key: Uint8Array, config: unknown): Promise<void>;
        write(): Uint8Array;
      };
      await sed.encrypt(enums.symmetric.aes256, bytes(32), openpgpDefaults);
      const nested = packet(9, sed.write());
      await expectRefusedEverywhere(await craftMessage(alice.publicKeyArmored, nested));
    }
  });

  it("a nested SEIPD (tag 18) or AEAD packet (tag 20), in one piece or in partial lengths", async () => {
    for (const tag of [18, 20]) {
      await expectRefusedEverywhere(
        await craftMessage(alice.publicKeyArmored, packet(tag, bytes(BIG))),
      );
      await expectRefusedEverywhere(
        await craftMessage(alice.publicKeyArmored, packet(tag, bytes(BIG), 8192)),
      );
    }
  });

  it("a Compressed Data packet with an unknown algorithm, or whose content is not compressed data", async () => {
    await expectRefusedEverywhere(
      await craftMessage(
        alice.publicKeyArmored,
        packet(8, concat([Uint8Array.of(110), bytes(BIG)]), 8192),
      ),
    );
    for (const algorithm of [
      enums.compression.zip,
      enums.compression.zlib,
      enums.compression.bzip2,
    ]) {
      await expectRefusedEverywhere(
        await craftMessage(
          alice.publicKeyArmored,
          packet(8, concat([Uint8Array.of(algorithm), bytes(BIG)]), 8192),
        ),
      );
    }
  });

  it("a literal packet followed by a header that does not parse (a damaged partial length ends it early)", async () => {
    const literal = packet(11, literalBody(bytes(BIG)), 8192);
    await expectRefusedEverywhere(
      await craftMessage(
        alice.publicKeyArmored,
        concat([literal, Uint8Array.of(0x67), bytes(BIG)]),
      ),
    );
  });

  it("two literal packets, or a literal packet and then a compressed one", async () => {
    const literal = packet(11, literalBody(bytes(BIG)), 8192);
    await expectRefusedEverywhere(
      await craftMessage(alice.publicKeyArmored, concat([literal, literal])),
    );
    const compressed = packet(8, concat([Uint8Array.of(1), deflateRawSync(literal)]));
    await expectRefusedEverywhere(
      await craftMessage(alice.publicKeyArmored, concat([literal, compressed])),
    );
  });

  it("a compressed packet nested in a compressed packet (a recursive bomb), or garbage after its literal", async () => {
    const literal = packet(11, literalBody(bytes(BIG)), 8192);
    const inner = packet(8, concat([Uint8Array.of(1), deflateRawSync(literal)]));
    await expectRefusedEverywhere(
      await craftMessage(
        alice.publicKeyArmored,
        packet(8, concat([Uint8Array.of(1), deflateRawSync(inner)])),
      ),
    );
    const trailing = concat([literal, Uint8Array.of(0x67), bytes(1000)]);
    await expectRefusedEverywhere(
      await craftMessage(
        alice.publicKeyArmored,
        packet(8, concat([Uint8Array.of(1), deflateRawSync(trailing)])),
      ),
    );
  });

  it("controls: the same constructions, well-formed, decrypt every way", async () => {
    const data = bytes(BIG);
    const literal = packet(11, literalBody(data), 8192);
    for (const plaintext of [
      literal,
      packet(8, concat([Uint8Array.of(1), deflateRawSync(literal)])),
    ]) {
      const armored = await craftMessage(alice.publicKeyArmored, plaintext);
      expect((await decryptBytes(armored, { privateKey: key })).data).toEqual(data);
      const { data: stream } = await decryptStream(streamOf(armored), { privateKey: key });
      const chunks: Uint8Array[] = [];
      for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
      expect(concat(chunks)).toEqual(data);
      const written: Uint8Array[] = [];
      const result = await decryptToSink(
        streamOf(armored),
        new WritableStream({ write: (chunk) => void written.push(chunk) }),
        { privateKey: key },
      );
      expect(result).toEqual({ verification: "unsigned", bytes: data.length });
      expect(concat(written)).toEqual(data);
    }
  });
});
