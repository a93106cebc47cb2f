// What comes before and around the OpenPGP data is read under caps (leading-space.ts,
// armor-limits.ts): hostile white space, endless armor lines, huge header blocks and endless
// tails are refused with decryption_failed after reading little of them and holding less, while
// real armor (gpg's, with Comment:/Version: headers, CRLF, blank lines first) still decrypts.

import { concat } from "@assmbl/testing/crafted";
import { deterministicBytes, errorOf, readAll } from "@assmbl/testing/crypto-helpers";
import type { GpgHome } from "@assmbl/testing/gpg";
import { discard, peakGrowth, streamOf } from "@assmbl/testing/streams";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArmorLimits, MAX_ARMOR_HEADERS, MAX_ARMOR_LINE, MAX_ARMOR_TAIL } from "./armor-limits.js";
import { decryptBytes, decryptStream, decryptToSink } from "./decrypt.js";
import { encryptBytes } from "./encrypt.js";
import { generateKeyPair, type KeyPairBundle } from "./keys.js";
import { MAX_LEADING_SPACE } from "./leading-space.js";
import { type AgentPrivateKey, loadPrivateKey } from "./private-key.js";
import { createFastGpgHome } from "./testing/gpg-home.js";

const KiB = 1024;
const MiB = 1024 * KiB;
const encode = (text: string) => new TextEncoder().encode(text);
let alice: KeyPairBundle;
let key: AgentPrivateKey;
let gpg: GpgHome;

beforeAll(async () => {
  alice = await generateKeyPair({ name: "Alice", email: "alice@agents.test" });
  key = await loadPrivateKey(alice.privateKeyArmored);
  gpg = await createFastGpgHome();
  await gpg.importKey(alice.publicKeyArmored);
}, 60_000);

afterAll(async () => {
  await gpg?.cleanup();
});

/**
 * `head`, then `fill` repeated in 64 KiB chunks up to `total` bytes, made as they are pulled;
 * `state.pulled` says how much was.
 */
function endless(head: string, fill: string, total = 256 * MiB) {
  const state = { pulled: 0 };
  const chunk = encode(fill.repeat(Math.ceil((64 * KiB) / fill.length)).slice(0, 64 * KiB));
  let first = true;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (state.pulled >= total) return controller.close();
        const next = first ? encode(head) : chunk.slice();
        first = false;
        state.pulled += next.length;
        controller.enqueue(next);
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state };
}

/** Decrypts `input` every way: whole, streamed and held, streamed into a sink. */
async function everyWay(input: Uint8Array, chunk = 16 * KiB) {
  const whole = (await decryptBytes(input, { privateKey: key })).data;
  const { data, verification } = await decryptStream(streamOf(input, chunk), { privateKey: key });
  const held = await readAll(data);
  await verification;
  const chunks: Uint8Array[] = [];
  const sink = new WritableStream<Uint8Array>({ write: (part) => void chunks.push(part) });
  await key.decryptInto(streamOf(input, chunk), sink);
  return [whole, held, concat(chunks)];
}

/** The codes and messages `input` is refused with, whole and streamed. */
async function refusals(input: Uint8Array) {
  const whole = await errorOf(decryptBytes(input, { privateKey: key }));
  const streamed = await errorOf(decryptToSink(streamOf(input), discard(), { privateKey: key }));
  return [whole, streamed].map(({ code, message }) => ({ code, message }));
}

