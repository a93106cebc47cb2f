import { createGpgHome } from "@assmbl/testing/gpg";
import {
  armorMessage,
  fakeEncryptedMessage,
  fakeEncryptingStream,
  join,
  packet,
  pkesk,
  seipd,
  WILDCARD_KEY_ID,
} from "@assmbl/testing/message-fixtures";
import { describe, expect, it } from "vitest";
import { armoredMessageProblem, guardCiphertext } from "./ciphertext-guard.js";
import { AgentMailError } from "./errors.js";
import type { EncryptionRecipient } from "./mail-crypto.js";
import { readArmor } from "./openpgp/armor.js";
import { readKeyPacketV4 } from "./openpgp/key-packet.js";
import { readPackets } from "./openpgp/packets.js";
import { EARLIER_ECC, GENERATED_ECC } from "./testing/openpgp-fixtures.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const literal = (text: string) =>
  packet(11, join(Uint8Array.of(0x62, 0, 0, 0, 0, 0), encoder.encode(text)));

function recipient(agentId: string, publicKeyArmored = ""): EncryptionRecipient {
  return { agentId, address: `${agentId}@agents.example.com`, publicKeyArmored };
}

function subkeyIdOf(armored: string): string {
  const armor = readArmor(armored);
  if (!armor.ok) throw new Error(armor.problem);
  const packets = readPackets(armor.value.bytes);
  if (!packets.ok) throw new Error(packets.problem);
  const sub = packets.value.find((p) => p.tag === 14);
  const key = readKeyPacketV4(sub?.body ?? new Uint8Array(), false);
  if (!key.ok) throw new Error(key.problem);
  return key.value.fingerprint.slice(-16);
}

// What a faulty MailCrypto could hand back between correct armor lines, every one refused.
const BAD: Record<string, string> = {
  "plaintext between armor lines":
    "-----BEGIN PGP MESSAGE-----\n\nHello, this is the secret plan.\n-----END PGP MESSAGE-----\n",
  "base64 of plaintext": armorMessage(encoder.encode("the secret plan, base64-encoded")),
  "an armored literal data packet": armorMessage(literal("the secret plan")),
  "PKESK then literal data": armorMessage(join(pkesk(), literal("the secret plan"))),
  "compressed data": armorMessage(join(pkesk(), packet(8, Uint8Array.of(0, 1, 2, 3)))),
  "SED (tag 9, no integrity protection)": armorMessage(
    join(pkesk(), packet(9, new Uint8Array(64))),
  ),
  "a marker packet first": armorMessage(
    join(packet(10, encoder.encode("PGP")), pkesk(), seipd("x")),
  ),
  "SEIPD without PKESK": armorMessage(seipd("x")),
  "PKESK only": armorMessage(pkesk()),
  "two SEIPDs": armorMessage(join(pkesk(), seipd("x"), seipd("y"))),
  "a literal packet after the SEIPD": armorMessage(join(pkesk(), seipd("x"), literal("secret"))),
  "a byte after the SEIPD": armorMessage(join(pkesk(), seipd("x"), Uint8Array.of(0))),
  "a truncated SEIPD": armorMessage(join(pkesk(), seipd("x")).subarray(0, 60)),
  "a SEIPD too short to hold anything": armorMessage(
    join(pkesk(), packet(18, Uint8Array.of(1, 2))),
  ),
  "SEIPD version 3": armorMessage(
    join(pkesk(), packet(18, join(Uint8Array.of(3), new Uint8Array(60)))),
  ),
  "PKESK version 2": armorMessage(join(pkesk(undefined, 2), seipd("x"))),
  "a wrong armor label": armorMessage(join(pkesk(), seipd("x")), { label: "SIGNATURE" }),
  "a public key block label": armorMessage(join(pkesk(), seipd("x")), {
    label: "PUBLIC KEY BLOCK",
  }),
  "a damaged checksum": fakeEncryptedMessage("x").replace(
    /\n=(.)/,
    (_m, c) => `\n=${c === "A" ? "B" : "A"}`,
  ),
  "text after the END line": `${fakeEncryptedMessage("x")}and the plaintext\n`,
  "two armored messages": `${fakeEncryptedMessage("x")}${fakeEncryptedMessage("y")}`,
  "no END line": fakeEncryptedMessage("x").replace("-----END PGP MESSAGE-----\n", ""),
  "a non-radix-64 line in the body": fakeEncryptedMessage("x").replace("\n\n", "\n\nsecret!\n"),
  empty: "",
};

