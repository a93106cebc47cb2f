// Just enough OpenPGP for tests (RFC 4880 §4-6, RFC 9580): armor, packet framing, the key ids an
// armored message is encrypted to (its PKESK packets), the key ids of a public key's encryption
// subkeys, and tampering that keeps the armor valid. Its own small reader, so the assertions rest
// neither on the library that wrote the messages (openpgp.js) nor on core's reader under test.
import { createHash } from "node:crypto";
import { crc24, toHex } from "./bytes.js";

/** A reader's answer: the value, or what is wrong with the input. */
export type ReadResult<T> = { ok: true; value: T } | { ok: false; problem: string };

/** One packet: its tag and body (for a partial-length packet, its first chunk only). */
export interface Packet {
  tag: number;
  body: Uint8Array;
  partial?: true;
}

const BEGIN = /^-----BEGIN PGP ([A-Z0-9 ,]+)-----$/;

/**
 * The first ASCII-armored block of `text`: its label, header lines and decoded bytes; a CRC-24
 * line, when present, must match.
 *
 * @example
 * const armor = readArmor(armored);
 * if (armor.ok) console.log(armor.value.bytes.length);
 */
export function readArmor(
  text: string,
): ReadResult<{ label: string; headers: string[]; bytes: Uint8Array }> {
  const lines = text.split("\n").map((line) => line.replace(/\r$/, ""));
  const begin = lines.findIndex((line) => BEGIN.test(line));
  if (begin < 0) return { ok: false, problem: "no -----BEGIN PGP ...----- line" };
  const label = BEGIN.exec(lines[begin] as string)?.[1] as string;
  let at = begin + 1;
  const headers: string[] = [];
  while (at < lines.length && (lines[at] as string).includes(":"))
    headers.push(lines[at++] as string);
  if (lines[at] === "") at++;
  const body: string[] = [];
  let checksum: string | undefined;
  for (; at < lines.length && !(lines[at] as string).startsWith("-----"); at++) {
    const line = lines[at] as string;
    if (/^=[A-Za-z0-9+/]{4}$/.test(line)) checksum = line.slice(1);
    else body.push(line);
  }
  if (!lines[at]?.startsWith(`-----END PGP ${label}-----`)) {
    return { ok: false, problem: `no -----END PGP ${label}----- line` };
  }
  const joined = body.join("");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(joined)) return { ok: false, problem: "not base64" };
  const bytes = new Uint8Array(Buffer.from(joined, "base64"));
  if (checksum !== undefined) {
    const sum = Buffer.from(checksum, "base64");
    if (crc24(bytes) !== sum.readUIntBE(0, 3)) return { ok: false, problem: "CRC-24 mismatch" };
  }
  return { ok: true, value: { label, headers, bytes } };
}

/**
 * Splits binary OpenPGP data into packets (old and new headers). A partial body length is
 * malformed unless `untilPartialLength`, which stops there and returns that packet last.
 *
 * @example
 * const packets = readPackets(bytes, { untilPartialLength: true });
 */
export function readPackets(
  bytes: Uint8Array,
  options: { untilPartialLength?: boolean } = {},
): ReadResult<Packet[]> {
  const packets: Packet[] = [];
  let at = 0;
  const cut = { ok: false, problem: "a packet header is cut short" } as const;
  while (at < bytes.length) {
    const ctb = bytes[at] as number;
    if ((ctb & 0x80) === 0) return { ok: false, problem: `byte ${at} is not a packet header` };
    let tag: number;
    let length: number;
    let start: number;
    let partial = false;
    if (ctb & 0x40) {
      tag = ctb & 0x3f;
      const first = bytes[at + 1];
      if (first === undefined) return cut;
      if (first < 192) [length, start] = [first, at + 2];
      else if (first < 224) {
        const second = bytes[at + 2];
        if (second === undefined) return cut;
        [length, start] = [((first - 192) << 8) + second + 192, at + 3];
      } else if (first === 255) {
        if (at + 6 > bytes.length) return cut;
        [length, start] = [Buffer.from(bytes.subarray(at + 2, at + 6)).readUInt32BE(0), at + 6];
      } else [length, start, partial] = [1 << (first & 0x1f), at + 2, true];
    } else {
      tag = (ctb >> 2) & 0x0f;
      const type = ctb & 0x03;
      if (type === 3) [length, start] = [bytes.length - at - 1, at + 1];
      else {
        const size = 1 << type;
        if (at + 1 + size > bytes.length) return cut;
        length = 0;
        for (let i = 0; i < size; i++) length = length * 256 + (bytes[at + 1 + i] as number);
        start = at + 1 + size;
      }
    }
    if (partial) {
      if (!options.untilPartialLength)
        return { ok: false, problem: `packet tag ${tag} is partial` };
      packets.push({ tag, body: bytes.subarray(start, start + length), partial: true });
      return { ok: true, value: packets };
    }
    if (start + length > bytes.length)
      return { ok: false, problem: `packet tag ${tag} runs past the end` };
    packets.push({ tag, body: bytes.subarray(start, start + length) });
    at = start + length;
  }
  return { ok: true, value: packets };
}