describe("endless input around the armor is refused early, in bounded memory", () => {
  // Each feeds up to 256 MiB, made lazily: before the caps these held all they read (the
  // reviewer measured 524 MiB for 512 MiB of spaces, 534 MiB for a 256 MiB header line).
  const cases = [
    ["white space first", "\r\n", " \t\r\n", "bytes of white space"],
    ["an endless header line", "-----BEGIN PGP MESSAGE-----\nComment: ", "A", "armor headers"],
    ["endless short header lines", "-----BEGIN PGP MESSAGE-----\n", "C: d\n", "armor headers"],
    ["an endless body line", "-----BEGIN PGP MESSAGE-----\n\n", "QUFB", "longer than 65536"],
    ["an endless tail", "-----BEGIN PGP MESSAGE-----\n\nQUFB=\n", "QUFB\n", "follow the end"],
    ["an endless cleartext", "-----BEGIN PGP SIGNED MESSAGE-----\n\n", "a\n", "is not"],
    ["endless text before the armor", "Hello,\n", "some text\n", "come before"],
  ] as const;
  for (const [name, head, fill, says] of cases) {
    it(`${name} → decryption_failed naming it, after reading < 256 KiB`, async () => {
      const { stream, state } = endless(head, fill);
      let error: Awaited<ReturnType<typeof errorOf>> | undefined;
      const growth = await peakGrowth(async () => {
        error = await errorOf(decryptToSink(stream, discard(), { privateKey: key }));
      });
      expect(error?.code).toBe("decryption_failed");
      expect(error?.message).toContain(says);
      expect(state.pulled).toBeLessThan(256 * KiB);
      expect(growth).toBeLessThan(24 * MiB);
    });
  }

  it("decryptStream refuses the same way (white space, an endless header line)", async () => {
    for (const [head, fill] of [
      ["\n", " "],
      ["-----BEGIN PGP MESSAGE-----\nComment: ", "A"],
    ]) {
      const { stream, state } = endless(head as string, fill as string);
      const error = await errorOf(
        decryptStream(stream, { privateKey: key }).then(({ data }) => readAll(data)),
      );
      expect(error.code).toBe("decryption_failed");
      expect(state.pulled).toBeLessThan(256 * KiB);
    }
  });
});

describe("the caps, at their edges", () => {
  it("a line of exactly the cap passes, one character more is refused, however it is split", () => {
    for (const split of [1, 7, 4096, 64 * KiB, 200 * KiB]) {
      for (const [extra, ok] of [
        [0, true],
        [1, false],
      ] as const) {
        const text = `-----BEGIN PGP MESSAGE-----\n\nQUFB\n${"Q".repeat(MAX_ARMOR_LINE + extra)}\nQUFB\n`;
        const limits = new ArmorLimits();
        const run = () => {
          for (let at = 0; at < text.length; at += split) limits.check(text.slice(at, at + split));
        };
        if (ok) expect(run, `split ${split}`).not.toThrow();
        else expect(run, `split ${split}`).toThrow(/longer than 65536/);
      }
    }
  });

  it("header block and tail: at the cap pass, past it refused", () => {
    const header = (size: number) =>
      `-----BEGIN PGP MESSAGE-----\nComment: ${"c".repeat(size - 11)}\n\n`;
    expect(() => new ArmorLimits().check(header(MAX_ARMOR_HEADERS))).not.toThrow();
    expect(() => new ArmorLimits().check(header(MAX_ARMOR_HEADERS + 1))).toThrow(/armor headers/);
    const tail = (size: number) => `-----BEGIN PGP MESSAGE-----\n\nQUFB${"=".repeat(size)}`;
    expect(() => new ArmorLimits().check(tail(MAX_ARMOR_TAIL))).not.toThrow();
    expect(() => new ArmorLimits().check(tail(MAX_ARMOR_TAIL + 1))).toThrow(/follow the end/);
  });

  it("white space: the cap's worth of blank lines passes, a byte more is refused", async () => {
    const armored = await encryptBytes(alice.publicKeyArmored, encode("behind blank lines"));
    const blank = (size: number) => encode("\r\n \t\n".repeat(size / 5).padEnd(size, "\n"));
    const ok = concat([blank(MAX_LEADING_SPACE), armored]);
    for (const out of await everyWay(ok))
      expect(new TextDecoder().decode(out)).toBe("behind blank lines");
    const refused = await errorOf(
      decryptToSink(streamOf(concat([blank(MAX_LEADING_SPACE + 1), armored])), discard(), {
        privateKey: key,
      }),
    );
    expect(refused.code).toBe("decryption_failed");
    expect(refused.message).toContain("65536 bytes of white space");
  });
});

describe("whole inputs (decryptBytes) are held to the same armor caps", () => {
  it("an oversized header block, a cleartext-signed message, a huge line: refused both ways", async () => {
    for (const [text, same] of [
      [`-----BEGIN PGP MESSAGE-----\n${"C: d\n".repeat(MAX_ARMOR_HEADERS / 5 + 1)}\nQUFB\n`, true],
      ["-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nhello\n", true],
      // Streamed, openpgp.js may refuse the line's garbage base64 before it is 64 KiB long.
      [`-----BEGIN PGP MESSAGE-----\n\n${"Q".repeat(MAX_ARMOR_LINE + 1)}\n`, false],
    ] as const) {
      const [whole, streamed] = await refusals(encode(text));
      expect(whole?.code).toBe("decryption_failed");
      expect(whole?.message).toContain("not an armored OpenPGP message");
      if (same) expect(streamed).toEqual(whole);
      else expect(streamed?.code).toBe("decryption_failed");
      const fromString = await errorOf(decryptBytes(text, { privateKey: key }));
      expect(fromString.message).toBe(whole?.message);
    }
  });
});