describe("armoredMessageProblem", () => {
  it("passes one PKESK then one SEIPD, with and without a CRC-24 line, LF or CRLF; no armor headers", () => {
    const bytes = join(pkesk(), seipd("x"));
    expect(armoredMessageProblem(armorMessage(bytes))).toBeUndefined();
    expect(armoredMessageProblem(armorMessage(bytes, { crc: false }))).toBeUndefined();
    expect(armoredMessageProblem(armorMessage(bytes).replaceAll("\n", "\r\n"))).toBeUndefined();
    // Armor headers go out in clear: refused (ciphertext-armor.test.ts has the rest).
    const withHeader = armorMessage(bytes).replace("-----\n\n", "-----\nComment: made here\n\n");
    expect(armoredMessageProblem(withHeader)).toMatch(/armor headers are not allowed/);
  });

  it("checks the CRC-24 the same as armor.ts's crc24, for every length mod 6 and a large body", () => {
    for (const size of [...Array.from({ length: 13 }, (_, i) => i), 100_000]) {
      const payload = Uint8Array.from({ length: size }, (_, i) => (i * 151 + 7) & 0xff);
      const good = armorMessage(join(pkesk(), seipd(payload)));
      expect(armoredMessageProblem(good)).toBeUndefined();
      const crcLine = good.split("\n").find((line) => /^=.{4}$/.test(line)) as string;
      const flipped = `=${crcLine[1] === "A" ? "B" : "A"}${crcLine.slice(2)}`;
      expect(armoredMessageProblem(good.replace(crcLine, flipped))).toMatch(/CRC-24/);
    }
  });

  for (const [name, text] of Object.entries(BAD)) {
    it(`refuses ${name}`, () => {
      expect(armoredMessageProblem(text)).toEqual(expect.any(String));
      expect(() => guardCiphertext(encoder.encode(text), "a.bin")).toThrowError(
        expect.objectContaining({ code: "encryption_failed" }),
      );
    });
  }

  it("names what is wrong without quoting the data", () => {
    const problem = armoredMessageProblem(BAD["PKESK then literal data"] as string);
    expect(problem).toMatch(/type 11 \(literal data\)/);
    expect(armoredMessageProblem(BAD["SED (tag 9, no integrity protection)"] as string)).toMatch(
      /type 9/,
    );
    expect(problem).not.toMatch(/secret/);
  });

  it("wants one PKESK per recipient", () => {
    const two = [recipient("a"), recipient("b")];
    expect(
      armoredMessageProblem(fakeEncryptedMessage("x", { count: 1 }), { recipients: two }),
    ).toMatch(/1 session key packet\(s\) for 2 recipient\(s\)/);
    expect(
      armoredMessageProblem(fakeEncryptedMessage("x", { count: 2 }), { recipients: two }),
    ).toBeUndefined();
  });

  it("wants, when the PKESKs name key ids, one naming each recipient's key (v4 keys core reads)", () => {
    const to = recipient("fixture", GENERATED_ECC.armored);
    const right = fakeEncryptedMessage("x", { keyIds: [subkeyIdOf(GENERATED_ECC.armored)] });
    const wrong = fakeEncryptedMessage("x", { keyIds: [subkeyIdOf(EARLIER_ECC.armored)] });
    expect(armoredMessageProblem(right, { recipients: [to] })).toBeUndefined();
    expect(armoredMessageProblem(wrong, { recipients: [to] })).toMatch(
      /no session key packet names a key of recipient fixture/,
    );
    // A copy to another key (the sender's own) besides the recipient's is allowed.
    const extra = fakeEncryptedMessage("x", {
      keyIds: [subkeyIdOf(EARLIER_ECC.armored), subkeyIdOf(GENERATED_ECC.armored)],
    });
    expect(armoredMessageProblem(extra, { recipients: [to] })).toBeUndefined();
  });

  it("refuses a wildcard key id when there are recipients (a MailCrypto's output), in any PKESK", () => {
    const to = recipient("fixture", GENERATED_ECC.armored);
    const right = subkeyIdOf(GENERATED_ECC.armored);
    for (const keyIds of [[WILDCARD_KEY_ID], [right, WILDCARD_KEY_ID], [WILDCARD_KEY_ID, right]]) {
      expect(
        armoredMessageProblem(fakeEncryptedMessage("x", { keyIds }), { recipients: [to] }),
      ).toBe(
        "a session key packet has the wildcard key id, which the MailCrypto contract rules out",
      );
    }
    // A recipient whose key core cannot read: still no wildcard.
    const unread = recipient("unread", "not a key");
    const wild = fakeEncryptedMessage("x", { keyIds: [WILDCARD_KEY_ID] });
    expect(armoredMessageProblem(wild, { recipients: [unread] })).toMatch(/wildcard/);
    // Without recipients (a caller's own ciphertext, the transports' check), a wildcard is theirs.
    expect(armoredMessageProblem(wild)).toBeUndefined();
  });

  it("leaves v6 session key packets (no key id) to the count check", () => {
    const to = recipient("fixture", GENERATED_ECC.armored);
    const v6 = armorMessage(join(pkesk(WILDCARD_KEY_ID, 6), seipd("x", 2)));
    expect(armoredMessageProblem(v6, { recipients: [to], allowV6: true })).toBeUndefined();
    expect(armoredMessageProblem(v6, { recipients: [to, recipient("b")], allowV6: true })).toMatch(
      /1 session key packet\(s\) for 2 recipient\(s\)/,
    );
  });

  it("accepts PKESK v6 and SEIPD v2 only when v6 is allowed", () => {
    const v6 = armorMessage(join(pkesk(undefined, 6), seipd("x", 2)));
    expect(armoredMessageProblem(v6)).toMatch(/version 6 session key packet/);
    expect(armoredMessageProblem(armorMessage(join(pkesk(), seipd("x", 2))))).toMatch(
      /SEIPD version 2/,
    );
    expect(armoredMessageProblem(v6, { allowV6: true })).toBeUndefined();
  });

  it("passes a message GnuPG made (old-format PKESK, partial-length SEIPD)", async () => {
    const gpg = await createGpgHome();
    try {
      const imported = await gpg.run(["--import"], {
        input: GENERATED_ECC.armored,
        allowFailure: true,
      });
      expect(imported.exitCode).toBe(0);
      const out = await gpg.run(
        ["--armor", "--trust-model", "always", "--encrypt", "-r", GENERATED_ECC.fingerprint],
        { input: "x".repeat(20_000), allowFailure: true },
      );
      expect(out.exitCode).toBe(0);
      const armored = out.stdout.toString("utf8");
      const to = recipient("fixture", GENERATED_ECC.armored);
      expect(armoredMessageProblem(armored, { recipients: [to] })).toBeUndefined();
      const wrongKey = recipient("fixture", EARLIER_ECC.armored);
      expect(armoredMessageProblem(armored, { recipients: [wrongKey] })).toMatch(/no session key/);
    } finally {
      await gpg.cleanup();
    }
  });
});