/** The v4 fingerprint of a key packet body (RFC 4880 §12.2): SHA-1 over 0x99, length, body. */
function v4Fingerprint(body: Uint8Array): string {
  const prefix = Uint8Array.of(0x99, (body.length >> 8) & 0xff, body.length & 0xff);
  return createHash("sha1").update(prefix).update(body).digest("hex");
}

/** The key id a PKESK carries when the sender hid the recipient (a "wildcard"). */
export const WILDCARD_KEY_ID = "0000000000000000";

// Public-key algorithms that can encrypt: RSA (1), RSA encrypt-only (2), ElGamal (16), ECDH (18),
// X25519 (25), X448 (26).
const ENCRYPTION_ALGORITHMS = new Set([1, 2, 16, 18, 25, 26]);
const PKESK = 1;
const PUBLIC_SUBKEY = 14;

/**
 * The packets of the first armored block of `armored`. An encrypted message ends with its data
 * packet, which openpgp.js writes with a partial body length: the read stops there (the packets
 * this reader is for come before it).
 */
function packetsOf(armored: string): Packet[] {
  const armor = readArmor(armored);
  if (!armor.ok) throw new Error(`not an armored OpenPGP block: ${armor.problem}`);
  const packets = readPackets(armor.value.bytes, { untilPartialLength: true });
  if (!packets.ok) throw new Error(`malformed OpenPGP data: ${packets.problem}`);
  return packets.value;
}

/**
 * The recipient key ids of an armored OpenPGP message, lower-case hex, in packet order: one per
 * public-key encrypted session key packet (v3 PKESK: version, then the 8-octet key id).
 */
export function pkeskKeyIds(armored: string): string[] {
  const ids: string[] = [];
  for (const { tag, body } of packetsOf(armored)) {
    if (tag !== PKESK) break; // the session keys come first; then the encrypted data
    if (body[0] !== 3) throw new Error(`PKESK version ${body[0]}: only v3 is expected here`);
    ids.push(toHex(body.subarray(1, 9)));
  }
  return ids;
}

/**
 * The key ids of a public key's encryption-capable v4 subkeys, lower-case hex: the low 64 bits
 * of the v4 fingerprint, SHA-1 over 0x99, a two-octet length and the key packet body.
 */
export function encryptionSubkeyIds(armoredPublicKey: string): string[] {
  const ids: string[] = [];
  for (const { tag, body } of packetsOf(armoredPublicKey)) {
    // v4 key: version (1), creation time (4), algorithm (1), key material.
    if (tag !== PUBLIC_SUBKEY || body[0] !== 4 || !ENCRYPTION_ALGORITHMS.has(body[5] ?? -1))
      continue;
    ids.push(v4Fingerprint(body).slice(-16));
  }
  return ids;
}

/** Every armored OpenPGP message in `text`, in order. */
export function armoredMessages(text: string): string[] {
  return text.match(/-----BEGIN PGP MESSAGE-----[\s\S]*?-----END PGP MESSAGE-----/g) ?? [];
}

/**
 * Flips one bit `fromEnd` bytes before the end of the armored message's packets (inside the
 * encrypted data, so the MDC or AEAD tag no longer matches) and re-armors it.
 *
 * @example
 * const bad = tamperArmored(armored); // still parses as armor; decryption must fail
 */
export function tamperArmored(armored: string, fromEnd = 30): string {
  const lines = armored.replace(/\r\n/g, "\n").trim().split("\n");
  const begin = lines.findIndex((line) => line.startsWith("-----BEGIN PGP MESSAGE-----"));
  const end = lines.findIndex((line) => line.startsWith("-----END PGP MESSAGE-----"));
  const blank = lines.indexOf("", begin);
  const headers = lines.slice(begin + 1, blank);
  const body = lines.slice(blank + 1, end).filter((line) => !line.startsWith("="));
  const bytes = Uint8Array.from(Buffer.from(body.join(""), "base64"));
  const at = bytes.length - fromEnd;
  bytes[at] = (bytes[at] ?? 0) ^ 0x01;
  const base64 = Buffer.from(bytes).toString("base64");
  const crc = Buffer.from([
    (crc24(bytes) >> 16) & 0xff,
    (crc24(bytes) >> 8) & 0xff,
    crc24(bytes) & 0xff,
  ]);
  const wrapped = base64.match(/.{1,64}/g) ?? [];
  return [
    "-----BEGIN PGP MESSAGE-----",
    ...headers,
    "",
    ...wrapped,
    `=${crc.toString("base64")}`,
    "-----END PGP MESSAGE-----",
    "",
  ].join("\n");
}
