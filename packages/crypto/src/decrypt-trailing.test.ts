// A message must be session key packets, then ONE encrypted data packet, then nothing. The
// whole-message decryptions always refused a second SEIPD after the first (openpgp.js's grammar
// check); the streamed ones released the first SEIPD's plaintext and ignored what followed,
// because the streaming parser allows its own SEIPD class (tag 18) anywhere (stream-guard.ts).
// Every decryption must now refuse whatever follows the SEIPD, and the streamed ones must
// release nothing and complete no sink.

import { concat, craftMessage, literalBody, packet } from "@assmbl/testing/crafted";
import { dearmor, deterministicBytes, errorOf, packetSpans } from "@assmbl/testing/crypto-helpers";
import { streamOf } from "@assmbl/testing/streams";
import { armor, enums } from "openpgp";
import { beforeAll, describe, expect, it } from "vitest";
import { decryptBytes, decryptStream, decryptToSink, decryptUtf8 } from "./decrypt.js";
import { generateKeyPair, type KeyPairBundle } from "./keys.js";
import { type AgentPrivateKey, loadPrivateKey } from "./private-key.js";

let alice: KeyPairBundle;
let key: AgentPrivateKey;
const bytes = deterministicBytes(29);
const TEXT = "the first SEIPD's plaintext";
const BIG = 100 * 1024; // more than openpgp.js's 64 KiB chunks: the plaintext is streamed in parts

beforeAll(async () => {
  alice = await generateKeyPair({ name: "Alice", email: "alice@agents.test" });
  key = await loadPrivateKey(alice.privateKeyArmored);
});

/** A valid message to alice (PKESK, SEIPD) holding `plaintext`, binary, then `trailing`. */
async function withTrailing(plaintext: Uint8Array, trailing: Uint8Array): Promise<Uint8Array> {
  const message = await craftMessage(alice.publicKeyArmored, packet(11, literalBody(plaintext)));
  return concat([await dearmor(message), trailing]);
}

/** The SEIPD packet (header and body) of a valid message to alice holding `plaintext`. */
async function seipdOf(plaintext: Uint8Array): Promise<Uint8Array> {
  const binary = await dearmor(
    await craftMessage(alice.publicKeyArmored, packet(11, literalBody(plaintext))),
  );
  const span = packetSpans(binary).find((s) => s.tag === 18) as {
    headerStart: number;
    bodyEnd: number;
  };
  return binary.subarray(span.headerStart, span.bodyEnd);
}

/** decryptBytes, decryptUtf8, decryptStream and decryptToSink on `binary`, armored and not. */
async function everyWay(binary: Uint8Array) {
  const armored = armor(enums.armor.message, binary);
  const outcomes = [];
  for (const [form, input] of [
    ["armored", new TextEncoder().encode(armored)],
    ["binary", binary],
  ] as const) {
    const whole = await errorOf(decryptBytes(input, { privateKey: key }));
    const streamedData: Uint8Array[] = [];
    const streamed = await errorOf(
      decryptStream(streamOf(input, 4096), { privateKey: key }).then(async ({ data }) => {
        for await (const chunk of data as unknown as AsyncIterable<Uint8Array>)
          streamedData.push(chunk);
      }),
    );
    const sink = { closed: false, aborted: false };
    const into = await errorOf(
      decryptToSink(
        streamOf(input, 4096),
        new WritableStream({
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
    outcomes.push({
      form,
      whole: whole.code,
      streamed: streamed.code,
      released: streamedData.length,
      into: into.code,
      sink,
    });
  }
  const utf8 = await errorOf(decryptUtf8(armored, { privateKey: key }));
  return { outcomes, utf8: utf8.code };
}

function expectRefusedEverywhere(result: Awaited<ReturnType<typeof everyWay>>) {
  expect(result.utf8).toBe("decryption_failed");
  for (const outcome of result.outcomes)
    expect(outcome).toEqual({
      form: outcome.form,
      whole: "decryption_failed",
      streamed: "decryption_failed",
      released: 0,
      into: "decryption_failed",
      sink: { closed: false, aborted: true },
    });
}

const text = new TextEncoder().encode(TEXT);

describe("anything after the SEIPD is refused by every decryption", () => {
  it("a second SEIPD: the same one again, or another message's to the same key", async () => {
    for (const size of [0, BIG]) {
      const plaintext = size === 0 ? text : bytes(size);
      const seipd = await seipdOf(plaintext);
      expectRefusedEverywhere(await everyWay(await withTrailing(plaintext, seipd)));
      const other = await seipdOf(new TextEncoder().encode("another"));
      expectRefusedEverywhere(await everyWay(await withTrailing(plaintext, other)));
    }
  });

  it.each([
    ["a literal data packet", () => packet(11, literalBody(new TextEncoder().encode("appended")))],
    ["bytes that are not a packet", () => Uint8Array.of(0x67, 1, 2, 3)],
    ["a cut-short packet header", () => Uint8Array.of(0xcb)],
  ])("%s", async (_name, trailing) => {
    for (const plaintext of [text, bytes(BIG)])
      expectRefusedEverywhere(await everyWay(await withTrailing(plaintext, trailing())));
  });

  it.each([
    ["nothing", () => new Uint8Array()],
    // RFC 4880 §5.8 / RFC 9580 §5.8, §5.14: marker and padding packets MUST be ignored; openpgp.js
    // drops them while parsing, in every decryption alike (they carry no data).
    ["a marker packet", () => packet(10, new TextEncoder().encode("PGP"))],
    ["a padding packet", () => packet(21, bytes(16))],
  ])("control: the message with %s after it decrypts every way", async (_name, trailing) => {
    const binary = await withTrailing(text, trailing());
    expect(await decryptUtf8(armor(enums.armor.message, binary), { privateKey: key })).toEqual({
      text: TEXT,
      verification: "unsigned",
    });
    expect((await decryptBytes(binary, { privateKey: key })).data).toEqual(text);
    const { data } = await decryptStream(streamOf(binary, 4096), { privateKey: key });
    const chunks: Uint8Array[] = [];
    for await (const chunk of data as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
    expect(concat(chunks)).toEqual(text);
    let closed = false;
    const result = await decryptToSink(
      streamOf(binary, 4096),
      new WritableStream({
        close: () => {
          closed = true;
        },
      }),
      { privateKey: key },
    );
    expect(result).toEqual({ verification: "unsigned", bytes: text.length });
    expect(closed).toBe(true);
  });
});