function streamOf(...chunks: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) {
        controller.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
      }
      controller.close();
    },
  });
}

async function drain(stream: ReadableStream<Uint8Array>) {
  const reader = stream.getReader();
  let text = "";
  for (;;) {
    try {
      const { done, value } = await reader.read();
      if (done) return { text, error: undefined };
      text += decoder.decode(value);
    } catch (error) {
      return { text, error: error as AgentMailError };
    }
  }
}

describe("guardCiphertext on a stream", () => {
  it("passes a well-formed streamed message through unchanged, split anywhere", async () => {
    const plain = streamOf("part one;", "part two;", "part three");
    const armored = (await drain(plain.pipeThrough(fakeEncryptingStream()))).text;
    const bytes = encoder.encode(armored);
    const chunks = Array.from({ length: Math.ceil(bytes.length / 7) }, (_, i) =>
      bytes.subarray(i * 7, i * 7 + 7),
    );
    const out = await drain(
      guardCiphertext(streamOf(...chunks), "a.bin") as ReadableStream<Uint8Array>,
    );
    expect(out.error).toBeUndefined();
    expect(out.text).toBe(armored);
  });

  for (const [name, text] of Object.entries(BAD)) {
    it(`errors on ${name}, never yielding a line it has not checked`, async () => {
      const out = await drain(
        guardCiphertext(streamOf(...text.split(/(?<=\n)/)), "a.bin") as ReadableStream<Uint8Array>,
      );
      expect(out.error?.code).toBe("encryption_failed");
      // Everything yielded is a prefix of the text, and none of the plaintext markers.
      expect(text.startsWith(out.text)).toBe(true);
      expect(out.text).not.toMatch(/secret|plaintext/);
    });
  }

  it("holds everything back until the PKESKs and the SEIPD header passed", async () => {
    const out = await drain(
      guardCiphertext(
        streamOf(BAD["PKESK then literal data"] as string),
        "a.bin",
      ) as ReadableStream<Uint8Array>,
    );
    expect(out.text).toBe("");
  });

  it("turns an error the crypto's stream throws into encryption_failed, keeping the cause", async () => {
    const thrown = new TypeError("the encryptor broke");
    let sent = 0;
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent++;
        if (sent === 1) controller.enqueue(encoder.encode(fakeEncryptedMessage("x").slice(0, 120)));
        else controller.error(thrown);
      },
    });
    const out = await drain(
      guardCiphertext(failing, "a.bin", { wrapStreamErrors: true }) as ReadableStream<Uint8Array>,
    );
    expect(out.error).toBeInstanceOf(AgentMailError);
    expect(out.error?.code).toBe("encryption_failed");
    // errors.ts may keep a sanitized copy of a foreign cause: its type and message survive.
    expect(out.error?.cause).toMatchObject({ name: "TypeError", message: thrown.message });
    expect(out.error?.message).toMatch(/TypeError, in error\.cause/);
    expect(out.error?.message).not.toMatch(/the encryptor broke/);
  });

  // A stream that yields its first chunk (the head of a good message), then never again.
  const stalling = (onStall: () => void = () => undefined) => {
    let sent = false;
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        if (!sent) {
          sent = true;
          controller.enqueue(encoder.encode(fakeEncryptedMessage("x".repeat(2000)).slice(0, 300)));
          return;
        }
        onStall();
        return new Promise<void>(() => undefined);
      },
    });
  };

  it("errors with encryption_failed when the crypto's stream yields nothing for idleMs", async () => {
    const out = await drain(
      guardCiphertext(stalling(), "a.bin", { idleMs: 5 }) as ReadableStream<Uint8Array>,
    );
    expect(out.error?.code).toBe("encryption_failed");
    expect(out.error?.message).toMatch(/the crypto implementation's stream stalled/);
  });

  it("errors with aborted when the signal fires while the stream stalls, and cancels it", async () => {
    const controller = new AbortController();
    let cancelled = false;
    const source = stalling(() => controller.abort(new Error("stop")));
    const watched = new ReadableStream<Uint8Array>({
      pull: async (c) => {
        const reader = source.getReader();
        const next = await reader.read();
        reader.releaseLock();
        if (next.done) c.close();
        else c.enqueue(next.value);
      },
      cancel: () => {
        cancelled = true;
      },
    });
    const out = await drain(
      guardCiphertext(watched, "a.bin", {
        signal: controller.signal,
      }) as ReadableStream<Uint8Array>,
    );
    expect(out.error?.code).toBe("aborted");
    expect(cancelled).toBe(true);
  });

  it("errors with aborted at once on a signal that already fired", async () => {
    const out = await drain(
      guardCiphertext(streamOf(fakeEncryptedMessage("x")), "a.bin", {
        signal: AbortSignal.abort(),
      }) as ReadableStream<Uint8Array>,
    );
    expect(out.error?.code).toBe("aborted");
  });

  it("passes an AgentMailError from the stream through as it is", async () => {
    const thrown = new AgentMailError({ code: "aborted", message: "stop" });
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(thrown);
      },
    });
    const out = await drain(
      guardCiphertext(failing, "a.bin", { wrapStreamErrors: true }) as ReadableStream<Uint8Array>,
    );
    expect(out.error).toBe(thrown);
  });
});
