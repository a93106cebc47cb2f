// A small OpenPGP reader (RFC 4880 framing, the subset keys use) for checks that must run where
// openpgp.js is not installed: core depends on zod alone and runs on Node, Deno, Bun and Workers,
// so this file uses atob and Uint8Array only. It reads; it never verifies a signature.
//
// Every reader is bounded (callers cap the input size; packet and subpacket counts are capped
// here; every loop advances at least one byte) and reports malformed input as a problem string,
// never by throwing, so a hostile key can neither crash nor stall a caller.

/** The result of a reader: a value, or one sentence saying why the input is malformed. */
export type ReadResult<T> = { ok: true; value: T } | { ok: false; problem: string };

const ok = <T>(value: T): ReadResult<T> => ({ ok: true, value });
const fail = <T>(problem: string): ReadResult<T> => ({ ok: false, problem });

/** Most packets a key block may hold here (a real key has tens). */
export const MAX_PACKETS = 4096;
/** Most subpackets one signature area may hold (a real signature has about ten). */
export const MAX_SUBPACKETS = 256;

// --- ASCII armor -----------------------------------------------------------------------------

/** One ASCII-armored block, split into its parts as written (trailing CRs removed). */
export interface Armor {
  /** What follows `BEGIN PGP `, e.g. `PUBLIC KEY BLOCK`. */
  label: string;
  /** Armor header lines (`Comment: ...`), as written. */
  headers: string[];
  /** The radix-64 lines of the body, as written. */
  bodyLines: string[];
  /** `valid` when a CRC-24 line is present and matches; `missing` when there is none (RFC 9580 allows that). */
  checksum: "valid" | "missing";
  /** The decoded packets. */
  bytes: Uint8Array;
}

const BEGIN = /^-----BEGIN PGP ([A-Z0-9 ,]+)-----$/;
const RADIX64_LINE = /^[A-Za-z0-9+/=]+$/;
const CHECKSUM_LINE = /^=([A-Za-z0-9+/]{4})$/;

/**
 * Reads the first ASCII-armored block of `text`: label, headers, body and CRC-24 checksum.
 * A checksum that does not match is malformed (the text was damaged); a missing one is not.
 * Never throws: malformed text is `{ ok: false, problem }`.
 *
 * @example
 * const armor = readArmor(armoredKey);
 * if (armor.ok) console.log(armor.value.label, armor.value.bytes.length); // PUBLIC KEY BLOCK 407
 */
export function readArmor(text: string): ReadResult<Armor> {
  const lines = text.split("\n").map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line));
  const begin = lines.findIndex((line) => BEGIN.test(line));
  if (begin < 0) return fail("there is no -----BEGIN PGP ...----- armor line");
  const label = BEGIN.exec(lines[begin] as string)?.[1] as string;
  let at = begin + 1;
  const headers: string[] = [];
  // Headers are "Key: value" lines; a blank line ends them (GnuPG and openpgp.js always write it).
  while (at < lines.length && (lines[at] as string).includes(":"))
    headers.push(lines[at++] as string);
  if (lines[at] === "") at++;
  const bodyLines: string[] = [];
  let checksumLine: string | undefined;
  for (; at < lines.length; at++) {
    const line = lines[at] as string;
    if (line.startsWith("-----") || line === "") break;
    if (/[ \t]$/.test(line)) return fail(`armor line ${at + 1} ends in whitespace`);
    if (CHECKSUM_LINE.test(line)) {
      checksumLine = line;
      at++;
      break;
    }
    if (!RADIX64_LINE.test(line)) return fail(`armor line ${at + 1} is not radix-64`);
    bodyLines.push(line);
  }
  if (lines[at] !== `-----END PGP ${label}-----`) {
    return fail(`the armor has no -----END PGP ${label}----- line after its body`);
  }
  if (bodyLines.length === 0) return fail("the armor holds no data");
  const bytes = decodeBase64(bodyLines.join(""));
  if (!bytes) return fail("the armored body is not valid base64");
  if (checksumLine) {
    const sum = decodeBase64(checksumLine.slice(1)) as Uint8Array;
    const expected = ((sum[0] as number) << 16) | ((sum[1] as number) << 8) | (sum[2] as number);
    if (crc24(bytes) !== expected) {
      return fail("the armor checksum (CRC-24) does not match: the key text was damaged");
    }
  }
  return ok({ label, headers, bodyLines, checksum: checksumLine ? "valid" : "missing", bytes });
}

function decodeBase64(text: string): Uint8Array | undefined {
  try {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return undefined;
  }
}

