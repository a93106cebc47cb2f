// A tiny OpenPGP packet reader for tests (RFC 4880 §4-5, RFC 9580): just enough to list the key
// ids an armored message is encrypted to (its PKESK packets) and the key ids of a public key's
// encryption subkeys. Written by hand so the assertions do not rest on the library that wrote
// the messages (openpgp.js).
import { createHash } from "node:crypto";

/** The key id a PKESK carries when the sender hid the recipient (a "wildcard"). */
export const WILDCARD_KEY_ID = "0000000000000000";

// Public-key algorithms that can encrypt: RSA (1), RSA encrypt-only (2), ElGamal (16), ECDH (18),
// X25519 (25), X448 (26).
const ENCRYPTION_ALGORITHMS = new Set([1, 2, 16, 18, 25, 26]);
const PKESK = 1;
const PUBLIC_SUBKEY = 14;

/** The binary packets of one ASCII-armored block (armor headers and the CRC line skipped). */
export function dearmor(armored: string): Uint8Array {
  const lines = armored.trim().split(/\r?\n/);
  const begin = lines.findIndex((line) => line.startsWith("-----BEGIN PGP "));
  if (begin < 0) throw new Error("not an armored OpenPGP block");
  // Armor headers ("Version: ...") run up to the first empty line; the base64 follows.
  let i = begin + 1;
  while (i < lines.length && (lines[i] ?? "").trim() !== "") i++;
  const base64: string[] = [];
  for (i++; i < lines.length; i++) {
    const line = (lines[i] ?? "").trim();
    if (line.startsWith("-----END PGP ")) break;
    // "=XXXX": the optional CRC-24 line (base64 data lines never start with "=").
    if (line.startsWith("=")) continue;
    base64.push(line);
  }
  return new Uint8Array(Buffer.from(base64.join(""), "base64"));
}

/** One packet: its tag and body; `body` is undefined for a packet of indeterminate length. */
interface Packet {
  tag: number;
  body: Uint8Array | undefined;
}

/**
 * The packets of `bytes` in order. A packet with partial or indeterminate length (openpgp.js
 * streams the encrypted data packet that way) ends the walk: it is always the last one, and the
 * key packets this reader is for come before it.
 */
function* packets(bytes: Uint8Array): Generator<Packet> {
  let offset = 0;
  const at = (i: number) => bytes[offset + i] ?? 0;
  while (offset < bytes.length) {
    const first = at(0);
    if ((first & 0x80) === 0) throw new Error(`no packet header at byte ${offset}`);
    let tag: number;
    let length: number;
    let header: number;
    if (first & 0x40) {
      // New format: tag in the low 6 bits, then a 1, 2 or 5 octet length (or a partial one).
      tag = first & 0x3f;
      const octet = at(1);
      if (octet < 192) [length, header] = [octet, 2];
      else if (octet < 224) [length, header] = [((octet - 192) << 8) + at(2) + 192, 3];
      else if (octet === 255)
        [length, header] = [((at(2) << 24) | (at(3) << 16) | (at(4) << 8) | at(5)) >>> 0, 6];
      else {
        yield { tag, body: undefined };
        return;
      }
    } else {
      // Old format: tag in bits 5-2, length type in bits 1-0 (1, 2, 4 octets, or indeterminate).
      tag = (first >> 2) & 0x0f;
      const type = first & 0x03;
      if (type === 0) [length, header] = [at(1), 2];
      else if (type === 1) [length, header] = [(at(1) << 8) | at(2), 3];
      else if (type === 2)
        [length, header] = [((at(1) << 24) | (at(2) << 16) | (at(3) << 8) | at(4)) >>> 0, 5];
      else {
        yield { tag, body: undefined };
        return;
      }
    }
    yield { tag, body: bytes.subarray(offset + header, offset + header + length) };
    offset += header + length;
  }
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

/**
 * The recipient key ids of an armored OpenPGP message, lower-case hex, in packet order: one per
 * public-key encrypted session key packet (v3 PKESK: version, then the 8-octet key id).
 */
export function pkeskKeyIds(armored: string): string[] {
  const ids: string[] = [];
  for (const packet of packets(dearmor(armored))) {
    if (packet.tag !== PKESK) break; // the session keys come first; then the encrypted data
    const body = packet.body as Uint8Array;
    if (body[0] !== 3) throw new Error(`PKESK version ${body[0]}: only v3 is expected here`);
    ids.push(hex(body.subarray(1, 9)));
  }
  return ids;
}

/**
 * The key ids of a public key's encryption-capable v4 subkeys, lower-case hex: the low 64 bits
 * of the v4 fingerprint, SHA-1 over 0x99, a two-octet length and the key packet body.
 */
export function encryptionSubkeyIds(armoredPublicKey: string): string[] {
  const ids: string[] = [];
  for (const packet of packets(dearmor(armoredPublicKey))) {
    const body = packet.body;
    if (packet.tag !== PUBLIC_SUBKEY || body === undefined) continue;
    // v4 key: version (1), creation time (4), algorithm (1), key material.
    if (body[0] !== 4 || !ENCRYPTION_ALGORITHMS.has(body[5] ?? -1)) continue;
    const prefix = Uint8Array.of(0x99, body.length >> 8, body.length & 0xff);
    const fingerprint = createHash("sha1").update(prefix).update(body).digest();
    ids.push(hex(fingerprint.subarray(12)));
  }
  return ids;
}

/** Every armored OpenPGP message in `text`, in order. */
export function armoredMessages(text: string): string[] {
  return text.match(/-----BEGIN PGP MESSAGE-----[\s\S]*?-----END PGP MESSAGE-----/g) ?? [];
}
