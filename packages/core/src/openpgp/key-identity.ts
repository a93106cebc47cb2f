// Who an armored OpenPGP public key says it is, and which key material it is: the fingerprints of
// its primary key and subkeys, and its user ids. Built on core's readers (armor, packets, key
// packets), dependency-free. A directory uses it to refuse a key that names someone else or
// reuses another agent's key material. Signatures are not verified: the answer is what the key
// claims, which is enough to refuse a claim but never to trust one.
import { readArmor } from "./armor.js";
import { readKeyPacketV4 } from "./key-packet.js";
import { readPackets } from "./packets.js";
import { fail, ok, type ReadResult, toHex } from "./result.js";
import { sha256 } from "./sha256.js";

/** An armored public key's identity, as the key states it (no signature is checked). */
export interface PublicKeyIdentity {
  /**
   * Lower-case hex fingerprints: the primary key's first, then each subkey's, in key order.
   * Version 4 keys have 40 digits (SHA-1), version 5 and 6 keys 64 (SHA-256, RFC 9580 §5.5.4).
   */
  fingerprints: string[];
  /** Every user id packet's text (UTF-8, malformed octets replaced), in key order. */
  userIds: string[];
}

const BEGIN = "-----BEGIN PGP ";
const PUBLIC_KEY = 6;
const USER_ID = 13;
const PUBLIC_SUBKEY = 14;
const SECRET_KEY_TAGS = new Set([5, 7]);

/**
 * Reads the fingerprints and user ids of an armored OpenPGP public key. Every armored block of
 * `armored` is read, and together they must hold exactly one primary key (a keyring of several
 * keys is not one key), no secret-key packet, and only key packets of versions 4, 5 and 6.
 * Never throws; a problem never quotes the key.
 *
 * @example
 * const identity = publicKeyIdentity(keys.publicKeyArmored);
 * if (identity.ok) {
 *   identity.value.fingerprints; // ["5f0c...", "9a1b..."]: primary key, then subkeys
 *   identity.value.userIds; // ["My Agent <my-agent@agents.example.com>"]
 * } else console.log(identity.problem); // "it holds 2 primary keys; one key is expected"
 */
export function publicKeyIdentity(armored: string): ReadResult<PublicKeyIdentity> {
  if (typeof armored !== "string") return fail("it is not a string");
  const lines = armored.split("\n");
  const starts = lines.flatMap((line, index) => (line.startsWith(BEGIN) ? [index] : []));
  if (starts.length === 0) return fail("it holds no armored public key block");
  const fingerprints: string[] = [];
  const userIds: string[] = [];
  let primaries = 0;
  const decoder = new TextDecoder();
  for (const start of starts) {
    const armor = readArmor(lines.slice(start).join("\n"));
    if (!armor.ok) return fail(`its armor cannot be read (${armor.problem})`);
    if (armor.value.label !== "PUBLIC KEY BLOCK")
      return fail("it holds a block that is not a public key");
    const packets = readPackets(armor.value.bytes);
    if (!packets.ok) return fail(`its packets cannot be read (${packets.problem})`);
    for (const { tag, body } of packets.value) {
      if (SECRET_KEY_TAGS.has(tag)) return fail("it holds a secret-key packet");
      if (tag === USER_ID) userIds.push(decoder.decode(body));
      if (tag !== PUBLIC_KEY && tag !== PUBLIC_SUBKEY) continue;
      const fingerprint = fingerprintOf(body);
      if (!fingerprint.ok) return fingerprint;
      if (tag === PUBLIC_KEY) primaries += 1;
      else if (primaries === 0) return fail("it holds a subkey before its primary key");
      fingerprints.push(fingerprint.value);
    }
  }
  if (primaries !== 1) {
    return fail(
      primaries === 0
        ? "it holds no primary key"
        : `it holds ${primaries} primary keys; one key is expected`,
    );
  }
  return ok({ fingerprints, userIds });
}

// v4: SHA-1 over 0x99, a 2-octet length and the public fields (RFC 4880 §12.2); v5 and v6:
// SHA-256 over 0x9A / 0x9B, a 4-octet length and the packet body (RFC 9580 §5.5.4).
function fingerprintOf(body: Uint8Array): ReadResult<string> {
  const version = body[0];
  if (version === 4) {
    const key = readKeyPacketV4(body, false);
    return key.ok
      ? ok(key.value.fingerprint)
      : fail(`a key packet cannot be read (${key.problem})`);
  }
  if (version === 5 || version === 6) {
    const data = new Uint8Array(body.length + 5);
    new DataView(data.buffer).setUint32(1, body.length);
    data[0] = version === 5 ? 0x9a : 0x9b;
    data.set(body, 5);
    return ok(toHex(sha256(data)));
  }
  return fail(`it holds a key packet of version ${version ?? "(none)"}, not 4, 5 or 6`);
}
