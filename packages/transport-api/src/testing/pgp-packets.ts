// Just enough OpenPGP for tests (RFC 4880 §4-5, RFC 9580): the key ids an armored message is
// encrypted to (its PKESK packets) and the key ids of a public key's encryption subkeys. It reads
// with core's hand-written armor and packet reader (packages/core/src/openpgp, which depends on
// nothing), so the assertions do not rest on the library that wrote the messages (openpgp.js).
import { readArmor } from "../../../core/src/openpgp/armor.js";
import { readKeyPacketV4 } from "../../../core/src/openpgp/key-packet.js";
import { type Packet, readPackets } from "../../../core/src/openpgp/packets.js";
import { toHex } from "../../../core/src/openpgp/result.js";

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
    const key = readKeyPacketV4(body, false);
    if (!key.ok) throw new Error(`malformed subkey: ${key.problem}`);
    ids.push(key.value.fingerprint.slice(-16));
  }
  return ids;
}

/** Every armored OpenPGP message in `text`, in order. */
export function armoredMessages(text: string): string[] {
  return text.match(/-----BEGIN PGP MESSAGE-----[\s\S]*?-----END PGP MESSAGE-----/g) ?? [];
}
