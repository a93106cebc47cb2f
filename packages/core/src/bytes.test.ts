import { Readable } from "node:stream";
import { fakeEncryptedMessage } from "@assmbl/testing/message-fixtures";
import { describe, expect, it } from "vitest";
import { guardArmored, isArmoredMessage, toAttachmentBytes } from "./bytes.js";
import type { AgentMailError } from "./errors.js";
import type { AttachmentBytes } from "./transport.js";

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as AgentMailError).code;
  }
  return "no error";
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** Reads bytes or a stream fully; every chunk must be a Uint8Array. */
async function readAll(content: AttachmentBytes): Promise<Uint8Array> {
  if (content instanceof Uint8Array) return content;
  const chunks: Uint8Array[] = [];
  const reader = content.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return concat(chunks);
    expect(value).toBeInstanceOf(Uint8Array);
    chunks.push(value);
  }
}

/** Reads a stream until it ends or errors, keeping what came out before an error. */
async function readUntilError(
  stream: ReadableStream<Uint8Array>,
): Promise<{ chunks: Uint8Array[]; error: unknown }> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { chunks, error: undefined };
      chunks.push(value);
    }
  } catch (error) {
    return { chunks, error };
  }
}

function streamOf(...chunks: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks)
        controller.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
      controller.close();
    },
  });
}

function asStream(content: AttachmentBytes): ReadableStream<Uint8Array> {
  if (content instanceof Uint8Array) throw new Error("expected a stream, got bytes");
  return content;
}

const ARMORED = fakeEncryptedMessage("ciphertext stand-in");

describe("toAttachmentBytes", () => {
  it("encodes a string as UTF-8", () => {
    const bytes = toAttachmentBytes("héllo 中 😀");
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(Array.from(bytes as Uint8Array)).toEqual(Array.from(Buffer.from("héllo 中 😀", "utf8")));
  });

  it("returns a Uint8Array as is", () => {
    const input = new Uint8Array([1, 2, 3]);
    expect(toAttachmentBytes(input)).toBe(input);
  });

  it("wraps an ArrayBuffer", () => {
    const buffer = new Uint8Array([9, 8, 7]).buffer;
    const bytes = toAttachmentBytes(buffer);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(Array.from(bytes as Uint8Array)).toEqual([9, 8, 7]);
  });

  it("uses only the viewed range of a DataView", () => {
    const buffer = new Uint8Array([0, 1, 2, 3, 4, 5]).buffer;
    const bytes = toAttachmentBytes(new DataView(buffer, 2, 3));
    expect(Array.from(bytes as Uint8Array)).toEqual([2, 3, 4]);
  });

  it("uses only the viewed range of another typed array", () => {
    const words = new Uint16Array([0x0102, 0x0304, 0x0506]).subarray(1, 2);
    expect((toAttachmentBytes(words) as Uint8Array).length).toBe(2);
  });

  it("passes a web ReadableStream through as a stream", async () => {
    const bytes = toAttachmentBytes(streamOf("ab", new Uint8Array([0xff, 0x00]), "cd"));
    expect(bytes).toBeInstanceOf(ReadableStream);
    expect(Array.from(await readAll(bytes))).toEqual([0x61, 0x62, 0xff, 0x00, 0x63, 0x64]);
  });

  it("turns a Node Readable of Buffers and strings into a web stream of bytes", async () => {
    const readable = Readable.from([Buffer.from([0xde, 0xad]), "text é"]);
    const bytes = toAttachmentBytes(readable);
    expect(bytes).toBeInstanceOf(ReadableStream);
    const all = await readAll(bytes);
    expect(Array.from(all)).toEqual([0xde, 0xad, ...Buffer.from("text é", "utf8")]);
  });

  it("reads an async generator lazily", async () => {
    let pulled = 0;
    async function* chunks(): AsyncGenerator<string> {
      for (const part of ["one ", "two ", "three"]) {
        pulled++;
        yield part;
      }
    }
    const bytes = toAttachmentBytes(chunks());
    expect(pulled).toBe(0);
    expect(decoder.decode(await readAll(bytes))).toBe("one two three");
    expect(pulled).toBe(3);
  });

  it("errors with invalid_attachment when a stream yields a number", async () => {
    async function* bad(): AsyncGenerator<Uint8Array> {
      yield encoder.encode("ok");
      yield 42 as unknown as Uint8Array;
    }
    const { error } = await readUntilError(asStream(toAttachmentBytes(bad())));
    expect((error as AgentMailError).code).toBe("invalid_attachment");
  });

  it("errors with invalid_attachment when a Node Readable yields a number", async () => {
    const { error } = await readUntilError(asStream(toAttachmentBytes(Readable.from([1, 2]))));
    expect((error as AgentMailError).code).toBe("invalid_attachment");
  });

  it("errors with invalid_attachment when a web stream yields an object", async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue({ not: "bytes" } as unknown as Uint8Array);
        controller.close();
      },
    });
    const { error } = await readUntilError(asStream(toAttachmentBytes(stream)));
    expect((error as AgentMailError).code).toBe("invalid_attachment");
  });
});