/**
 * The CRC-24 of RFC 4880 §6.1 (generator 0x864CFB, initial value 0xB704CE).
 *
 * @example
 * crc24(new Uint8Array()); // 0xb704ce
 */
export function crc24(bytes: Uint8Array): number {
  let crc = 0xb704ce;
  for (const byte of bytes) {
    crc ^= byte << 16;
    for (let bit = 0; bit < 8; bit++) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= 0x1864cfb;
    }
  }
  return crc & 0xffffff;
}

// --- packets ---------------------------------------------------------------------------------

/** One packet: its tag and body. */
export interface Packet {
  tag: number;
  body: Uint8Array;
}

/**
 * Splits binary OpenPGP data into packets (old and new header formats), at most
 * {@link MAX_PACKETS}. Partial body lengths are refused: RFC 4880 allows them only in data
 * packets, never in keys. Never throws: malformed data is `{ ok: false, problem }`.
 *
 * @example
 * const packets = readPackets(armor.bytes);
 * if (packets.ok) console.log(packets.value.map((packet) => packet.tag)); // [6, 13, 2, 14, 2]
 */
export function readPackets(bytes: Uint8Array): ReadResult<Packet[]> {
  const packets: Packet[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (packets.length >= MAX_PACKETS) return fail(`it holds more than ${MAX_PACKETS} packets`);
    const ctb = bytes[at] as number;
    if ((ctb & 0x80) === 0) return fail(`byte ${at} is not a packet header`);
    let tag: number;
    let length: number;
    let start: number;
    if (ctb & 0x40) {
      tag = ctb & 0x3f;
      const first = bytes[at + 1];
      if (first === undefined) return fail("the last packet header is cut short");
      if (first < 192) [length, start] = [first, at + 2];
      else if (first < 224) {
        const second = bytes[at + 2];
        if (second === undefined) return fail("the last packet header is cut short");
        [length, start] = [((first - 192) << 8) + second + 192, at + 3];
      } else if (first === 255) {
        if (at + 6 > bytes.length) return fail("the last packet header is cut short");
        [length, start] = [readUint32(bytes, at + 2), at + 6];
      } else return fail(`packet ${packets.length + 1} (tag ${tag}) uses a partial body length`);
    } else {
      tag = (ctb >> 2) & 0x0f;
      const lengthType = ctb & 0x03;
      if (lengthType === 3) [length, start] = [bytes.length - at - 1, at + 1];
      else {
        const size = 1 << lengthType;
        if (at + 1 + size > bytes.length) return fail("the last packet header is cut short");
        length = 0;
        for (let i = 0; i < size; i++) length = length * 256 + (bytes[at + 1 + i] as number);
        start = at + 1 + size;
      }
    }
    if (start + length > bytes.length) {
      return fail(`packet ${packets.length + 1} (tag ${tag}) runs past the end of the data`);
    }
    packets.push({ tag, body: bytes.subarray(start, start + length) });
    at = start + length;
  }
  return ok(packets);
}

/**
 * Big-endian unsigned 32-bit integer at `at` (the caller checked the bounds).
 *
 * @example
 * readUint32(Uint8Array.of(0, 0, 1, 0), 0); // 256
 */
export function readUint32(bytes: Uint8Array, at: number): number {
  return (
    (((bytes[at] as number) << 24) |
      ((bytes[at + 1] as number) << 16) |
      ((bytes[at + 2] as number) << 8) |
      (bytes[at + 3] as number)) >>>
    0
  );
}

// --- multiprecision integers and curve OIDs --------------------------------------------------

/** A multiprecision integer as written: its declared bit count and value bytes. */
export interface Mpi {
  bits: number;
  value: Uint8Array;
  /** The bit count is exactly the value's bit length, with no leading zero byte, and it is not 0. */
  canonical: boolean;
}

/**
 * Reads one MPI at `at`; `end` is where the next field starts. Never throws.
 *
 * @example
 * readMpi(Uint8Array.of(0, 9, 1, 0xff), 0); // { ok: true, value: { mpi: { bits: 9, canonical: true, ... }, end: 4 } }
 */
export function readMpi(bytes: Uint8Array, at: number): ReadResult<{ mpi: Mpi; end: number }> {
  if (at + 2 > bytes.length) return fail("an MPI is cut short");
  const bits = ((bytes[at] as number) << 8) | (bytes[at + 1] as number);
  const end = at + 2 + Math.ceil(bits / 8);
  if (end > bytes.length) return fail("an MPI is longer than its packet");
  const value = bytes.subarray(at + 2, end);
  const top = value[0] ?? 0;
  const canonical = top !== 0 && bits === (value.length - 1) * 8 + (32 - Math.clz32(top));
  return ok({ mpi: { bits, value, canonical }, end });
}

