// What PGPy needs of a key packet (pgpy/packet/packets.py PubKeyV4, PrivKeyV4, and the key
// material and String2Key classes of pgpy/packet/fields.py).
import type { KeyProtection } from "../openpgp/key-packet.js";
import { readKeyPacketV4 } from "../openpgp/key-packet.js";
import type { KeyNode } from "./model.js";
import type { Report } from "./report.js";
import {
  algorithmName,
  CURVES,
  HASHES,
  PUBLIC_KEY_ALGORITHMS,
  S2K_SPECIFIERS,
  SYMMETRIC,
} from "./tables.js";

/**
 * Reads a key packet the way PGPy does, adding to `report` what PGPy refuses; `undefined` when
 * PGPy cannot read it at all.
 *
 * @example
 * const primary = readKey(packet.body, packet.tag === 5, "the primary key", report);
 */
export function readKey(
  body: Uint8Array,
  secret: boolean,
  label: string,
  report: Report,
): KeyNode | undefined {
  if (body[0] !== 4) {
    report.add(`${label} is a version ${body[0]} key packet; PGPy reads version 4 keys only`);
    return undefined;
  }
  const algorithm = body[5] ?? -1;
  if (!PUBLIC_KEY_ALGORITHMS.has(algorithm)) {
    report.add(
      `${label} uses public-key algorithm ${algorithmName(algorithm)}, which PGPy does not know`,
    );
    return undefined;
  }
  const read = readKeyPacketV4(body, secret);
  if (!read.ok) {
    report.add(`${label} is malformed: ${read.problem}`);
    return undefined;
  }
  const key = read.value;
  const curve = key.curve ? CURVES.get(key.curve.oid) : undefined;
  if (key.curve && (!curve || !key.curve.canonical)) {
    report.add(`${label} uses curve OID ${key.curve.oid}, which PGPy does not know`);
    return undefined;
  }
  // PGPy writes the key back from the numbers it parsed to hash it: a non-minimal MPI or extra
  // octets give another fingerprint and break every self-signature.
  if (key.mpis.some((mpi) => !mpi.canonical) || key.trailing > 0) {
    report.add(
      `${label} is not minimally encoded (an MPI with leading zeros, or extra octets); PGPy re-encodes it and gets another fingerprint`,
    );
  }
  if (curve) checkPoint(key.mpis[0]?.value ?? new Uint8Array(), algorithm, curve, label, report);
  if (key.kdf) {
    // fields.py ECKDF: asserts 03 01, then enum lookups of the hash and the key-wrap cipher.
    const [size, reserved, hash, cipher] = key.kdf;
    if (
      size !== 3 ||
      reserved !== 1 ||
      !HASHES.has(hash as number) ||
      !SYMMETRIC.has(cipher as number)
    ) {
      report.add(`${label} has ECDH KDF parameters PGPy cannot parse`);
    }
  }
  if (key.protection) checkSecretProtection(key.protection, label, report);
  const keyId = key.fingerprint.slice(-16);
  return {
    label: label === "the primary key" ? label : `${label} (${keyId})`,
    keyId,
    fingerprint: key.fingerprint,
    algorithm,
    curve,
    bits: key.mpis[0]?.bits ?? 0,
    created: key.created,
    signatures: [],
  };
}

// fields.py ECPoint, EdDSAPub, ECDSAPub, ECDHPub: the point format each algorithm must use.
function checkPoint(
  point: Uint8Array,
  algorithm: number,
  curve: string,
  label: string,
  report: Report,
): void {
  const native = algorithm === 22 || (algorithm === 18 && curve === "Curve25519");
  const fits = native ? point[0] === 0x40 : point[0] === 0x04 && point.length % 2 === 1;
  if (!fits) {
    report.add(
      `${label} writes its ${curve} point in a form PGPy refuses (it wants ${native ? "the 0x40 native form" : "the 0x04 x, y form"})`,
    );
  } else if (algorithm === 22 && (curve !== "Ed25519" || point.length !== 33)) {
    report.add(`${label} is an EdDSA key on ${curve}; PGPy verifies EdDSA on Ed25519 only`);
  }
}

// fields.py String2Key: only usage 0 (clear), 254 and 255 (passphrase) are understood. Its cipher
// must be in the enum and, except for GnuPG's stub (type 101, no IV), have a block size.
function checkSecretProtection(protection: KeyProtection, label: string, report: Report): void {
  const { usage, cipher, s2kType, s2kHash, gnuMarker } = protection;
  const gnu = s2kType === 101;
  if (usage !== 0 && usage !== 254 && usage !== 255) {
    report.add(
      `${label}'s secret part is protected with S2K usage ${usage}${usage === 253 ? " (AEAD, RFC 9580)" : ""}, which PGPy does not support`,
    );
  } else if (usage === 0) {
    return;
  } else if (!S2K_SPECIFIERS.has(s2kType as number)) {
    report.add(
      `${label}'s passphrase protection uses S2K type ${s2kType}${s2kType === 4 ? " (Argon2)" : ""}, which PGPy does not know`,
    );
  } else if (!SYMMETRIC.has(cipher as number) || (cipher === 0 && !gnu)) {
    report.add(
      `${label}'s secret part is encrypted with cipher ${cipher}, which PGPy does not support`,
    );
  } else if (gnu ? !gnuMarker : !HASHES.has(s2kHash as number)) {
    report.add(
      `${label}'s passphrase protection (S2K type ${s2kType}, hash ${s2kHash}) is one PGPy cannot parse`,
    );
  }
}
