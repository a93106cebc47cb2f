// The packet sequence an encrypted mail part must be, checked incrementally over its binary
// packets (decoded from armor as they arrive): one or more public-key encrypted session key
// packets (PKESK, tag 1), then exactly one symmetrically encrypted integrity protected data packet
// (SEIPD, tag 18), then nothing. Anything else a crypto implementation could hand back (literal
// data, compressed data, the unprotected SED packet, a marker, a second SEIPD, trailing bytes)
// might carry plaintext or be read by a receiver without integrity protection, so it is refused.

/** What the encrypted message must look like beyond its packet sequence. */
export interface MessageShape {
  /**
   * Accept version 6 PKESK packets and SEIPD version 2 (RFC 9580, v6 keys / AEAD). Off: only the
   * contract's profile (PKESK v3, SEIPD v1 with MDC), which GnuPG 2.2 and PGPy read.
   */
  allowV6?: boolean | undefined;
  /** At least this many PKESK packets (one per recipient). */
  minSessionKeys?: number | undefined;
}

/** One PKESK packet as far as the check reads it. */
export interface SessionKeyPacket {
  version: number;
  /** The 8-octet key id of a v3 PKESK, lower-case hex; `0000000000000000` is the wildcard. */
  keyId?: string;
}

const PKESK = 1;
const SEIPD = 18;
// A PKESK holds one encrypted session key: an RSA-16384 one is about 2 KiB.
const MAX_PKESK_BYTES = 8192;
// Smallest SEIPD bodies that could hold anything: v1 is version, a cipher block of random
// prefix (8 octets at least) plus 2 repeated, and the 22-octet MDC packet; v2 is version, cipher,
// AEAD mode, chunk size, 32-octet salt and a 16-octet final tag.
const MIN_SEIPD_V1 = 1 + 10 + 22;
const MIN_SEIPD_V2 = 1 + 3 + 32 + 16;

type State =
  | { at: "header"; header: number[] }
  | { at: "pkesk"; remaining: number; body: number[] }
  | { at: "seipd"; remaining: number; partial: boolean; seen: number }
  | { at: "seipd-length"; header: number[]; seen: number }
  | { at: "done" }
  | { at: "failed" };

/**
 * Checks binary OpenPGP data, fed in pieces of any size, against the shape of one encrypted mail
 * part. `push` and `end` return a problem (one sentence, never quoting the data) or `undefined`;
 * after a problem, every later call returns it too. `headChecked` turns true once every PKESK and
 * the SEIPD's version octet were read: from then on the bytes are ciphertext.
 *
 * @example
 * const checker = new MessagePacketChecker({ minSessionKeys: 1 });
 * const problem = checker.push(bytes) ?? checker.end();
 */
export class MessagePacketChecker {
  readonly sessionKeys: SessionKeyPacket[] = [];
  #state: State = { at: "header", header: [] };
  #problem: string | undefined;
  #shape: MessageShape;
  #headChecked = false;
  #seipdVersion = 0;

  constructor(shape: MessageShape = {}) {
    this.#shape = shape;
  }

  /** True once the PKESK packets and the SEIPD header passed. */
  get headChecked(): boolean {
    return this.#headChecked;
  }

  /** Reads more bytes. */
  push(bytes: Uint8Array): string | undefined {
    for (let i = 0; i < bytes.length && this.#problem === undefined; ) {
      i = this.#step(bytes, i);
    }
    return this.#problem;
  }

  /** The data ended: it must have ended right after the SEIPD. */
  end(): string | undefined {
    if (this.#problem !== undefined) return this.#problem;
    const state = this.#state;
    if (state.at === "seipd" && state.remaining === Number.POSITIVE_INFINITY) {
      // An old-format packet of indeterminate length runs to the end of the data.
      return this.#seipdEnded(state.seen);
    }
    if (state.at === "done") return undefined;
    if (state.at === "header" && state.header.length === 0 && this.sessionKeys.length === 0) {
      return this.#fail("it holds no OpenPGP packets");
    }
    if (state.at === "header" && state.header.length === 0) {
      return this.#fail("it holds session keys but no encrypted data packet (SEIPD)");
    }
    return this.#fail("it ends inside a packet: the message is truncated");
  }

  #fail(problem: string): string {
    this.#problem = problem;
    this.#state = { at: "failed" };
    return problem;
  }