/**
 * Reads a curve OID (one length octet, then the DER content octets) as dotted decimal.
 * Never throws.
 *
 * @example
 * readCurveOid(Uint8Array.of(9, 0x2b, 6, 1, 4, 1, 0xda, 0x47, 0x0f, 1), 0); // oid "1.3.6.1.4.1.11591.15.1"
 */
export function readCurveOid(
  bytes: Uint8Array,
  at: number,
): ReadResult<{ oid: string; canonical: boolean; end: number }> {
  const length = bytes[at];
  if (length === undefined || length === 0 || length === 0xff) {
    return fail("a curve OID has a reserved or missing length");
  }
  const end = at + 1 + length;
  if (end > bytes.length) return fail("a curve OID is longer than its packet");
  const arcs: number[] = [];
  let value = 0;
  let canonical = true;
  for (let i = at + 1; i < end; i++) {
    const byte = bytes[i] as number;
    if (value === 0 && byte === 0x80) canonical = false;
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER) return fail("a curve OID arc is too large");
    if ((byte & 0x80) === 0) {
      arcs.push(value);
      value = 0;
    } else if (i === end - 1) return fail("a curve OID ends in the middle of an arc");
  }
  const first = arcs.shift() ?? 0;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return ok({ oid: [...head, ...arcs].join("."), canonical, end });
}

// --- signature packets -----------------------------------------------------------------------

/** A signature subpacket as written. */
export interface Subpacket {
  type: number;
  critical: boolean;
  body: Uint8Array;
  /** Its length was written in the shortest form (1, 2 or 5 octets), as every writer does. */
  minimalLength: boolean;
}

/** A version 4 signature packet, split into its fields. */
export interface SignatureV4 {
  version: 4;
  type: number;
  publicKeyAlgorithm: number;
  hashAlgorithm: number;
  hashed: Subpacket[];
  unhashed: Subpacket[];
  /** The two octets of the hash prefix, then the algorithm-specific signature MPIs. */
  material: Uint8Array;
  /**
   * The signature MPIs, for the algorithms of RFC 4880 (RSA: one; DSA, ECDSA, EdDSA, ElGamal: two);
   * undefined for other algorithms or when they are malformed.
   */
  mpis: Mpi[] | undefined;
  /** Octets after those MPIs (none in a well-formed packet). */
  trailing: number;
}

const SIGNATURE_MPI_COUNTS: Record<number, number> = {
  1: 1,
  2: 1,
  3: 1,
  16: 2,
  17: 2,
  19: 2,
  20: 2,
  22: 2,
};

/**
 * Reads a v4 signature packet body (the caller checked that its first octet is 4): its hashed
 * and unhashed subpackets (at most {@link MAX_SUBPACKETS} each) and signature MPIs. Never throws.
 *
 * @example
 * const signature = readSignatureV4(packet.body);
 * if (signature.ok) console.log(signature.value.hashed.map((s) => s.type)); // [2, 11, 16, 20, 21, ...]
 */
export function readSignatureV4(body: Uint8Array): ReadResult<SignatureV4> {
  if (body.length < 6) return fail("a signature packet is cut short");
  const hashed = readSubpackets(body, 4);
  if (!hashed.ok) return hashed;
  const unhashed = readSubpackets(body, hashed.value.end);
  if (!unhashed.ok) return unhashed;
  if (unhashed.value.end + 2 > body.length) return fail("a signature packet is cut short");
  const material = body.subarray(unhashed.value.end);
  const mpis = readMpis(material, 2, SIGNATURE_MPI_COUNTS[body[2] as number] ?? 0);
  return ok({
    version: 4,
    type: body[1] as number,
    publicKeyAlgorithm: body[2] as number,
    hashAlgorithm: body[3] as number,
    hashed: hashed.value.subpackets,
    unhashed: unhashed.value.subpackets,
    material,
    mpis: mpis.ok && mpis.value.mpis.length > 0 ? mpis.value.mpis : undefined,
    trailing: mpis.ok ? material.length - mpis.value.end : 0,
  });
}

