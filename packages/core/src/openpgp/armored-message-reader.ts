// An armored OpenPGP message read line by line as it arrives (RFC 4880 §6, RFC 9580 §6): the
// BEGIN line, no armor headers, a blank line, strict radix-64 body lines decoded in batches into
// MessagePacketChecker, the optional CRC-24 line (checked), the END line and nothing after it but
// empty lines. Everything in armor goes out in clear, so nothing but canonical base64 of the
// checked packets may be in it: no header value, no characters base64 decoders skip (spaces,
// tabs, CR inside a line), no padding mid-body, no bits past the data in the last group. Streams
// and whole texts go through the same reader, so an attachment of any size is checked in
// bounded memory.
import {
  MessagePacketChecker,
  type MessageShape,
  type SessionKeyPacket,
} from "./message-packets.js";

const BEGIN = "-----BEGIN PGP MESSAGE-----";
const END = "-----END PGP MESSAGE-----";
const CHECKSUM = /^=[A-Za-z0-9+/]{4}$/;
// One body line: base64 characters only, `=` padding only at its end. openpgp.js and GnuPG write
// 64 characters a line; RFC 4880 allows up to 76.
const BODY_LINE = /^[A-Za-z0-9+/]+={0,2}$/;
const MAX_BODY_LINE = 76;
// What an armor header looks like (`Key: value`), to name the problem rather than call it base64.
const HEADER_LIKE = /^[^\s:]+:/;
const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
// Decoding radix-64 in batches keeps atob calls few on a large attachment (flush() decodes
// what a caller is about to release).
const BATCH_CHARS = 64 * 1024;

type Stage = "begin" | "headers" | "body" | "end" | "after";

/**
 * Reads one armored OpenPGP message line by line and checks its packets against
 * {@link MessageShape}. `pushLine` takes one line without its line feed (a trailing CR is
 * ignored); `pushLine` and `end` return a problem sentence or `undefined`. Never throws.
 *
 * @example
 * const reader = new ArmoredMessageReader({ minSessionKeys: 2 });
 * for (const line of armored.split("\n")) if (reader.pushLine(line)) break;
 * const problem = reader.end();
 */
export class ArmoredMessageReader {
  readonly #packets: MessagePacketChecker;
  #stage: Stage = "begin";
  #pending: string[] = [];
  #pendingChars = 0;
  #carry = "";
  // A body line with `=` padding was read: only the CRC-24 line or the END line may follow.
  #padded = false;
  // Base64 characters of the body so far (they must make whole groups of four).
  #bodyChars = 0;
  #crc = CRC_INIT;
  #checksum: number | undefined;
  #problem: string | undefined;

  constructor(shape: MessageShape = {}) {
    this.#packets = new MessagePacketChecker(shape);
  }

  /** True once every session key packet and the SEIPD header were read and passed. */
  get headChecked(): boolean {
    return this.#problem === undefined && this.#packets.headChecked;
  }

  /** The PKESK packets read so far. */
  get sessionKeys(): readonly SessionKeyPacket[] {
    return this.#packets.sessionKeys;
  }

  pushLine(raw: string): string | undefined {
    if (this.#problem !== undefined) return this.#problem;
    // A line feed ends a line, a CR before it is allowed; a CR anywhere else is text hidden
    // from a reader that takes CR as a line end.
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.includes("\r")) return this.#fail("it has a CR inside a line");
    switch (this.#stage) {
      case "begin":
        if (line !== BEGIN) return this.#fail(`it does not start with the line ${BEGIN}`);
        this.#stage = "headers";
        return undefined;
      case "headers":
        if (line === "") {
          this.#stage = "body";
          return undefined;
        }
        if (HEADER_LIKE.test(line) || !BODY_LINE.test(line)) {
          // Never quoted: a header's value is whatever the implementation put there.
          return this.#fail("armor headers are not allowed in ciphertext: they are sent in clear");
        }
        // No blank line after the BEGIN line: openpgp.js reads on, and so does this.
        this.#stage = "body";
        return this.#bodyLine(line);
      case "body":
        return this.#bodyLine(line);
      case "end":
        if (line !== END) return this.#fail("its checksum line is not followed by the END line");
        return this.#ended();
      default:
        if (line !== "") return this.#fail("it has text after its END line");
        return undefined;
    }
  }