  #step(bytes: Uint8Array, i: number): number {
    const state = this.#state;
    switch (state.at) {
      case "header": {
        state.header.push(bytes[i] as number);
        const header = readHeader(state.header);
        if (header === "more") return i + 1;
        if (typeof header === "string") this.#fail(header);
        else this.#startPacket(header);
        return i + 1;
      }
      case "pkesk": {
        const take = Math.min(state.remaining, bytes.length - i);
        for (let k = 0; k < take; k++) state.body.push(bytes[i + k] as number);
        state.remaining -= take;
        if (state.remaining === 0) this.#endSessionKey(state.body);
        return i + take;
      }
      case "seipd": {
        if (state.seen === 0) this.#checkSeipdVersion(bytes[i] as number);
        if (this.#problem !== undefined) return i + 1;
        const take = Math.min(state.remaining, bytes.length - i);
        state.remaining -= take;
        state.seen += take;
        if (state.remaining === 0) {
          if (state.partial) this.#state = { at: "seipd-length", header: [], seen: state.seen };
          else this.#seipdEnded(state.seen);
        }
        return i + take;
      }
      case "seipd-length": {
        state.header.push(bytes[i] as number);
        const length = readNewLength(state.header, 0);
        if (length === "more") return i + 1;
        if (length.length === 0 && !length.partial) this.#seipdEnded(state.seen);
        else
          this.#state = {
            at: "seipd",
            remaining: length.length,
            partial: length.partial,
            seen: state.seen,
          };
        return i + 1;
      }
      case "done":
        this.#fail("it has data after its encrypted data packet (SEIPD)");
        return i + 1;
      default:
        return bytes.length;
    }
  }

  #startPacket(header: Header): void {
    if (header.tag === PKESK) {
      if (this.#seipdVersion !== 0) return void this.#fail("a session key packet follows the data");
      if (header.partial) return void this.#fail("a session key packet uses a partial length");
      if (header.length > MAX_PKESK_BYTES || header.length < 2) {
        return void this.#fail(`a session key packet is ${header.length} octets long`);
      }
      this.#state = { at: "pkesk", remaining: header.length, body: [] };
      return;
    }
    if (header.tag === SEIPD) {
      if (this.sessionKeys.length === 0) {
        return void this.#fail("its encrypted data packet (SEIPD) has no session key packet");
      }
      const min = this.#shape.minSessionKeys ?? 1;
      if (this.sessionKeys.length < min) {
        return void this.#fail(
          `it holds ${this.sessionKeys.length} session key packet(s) for ${min} recipient(s)`,
        );
      }
      this.#state = {
        at: "seipd",
        remaining: header.length,
        partial: header.partial,
        seen: 0,
      };
      if (header.length === 0 && !header.partial) this.#seipdEnded(0);
      return;
    }
    this.#fail(
      `it holds a packet of type ${header.tag} (${PACKET_NAMES[header.tag] ?? "unexpected"}) where only session key packets and one SEIPD belong`,
    );
  }

  #endSessionKey(body: number[]): void {
    const version = body[0] as number;
    if (version === 3) {
      const keyId = body
        .slice(1, 9)
        .map((byte) => byte.toString(16).padStart(2, "0"))
        .join("");
      this.sessionKeys.push({ version, keyId });
    } else if (version === 6 && this.#shape.allowV6) {
      this.sessionKeys.push({ version });
    } else {
      return void this.#fail(
        version === 6
          ? "it holds a version 6 session key packet, accepted only for v6 keys the crypto implementation opted in to"
          : `it holds a version ${version} session key packet`,
      );
    }
    this.#state = { at: "header", header: [] };
  }

  #checkSeipdVersion(version: number): void {
    if (version === 2 && !this.#shape.allowV6) {
      return void this.#fail(
        "its encrypted data packet is SEIPD version 2 (AEAD), accepted only when v6 keys are opted in",
      );
    }
    if (version !== 1 && version !== 2) {
      return void this.#fail(`its encrypted data packet is SEIPD version ${version}`);
    }
    this.#seipdVersion = version;
    this.#headChecked = true;
  }

  #seipdEnded(length: number): string | undefined {
    if (this.#problem !== undefined) return this.#problem;
    const min = this.#seipdVersion === 2 ? MIN_SEIPD_V2 : MIN_SEIPD_V1;
    if (length < min) return this.#fail(`its encrypted data packet is only ${length} octets long`);
    this.#state = { at: "done" };
    return undefined;
  }
}

const PACKET_NAMES: Record<number, string> = {
  2: "signature",
  3: "symmetric-key encrypted session key",
  4: "one-pass signature",
  8: "compressed data",
  9: "symmetrically encrypted data without integrity protection",
  10: "marker",
  11: "literal data",
  18: "SEIPD",
  20: "AEAD encrypted data",
};

interface Header {
  tag: number;
  length: number;
  partial: boolean;
}

// A header read so far: `more` until complete. Old-format indeterminate length is reported as
// an infinite non-partial length (the packet runs to the end of the data).
function readHeader(octets: number[]): Header | "more" | string {
  const ctb = octets[0] as number;
  if ((ctb & 0x80) === 0) return "it holds bytes that are not an OpenPGP packet header";
  if (ctb & 0x40) {
    const length = readNewLength(octets, 1);
    if (length === "more") return "more";
    return { tag: ctb & 0x3f, ...length };
  }
  const tag = (ctb >> 2) & 0x0f;
  const lengthType = ctb & 0x03;
  if (lengthType === 3) {
    return { tag, length: Number.POSITIVE_INFINITY, partial: false };
  }
  const size = 1 << lengthType;
  if (octets.length < 1 + size) return "more";
  let length = 0;
  for (let i = 1; i <= size; i++) length = length * 256 + (octets[i] as number);
  return { tag, length, partial: false };
}

function readNewLength(
  octets: number[],
  at: number,
): { length: number; partial: boolean } | "more" {
  const first = octets[at];
  if (first === undefined) return "more";
  if (first < 192) return { length: first, partial: false };
  if (first < 224) {
    const second = octets[at + 1];
    if (second === undefined) return "more";
    return { length: ((first - 192) << 8) + second + 192, partial: false };
  }
  if (first === 255) {
    if (octets.length < at + 5) return "more";
    let length = 0;
    for (let i = 1; i <= 4; i++) length = length * 256 + (octets[at + i] as number);
    return { length, partial: false };
  }
  return { length: 1 << (first & 0x1f), partial: true };
}