describe("guardArmored", () => {
  it("passes armored bytes", () => {
    const bytes = encoder.encode(ARMORED);
    expect(guardArmored(bytes, "report.pdf")).toBe(bytes);
  });

  it("rejects plaintext bytes with encryption_failed", () => {
    expect(codeOf(() => guardArmored(encoder.encode("%PDF-1.7 plaintext!!!!!!!!!!"), "r"))).toBe(
      "encryption_failed",
    );
    expect(codeOf(() => guardArmored(new Uint8Array(0), "r"))).toBe("encryption_failed");
    expect(codeOf(() => guardArmored(encoder.encode("-----BEGIN PGP MESSAGE"), "r"))).toBe(
      "encryption_failed",
    );
    expect(codeOf(() => guardArmored(encoder.encode(` ${ARMORED}`), "r"))).toBe(
      "encryption_failed",
    );
  });

  it("names the attachment in the error", () => {
    try {
      guardArmored(encoder.encode("plaintext plaintext plaintext"), "report.pdf");
      expect.unreachable();
    } catch (error) {
      expect((error as AgentMailError).message).toContain("report.pdf");
    }
  });

  it("passes a stream split mid-header through unchanged", async () => {
    const chunks = [
      ARMORED.slice(0, 13),
      ARMORED.slice(13, 19),
      ARMORED.slice(19, 40),
      ARMORED.slice(40),
    ];
    const out = await readAll(guardArmored(streamOf(...chunks), "r"));
    expect(decoder.decode(out)).toBe(ARMORED);
  });

  it("passes a stream whose first chunk holds the whole message", async () => {
    const out = await readAll(guardArmored(streamOf(ARMORED), "r"));
    expect(decoder.decode(out)).toBe(ARMORED);
  });

  it("errors on a plaintext stream before yielding any chunk", async () => {
    const stream = guardArmored(
      streamOf("secret plaintext, ", "more secret plaintext, ", "and more"),
      "r",
    );
    const { chunks, error } = await readUntilError(asStream(stream));
    expect(chunks).toEqual([]);
    expect((error as AgentMailError).code).toBe("encryption_failed");
  });

  it("errors on a plaintext stream that arrives in tiny chunks before yielding any", async () => {
    const text = "this is plaintext that must never leave";
    const stream = guardArmored(streamOf(...text.split("")), "r");
    const { chunks, error } = await readUntilError(asStream(stream));
    expect(chunks).toEqual([]);
    expect((error as AgentMailError).code).toBe("encryption_failed");
  });

  it("errors on a stream shorter than the armor header", async () => {
    const { chunks, error } = await readUntilError(
      asStream(guardArmored(streamOf("-----BEGIN ", "PGP"), "r")),
    );
    expect(chunks).toEqual([]);
    expect((error as AgentMailError).code).toBe("encryption_failed");
  });

  it("errors on an empty stream", async () => {
    const { chunks, error } = await readUntilError(asStream(guardArmored(streamOf(), "r")));
    expect(chunks).toEqual([]);
    expect((error as AgentMailError).code).toBe("encryption_failed");
  });
});

describe("isArmoredMessage", () => {
  it("is true for one armored message, leading and trailing white space allowed", () => {
    expect(isArmoredMessage(ARMORED)).toBe(true);
    expect(isArmoredMessage(`\r\n  ${ARMORED}\n\n`)).toBe(true);
  });

  it("is false for plaintext, partial armor and other armor types", () => {
    expect(isArmoredMessage("hello")).toBe(false);
    expect(isArmoredMessage("")).toBe(false);
    expect(isArmoredMessage("-----BEGIN PGP MESSAGE-----\nwcBMA")).toBe(false);
    expect(isArmoredMessage(`Hi!\n${ARMORED}`)).toBe(false);
    expect(isArmoredMessage(`${ARMORED}P.S. sent in clear`)).toBe(false);
    expect(
      isArmoredMessage(
        "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nhi\n-----BEGIN PGP SIGNATURE-----\nx\n-----END PGP SIGNATURE-----",
      ),
    ).toBe(false);
  });

  it("is false for clear text between two armored messages (spec §7: exactly one message)", () => {
    expect(isArmoredMessage(`${ARMORED}\nThis part is in clear text.\n\n${ARMORED}`)).toBe(false);
  });
});