function readSubpackets(
  body: Uint8Array,
  at: number,
): ReadResult<{ subpackets: Subpacket[]; end: number }> {
  if (at + 2 > body.length) return fail("a signature's subpacket area is cut short");
  const end = at + 2 + (((body[at] as number) << 8) | (body[at + 1] as number));
  if (end > body.length) return fail("a signature's subpacket area is longer than its packet");
  const subpackets: Subpacket[] = [];
  let i = at + 2;
  while (i < end) {
    if (subpackets.length >= MAX_SUBPACKETS) {
      return fail(`a signature has more than ${MAX_SUBPACKETS} subpackets`);
    }
    const first = body[i] as number;
    let length: number;
    let size: number;
    if (first < 192) [length, size] = [first, 1];
    else if (first < 255) {
      // 224..254 would be a partial length, which subpackets never have: RFC 4880 reads the
      // two-octet form for all of 192..254.
      if (i + 2 > end) return fail("a signature subpacket header is cut short");
      [length, size] = [((first - 192) << 8) + (body[i + 1] as number) + 192, 2];
    } else {
      if (i + 5 > end) return fail("a signature subpacket header is cut short");
      [length, size] = [readUint32(body, i + 1), 5];
    }
    if (length === 0) return fail("a signature subpacket has length 0 (no type octet)");
    if (i + size + length > end) return fail("a signature subpacket runs past its area");
    const typeOctet = body[i + size] as number;
    subpackets.push({
      type: typeOctet & 0x7f,
      critical: (typeOctet & 0x80) !== 0,
      body: body.subarray(i + size + 1, i + size + length),
      minimalLength: size === (length < 192 ? 1 : length < 8384 ? 2 : 5),
    });
    i += size + length;
  }
  return ok({ subpackets, end });
}

// --- key packets -----------------------------------------------------------------------------

/** A version 4 public or secret key packet, split into its fields (RFC 4880 §5.5). */
export interface KeyPacketV4 {
  version: 4;
  /** Creation time, seconds since the epoch. */
  created: number;
  algorithm: number;
  /**
   * The public MPIs: RSA n, e; DSA p, q, g, y; ElGamal p, g, y; the point of an ECDSA, EdDSA or
   * ECDH key. Empty for algorithms this reader does not parse.
   */
  mpis: Mpi[];
  /** The curve of an ECDSA, EdDSA or ECDH key. */
  curve: { oid: string; canonical: boolean } | undefined;
  /** The KDF parameters of an ECDH key, as written (size, 1, hash id, cipher id). */
  kdf: Uint8Array | undefined;
  /** The body up to the end of the public fields: what the fingerprint covers. */
  publicBody: Uint8Array;
  /** How a secret key packet protects its secret part (never the secret itself). */
  protection: KeyProtection | undefined;
  /** Octets after the public fields of a public key packet (none in a well-formed packet). */
  trailing: number;
  /** The v4 fingerprint, lower-case hex; its last 16 digits are the key ID. */
  fingerprint: string;
}

/** The S2K fields of a secret key packet (RFC 4880 §5.5.3, §3.7). */
export interface KeyProtection {
  /** 0: not protected; 254, 255: passphrase (S2K) protected; 253: AEAD (RFC 9580); others: legacy. */
  usage: number;
  /** For usage 254 and 255: the cipher, S2K type and S2K hash algorithm. */
  cipher: number | undefined;
  s2kType: number | undefined;
  s2kHash: number | undefined;
  /** S2K type 101 carries GnuPG's 0x00 "GNU" marker. */
  gnuMarker: boolean;
}

const KEY_MPI_COUNTS: Record<number, number> = { 1: 2, 2: 2, 3: 2, 16: 3, 17: 4, 20: 3 };
const ECC_ALGORITHMS = new Set([18, 19, 22]);

/**
 * Reads a version 4 key packet body (tags 5, 6, 7, 14; the caller checked the version octet).
 * The public fields of RFC 4880 algorithms are parsed; for others `mpis` is empty and the whole
 * body counts as public. Never throws.
 *
 * @example
 * const key = readKeyPacketV4(packet.body, packet.tag === 5 || packet.tag === 7);
 * if (key.ok) console.log(key.value.fingerprint.slice(-16)); // the key ID
 */
export function readKeyPacketV4(body: Uint8Array, secret: boolean): ReadResult<KeyPacketV4> {
  if (body.length < 6) return fail("a key packet is cut short");
  const algorithm = body[5] as number;
  let at = 6;
  let curve: KeyPacketV4["curve"];
  let kdf: Uint8Array | undefined;
  const mpis: Mpi[] = [];
  if (ECC_ALGORITHMS.has(algorithm)) {
    const oid = readCurveOid(body, at);
    if (!oid.ok) return oid;
    curve = { oid: oid.value.oid, canonical: oid.value.canonical };
    at = oid.value.end;
  }
  const count = KEY_MPI_COUNTS[algorithm] ?? (ECC_ALGORITHMS.has(algorithm) ? 1 : 0);
  if (count === 0) at = body.length;
  const read = readMpis(body, at, count);
  if (!read.ok) return read;
  mpis.push(...read.value.mpis);
  at = read.value.end;
  if (algorithm === 18) {
    const size = body[at];
    if (size === undefined || at + 1 + size > body.length)
      return fail("ECDH KDF parameters are cut short");
    kdf = body.subarray(at, at + 1 + size);
    at += 1 + size;
  }
  const publicBody = body.subarray(0, at);
  return ok({
    version: 4,
    created: readUint32(body, 1),
    algorithm,
    mpis,
    curve,
    kdf,
    publicBody,
    protection: secret ? readProtection(body, at) : undefined,
    trailing: secret ? 0 : body.length - at,
    fingerprint: v4Fingerprint(publicBody),
  });
}