  /**
   * Decodes and checks the radix-64 read so far (all but the last 0-3 characters of an
   * unfinished group): a caller releasing lines calls it first, so that what it releases was
   * checked as packets, not only as radix-64 text.
   */
  flush(): string | undefined {
    if (this.#problem !== undefined) return this.#problem;
    return this.#stage === "body" ? this.#decode() : undefined;
  }

  /** The text ended. */
  end(): string | undefined {
    if (this.#problem !== undefined) return this.#problem;
    if (this.#stage !== "after") return this.#fail(`it has no ${END} line`);
    return undefined;
  }

  #bodyLine(line: string): string | undefined {
    if (line.startsWith("-----")) {
      if (line !== END) return this.#fail(`its END line is not ${END}`);
      return this.#ended();
    }
    if (line.length === 5 && line.charCodeAt(0) === 61 && CHECKSUM.test(line)) {
      const sum = atob(line.slice(1));
      this.#checksum = (sum.charCodeAt(0) << 16) | (sum.charCodeAt(1) << 8) | sum.charCodeAt(2);
      this.#stage = "end";
      return undefined;
    }
    if (line === "") return this.#fail("its armored body has an empty line");
    // atob skips spaces and tabs: every character of a line must be base64, checked here.
    if (line.length > MAX_BODY_LINE || !BODY_LINE.test(line)) {
      return this.#fail(
        `its armored body has a line that is not base64 of at most ${MAX_BODY_LINE} characters`,
      );
    }
    if (this.#padded) return this.#fail("its armored body goes on after base64 padding");
    if (line.endsWith("=")) this.#padded = true;
    this.#bodyChars += line.length;
    this.#pending.push(line);
    this.#pendingChars += line.length;
    if (this.#pendingChars >= BATCH_CHARS) return this.#decode();
    return undefined;
  }

  #ended(): string | undefined {
    if (this.#bodyChars % 4 !== 0) {
      return this.#fail("its armored body does not end on a whole base64 group");
    }
    const problem = this.#decode(true) ?? this.#packets.end();
    if (problem !== undefined) return this.#fail(problem);
    if (this.#checksum !== undefined && this.#checksum !== (this.#crc & 0xffffff)) {
      return this.#fail("its armor checksum (CRC-24) does not match its body");
    }
    this.#stage = "after";
    return undefined;
  }

  // Radix-64 to bytes in batches: atob (native where it counts) over whole groups of four; a
  // group left unfinished waits for the next lines. The characters were checked line by line.
  #decode(final = false): string | undefined {
    if (this.#pendingChars === 0 && (!final || this.#carry === "")) return undefined;
    const text = this.#carry + this.#pending.join("");
    this.#pending = [];
    this.#pendingChars = 0;
    const usable = final ? text.length : text.length - (text.length % 4);
    this.#carry = text.slice(usable);
    if (usable === 0) return undefined;
    const group = text.slice(0, usable);
    if (group.endsWith("=") && !canonicalEnd(group)) {
      return this.#fail("its armored body's last base64 group has bits set past its data");
    }
    let binary: string;
    try {
      binary = atob(group);
    } catch {
      return this.#fail("its armored body is not valid base64");
    }
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return this.#check(bytes);
  }

  #check(bytes: Uint8Array): string | undefined {
    if (bytes.length === 0) return undefined;
    this.#crc = crc24Update(this.#crc, bytes);
    const problem = this.#packets.push(bytes);
    return problem === undefined ? undefined : this.#fail(problem);
  }

  #fail(problem: string): string {
    this.#problem ??= problem;
    return this.#problem;
  }
}

// A padded last group carries 8 (`==`) or 16 (`=`) bits of data: the bits of its last base64
// character past them must be zero, or the text is not the one encoding of its bytes (decoders
// drop those bits, so they could carry anything).
function canonicalEnd(group: string): boolean {
  const pad = group.endsWith("==") ? 2 : 1;
  const last = BASE64.indexOf(group.charAt(group.length - pad - 1));
  return (last & (pad === 2 ? 0x0f : 0x03)) === 0;
}

const CRC_INIT = 0xb704ce;
// Slice-by-6 tables: CRC_TABLES[k][n] is the CRC-24 register after byte n followed by k zero
// octets. Six independent lookups per six octets run about four times faster than one table
// (a large attachment's armor is checked as it streams).
const CRC_TABLES = (() => {
  const tables = [new Uint32Array(256)];
  const first = tables[0] as Uint32Array;
  for (let n = 0; n < 256; n++) {
    let crc = n << 16;
    for (let bit = 0; bit < 8; bit++) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= 0x1864cfb;
    }
    first[n] = crc & 0xffffff;
  }
  for (let k = 1; k < 6; k++) {
    const previous = tables[k - 1] as Uint32Array;
    const table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      const value = previous[n] as number;
      table[n] = ((value << 8) & 0xffffff) ^ (first[value >> 16] as number);
    }
    tables.push(table);
  }
  return tables as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
})();

// The CRC-24 of RFC 4880 §6.1, resumable (the same value as armor.ts's crc24).
function crc24Update(crc: number, bytes: Uint8Array): number {
  const [t0, t1, t2, t3, t4, t5] = CRC_TABLES;
  let value = crc;
  let i = 0;
  const whole = bytes.length - (bytes.length % 6);
  for (; i < whole; i += 6) {
    const x =
      value ^
      (((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number));
    value =
      (t5[x >> 16] as number) ^
      (t4[(x >> 8) & 0xff] as number) ^
      (t3[x & 0xff] as number) ^
      (t2[bytes[i + 3] as number] as number) ^
      (t1[bytes[i + 4] as number] as number) ^
      (t0[bytes[i + 5] as number] as number);
  }
  for (; i < bytes.length; i++) {
    value =
      ((value << 8) ^ (t0[((value >> 16) ^ (bytes[i] as number)) & 0xff] as number)) & 0xffffff;
  }
  return value;
}
