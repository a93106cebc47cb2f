// Small helpers of the OpenPGP tests (@assmbl/crypto's and the security suite's).
import { AgentMailError } from "@assmbl/core";
import { readMessage } from "openpgp";

/**
 * The AgentMailError a promise rejects with; fails when it resolves or rejects with anything else.
 *
 * @example
 * expect((await errorOf(encryptUtf8(key, "x"))).code).toBe("peer_key_revoked");
 */
export async function errorOf(promise: Promise<unknown>): Promise<AgentMailError> {
  let settled: unknown;
  try {
    settled = await promise;
  } catch (error) {
    if (AgentMailError.is(error)) return error;
    throw new Error(`expected an AgentMailError, got ${String(error)}`, { cause: error });
  }
  throw new Error(`expected a rejection, got ${describe(settled)}`);
}

function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  try {
    return JSON.stringify(value)?.slice(0, 200) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A deterministic pseudo-random byte source (xorshift32): the same seed gives the same bytes. */
export function deterministicBytes(seed: number): (length: number) => Uint8Array<ArrayBuffer> {
  let state = seed >>> 0 || 0x9e3779b9;
  return (length) => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i += 4) {
      state ^= state << 13;
      state >>>= 0;
      state ^= state >>> 17;
      state ^= state << 5;
      state >>>= 0;
      out[i] = state & 0xff;
      if (i + 1 < length) out[i + 1] = (state >>> 8) & 0xff;
      if (i + 2 < length) out[i + 2] = (state >>> 16) & 0xff;
      if (i + 3 < length) out[i + 3] = state >>> 24;
    }
    return out;
  };
}

/** Every byte value 0..255, then `extra` deterministic pseudo-random bytes. */
export function allByteValues(extra = 4096, seed = 7): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(256 + extra);
  for (let i = 0; i < 256; i++) out[i] = i;
  out.set(deterministicBytes(seed)(extra), 256);
  return out;
}

/** Reads a web stream to one Uint8Array. */
export async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.length;
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/**
 * The binary (dearmored) form of an armored OpenPGP message: the base64 between the armor
 * headers' blank line and the checksum (or END) line. Checked by parsing it back with openpgp.js.
 */
export async function dearmor(armored: string | Uint8Array): Promise<Uint8Array> {
  const text = typeof armored === "string" ? armored : new TextDecoder().decode(armored);
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  const start = lines.indexOf("") + 1;
  const body: string[] = [];
  for (const line of lines.slice(start)) {
    if (line.startsWith("=") || line.startsWith("-----END")) break;
    body.push(line);
  }
  const binary = new Uint8Array(Buffer.from(body.join(""), "base64"));
  await readMessage({ binaryMessage: binary });
  return binary;
}

/** One OpenPGP packet of a binary message: its tag and where its body lies. */
export interface PacketSpan {
  tag: number;
  headerStart: number;
  bodyStart: number;
  bodyEnd: number;
}

/**
 * Splits a binary OpenPGP message into packets (new and old format headers, definite lengths
 * only: partial body lengths throw, so callers know to use a small message).
 */
export function packetSpans(bytes: Uint8Array): PacketSpan[] {
  const spans: PacketSpan[] = [];
  let at = 0;
  const byte = (index: number): number => {
    const value = bytes[index];
    if (value === undefined) throw new Error(`truncated packet header at ${index}`);
    return value;
  };
  while (at < bytes.length) {
    const headerStart = at;
    const ctb = byte(at++);
    if ((ctb & 0x80) === 0) throw new Error(`not a packet header at ${headerStart}`);
    let tag: number;
    let length: number;
    if (ctb & 0x40) {
      tag = ctb & 0x3f;
      const first = byte(at++);
      if (first < 192) length = first;
      else if (first < 224) length = ((first - 192) << 8) + byte(at++) + 192;
      else if (first === 255) {
        length =
          ((byte(at) << 24) | (byte(at + 1) << 16) | (byte(at + 2) << 8) | byte(at + 3)) >>> 0;
        at += 4;
      } else throw new Error("partial body lengths are not supported here");
    } else {
      tag = (ctb >> 2) & 0x0f;
      const type = ctb & 0x03;
      if (type === 3) throw new Error("indeterminate old-format length");
      const size = 1 << type;
      length = 0;
      for (let i = 0; i < size; i++) length = length * 256 + byte(at++);
    }
    spans.push({ tag, headerStart, bodyStart: at, bodyEnd: at + length });
    at += length;
  }
  return spans;
}

/** A Uint8Array view of a Node Buffer's bytes (compares equal with toEqual against Uint8Array). */
export function bytesOf(buffer: Uint8Array): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength).slice();
}