describe("real armor still decrypts, every way and in any chunking", () => {
  const data = deterministicBytes(11)(100 * KiB);

  it("gpg's, with Version: and Comment: headers (one with UTF-8), as LF and as CRLF", async () => {
    // 1- and 3-byte chunks split every line, the BEGIN line and the multi-byte characters too (and
    // once failed: openpgp.js's streamed base64 needs more than a byte or two at a time). They
    // need a message of a few dozen lines, not 100 KiB: that one (~140 KiB of armor, 1.4 million
    // reads) took 2 s alone. The 100 KiB message goes in 16 KiB chunks.
    for (const [payload, chunks] of [
      [data.subarray(0, 2 * KiB), [1, 3]],
      [data, [16 * KiB]],
    ] as const) {
      const { stdout } = await gpg.run(
        [
          "--armor",
          "--emit-version",
          "--comment",
          "made by gpg",
          "--comment",
          "Grüße aus dem Test ✓",
          "--trust-model",
          "always",
          "--compress-algo",
          "none",
          "--recipient",
          "alice@agents.test",
          "--encrypt",
        ],
        { input: payload },
      );
      const lf = new TextDecoder().decode(stdout);
      expect(lf).toMatch(/^-----BEGIN PGP MESSAGE-----\nVersion: GnuPG v2/);
      expect(lf).toContain("Comment: Grüße aus dem Test ✓\n");
      const crlf = lf.replace(/\n/g, "\r\n");
      for (const text of [lf, crlf, `\n\r\n  \t\n${crlf}\r\n\r\n`])
        for (const chunk of chunks)
          for (const out of await everyWay(encode(text), chunk))
            expect(Buffer.from(out).equals(Buffer.from(payload))).toBe(true);
    }
  }, 60_000);

  it("a header-ending blank line of Unicode spaces, as openpgp.js reads one, still decrypts", async () => {
    const armored = new TextDecoder().decode(await encryptBytes(alice.publicKeyArmored, data));
    // Our armor has no headers: the blank line follows the BEGIN line. Make it U+00A0 U+3000.
    const unicodeBlank = armored.replace(
      /^(-----BEGIN PGP MESSAGE-----\r?\n)\r?\n/,
      "$1\u00a0\u3000\n",
    );
    expect(unicodeBlank).not.toBe(armored);
    for (const out of await everyWay(encode(unicodeBlank)))
      expect(Buffer.from(out).equals(Buffer.from(data))).toBe(true);
  });

  it("ours, with text before the armor; binary, but not after white space", async () => {
    const armored = new TextDecoder().decode(await encryptBytes(alice.publicKeyArmored, data));
    for (const out of await everyWay(encode(`Hi, the report:\n\n${armored}`)))
      expect(Buffer.from(out).equals(Buffer.from(data))).toBe(true);
    const { stdout: binary } = await gpg.run(
      ["--trust-model", "always", "--recipient", "alice@agents.test", "--encrypt"],
      { input: data },
    );
    for (const out of await everyWay(new Uint8Array(binary)))
      expect(Buffer.from(out).equals(Buffer.from(data))).toBe(true);
    const [whole, streamed] = await refusals(concat([encode("\n"), new Uint8Array(binary)]));
    expect(whole?.code).toBe("decryption_failed");
    expect(streamed?.code).toBe("decryption_failed");
    expect(streamed?.message).toContain("must not follow white space");
  });

  it("white space at the start of the BEGIN line is refused both ways, as before", async () => {
    const armored = new TextDecoder().decode(await encryptBytes(alice.publicKeyArmored, data));
    const [whole, streamed] = await refusals(encode(`\n  ${armored}`));
    expect(whole?.code).toBe("decryption_failed");
    expect(streamed?.code).toBe("decryption_failed");
  });
});