function readProtection(body: Uint8Array, at: number): KeyProtection {
  const usage = body[at] ?? 0;
  const s2k = usage === 254 || usage === 255;
  const s2kType = s2k ? body[at + 2] : undefined;
  return {
    usage,
    cipher: s2k ? body[at + 1] : undefined,
    s2kType,
    s2kHash: s2k ? body[at + 3] : undefined,
    // GnuPG's extension: type 101, then the octets 0x00 "GNU" and an extension number.
    gnuMarker: s2kType === 101 && Array.from(body.subarray(at + 3, at + 7)).join() === "0,71,78,85",
  };
}

function readMpis(
  bytes: Uint8Array,
  at: number,
  count: number,
): ReadResult<{ mpis: Mpi[]; end: number }> {
  const mpis: Mpi[] = [];
  let end = at;
  for (let i = 0; i < count; i++) {
    const read = readMpi(bytes, end);
    if (!read.ok) return read;
    mpis.push(read.value.mpi);
    end = read.value.end;
  }
  return ok({ mpis, end });
}

/**
 * The v4 fingerprint of a key, lower-case hex: SHA-1 over 0x99, the two-octet length and the
 * public key packet body (RFC 4880 §12.2). `publicBody` is the body up to the end of the public
 * fields (for a secret key packet, without the secret part).
 *
 * @example
 * v4Fingerprint(publicBody).slice(-16); // the key ID
 */
export function v4Fingerprint(publicBody: Uint8Array): string {
  const data = new Uint8Array(publicBody.length + 3);
  data.set([0x99, (publicBody.length >> 8) & 0xff, publicBody.length & 0xff]);
  data.set(publicBody, 3);
  return Array.from(sha1(data), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

// SHA-1 (FIPS 180-4), here only to compute key IDs as every OpenPGP reader does; it protects
// nothing. WebCrypto would be async, and the checks that need it are synchronous.
function sha1(message: Uint8Array): Uint8Array {
  const padded = new Uint8Array((((message.length + 8) >> 6) + 1) << 6);
  padded.set(message);
  padded[message.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(message.length / 0x20000000));
  view.setUint32(padded.length - 4, (message.length * 8) >>> 0);
  const h = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];
  const w = new Uint32Array(80);
  for (let block = 0; block < padded.length; block += 64) {
    for (let t = 0; t < 16; t++) w[t] = view.getUint32(block + t * 4);
    for (let t = 16; t < 80; t++) {
      const x =
        (w[t - 3] as number) ^ (w[t - 8] as number) ^ (w[t - 14] as number) ^ (w[t - 16] as number);
      w[t] = (x << 1) | (x >>> 31);
    }
    let [a, b, c, d, e] = h as [number, number, number, number, number];
    for (let t = 0; t < 80; t++) {
      const [f, k] =
        t < 20
          ? [(b & c) | (~b & d), 0x5a827999]
          : t < 40
            ? [b ^ c ^ d, 0x6ed9eba1]
            : t < 60
              ? [(b & c) | (b & d) | (c & d), 0x8f1bbcdc]
              : [b ^ c ^ d, 0xca62c1d6];
      const temp = (((a << 5) | (a >>> 27)) + f + e + k + (w[t] as number)) >>> 0;
      [e, d, c, b, a] = [d, c, (b << 30) | (b >>> 2), a, temp];
    }
    h[0] = ((h[0] as number) + a) >>> 0;
    h[1] = ((h[1] as number) + b) >>> 0;
    h[2] = ((h[2] as number) + c) >>> 0;
    h[3] = ((h[3] as number) + d) >>> 0;
    h[4] = ((h[4] as number) + e) >>> 0;
  }
  const out = new Uint8Array(20);
  const outView = new DataView(out.buffer);
  for (const [i, word] of h.entries()) outView.setUint32(i * 4, word);
  return out;
}
