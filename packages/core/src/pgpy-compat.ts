// Can the Python SDK load this key? The Python SDK does its OpenPGP with PGPy 0.6, which is
// stricter than GnuPG or openpgp.js in ways that are easy to trip over: its enums stop at the
// algorithms of RFC 4880 (a key whose self-signature prefers SHA3 does not load at all), and to
// verify a self-signature it re-serializes the signature's hashed subpackets from what it parsed,
// so anything it parses lossily makes a valid signature fail. Every rule below cites the PGPy
// code it mirrors (pgpy/constants.py, pgpy/types.py, pgpy/pgp.py, pgpy/packet/*.py).
import { z } from "zod";
import { Limits } from "./limits.js";
import {
  type KeyProtection,
  type Packet,
  readArmor,
  readKeyPacketV4,
  readPackets,
  readSignatureV4,
  readUint32,
  type SignatureV4,
  type Subpacket,
} from "./openpgp-packets.js";
import { parseInput } from "./validate.js";

// constants.py: PubKeyAlgorithm, SymmetricKeyAlgorithm, HashAlgorithm, CompressionAlgorithm,
// SignatureType, RevocationReason, String2KeyType, EllipticCurveOID. A value outside these makes
// PGPy raise ValueError while it parses the key.
const PUBLIC_KEY_ALGORITHMS = new Set([0, 1, 2, 3, 16, 17, 18, 19, 20, 21, 22]);
const SYMMETRIC = new Set([0, 1, 2, 3, 4, 7, 8, 9, 10, 11, 12, 13]);
const HASHES = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
const COMPRESSION = new Set([0, 1, 2, 3]);
const SIGNATURE_TYPES = new Set([
  0x00, 0x01, 0x02, 0x10, 0x11, 0x12, 0x13, 0x16, 0x18, 0x19, 0x1f, 0x20, 0x28, 0x30, 0x40, 0x50,
]);
const REVOCATION_REASONS = new Set([0, 1, 2, 3, 0x20]);
const S2K_SPECIFIERS = new Set([0, 1, 2, 3, 101]);
const CURVES = new Map([
  ["1.3.6.1.4.1.3029.1.5.1", "Curve25519"],
  ["1.3.6.1.4.1.11591.15.1", "Ed25519"],
  ["1.2.840.10045.3.1.7", "NIST P-256"],
  ["1.3.132.0.34", "NIST P-384"],
  ["1.3.132.0.35", "NIST P-521"],
  ["1.3.36.3.3.2.8.1.1.7", "brainpoolP256r1"],
  ["1.3.36.3.3.2.8.1.1.11", "brainpoolP384r1"],
  ["1.3.36.3.3.2.8.1.1.13", "brainpoolP512r1"],
  ["1.3.132.0.10", "secp256k1"],
]);
// PGPKey.verify looks the hash up by name in pyca/cryptography, which has no RIPEMD-160; it
// verifies with the key algorithms that have a verify(): RSA, DSA, ECDSA, EdDSA.
const VERIFIABLE_HASHES = new Set([1, 2, 8, 9, 10, 11]);
const VERIFYING_ALGORITHMS = new Set([1, 2, 3, 17, 19, 22]);
const RSA = new Set([1, 2, 3]);
// Names for the messages, including the newer ids PGPy does not know.
const HASH_NAMES: Record<number, string> = {
  1: "MD5",
  2: "SHA-1",
  3: "RIPEMD-160",
  8: "SHA-256",
  9: "SHA-384",
  10: "SHA-512",
  11: "SHA-224",
  12: "SHA3-256",
  14: "SHA3-512",
};
const ALGORITHM_NAMES: Record<number, string> = {
  25: "X25519 (RFC 9580)",
  26: "X448 (RFC 9580)",
  27: "Ed25519 (RFC 9580)",
  28: "Ed448 (RFC 9580)",
};
// Subpackets PGPy reads a fixed number of octets from, whatever their length says
// (packet/subpackets/signature.py); another length desynchronizes the rest of the area.
const FIXED_SIZES: Record<number, number> = {
  2: 4,
  3: 4,
  4: 1,
  5: 2,
  7: 1,
  9: 4,
  12: 22,
  16: 8,
  25: 1,
};
// ByteFlag subpackets keep only the bits of their enum (KeyServerPreferences, KeyFlags, Features).
const FLAG_MASKS: Record<number, [name: string, mask: number]> = {
  23: ["key server preferences", 0x80],
  27: ["key flags", 0xbf],
  30: ["features", 0x01],
};
// Subpackets PGPy decodes as Latin-1 and re-encodes as UTF-8: only ASCII survives.
const TEXT_SUBPACKETS: Record<number, string> = {
  6: "regular expression",
  24: "preferred key server",
  26: "policy URI",
  28: "signer's user ID",
};
const MAX_PROBLEMS = 32;

const OptionsSchema = z.strictObject({ now: z.date().optional() }).optional();

/**
 * Options of {@link pgpyKeyProblems}.
 *
 * @example
 * pgpyKeyProblems(armored, { now: new Date("2030-01-01T00:00:00Z") });
 */
export interface PgpyKeyProblemsOptions {
  /** The time at which expiry is judged (default: now). */
  now?: Date | undefined;
}

/**
 * The reasons the Python SDK (PGPy 0.6) would fail to load an armored OpenPGP key (public or
 * private) or to verify its self-signatures, one human-readable sentence each; an empty array
 * means PGPy loads it and its self-signatures verify. It reads the packets itself (no openpgp.js)
 * and checks what PGPy checks: armor format, key packet versions, public-key algorithms and curve
 * OIDs, secret-key protection, signature versions and types, signature hash algorithms, preferred
 * symmetric, hash and compression algorithms, and every subpacket PGPy re-encodes differently
 * (unknown key-flag or feature bits, non-ASCII text, PGPy 0.6's Boolean-subpacket bug), which
 * would make a valid self-signature fail. It does not check the signatures' mathematics.
 *
 * @example
 * const problems = pgpyKeyProblems(keys.publicKeyArmored);
 * if (problems.length > 0) console.warn(`Python agents cannot use this key: ${problems.join("; ")}`);
 * @throws {AgentMailError} `invalid_options` when `armored` is not a string or the options are malformed.
 */
export function pgpyKeyProblems(armored: string, options?: PgpyKeyProblemsOptions): string[] {
  const { now = new Date() } = parseInput(OptionsSchema, options, "pgpyKeyProblems options") ?? {};
  parseInput(z.string(), armored, "pgpyKeyProblems: the armored key");
  if (armored.length > Limits.armoredKeyBytes) {
    return [
      `the armored key is ${armored.length} bytes; at most ${Limits.armoredKeyBytes} are accepted`,
    ];
  }
  const report = new Report();
  const bytes = armorOf(armored, report);
  if (!bytes) return report.problems;
  const packets = readPackets(bytes);
  if (!packets.ok) return [`the key is malformed: ${packets.problem}`];
  checkKeyBlock(packets.value, now, report);
  return report.problems;
}

class Report {
  readonly problems: string[] = [];
  add(problem: string): void {
    if (this.problems.includes(problem) || this.problems.length > MAX_PROBLEMS) return;
    this.problems.push(this.problems.length === MAX_PROBLEMS ? "and more" : problem);
  }
}

// types.py Armorable: is_ascii() decides between armor and binary, then one regex must match.
function armorOf(text: string, report: Report): Uint8Array | undefined {
  if (!/^[\x20-\x7e\r\n\t]*$/.test(text)) {
    report.add(
      "the armored text has non-ASCII or control characters: PGPy then reads it as binary and fails",
    );
    return undefined;
  }
  const armor = readArmor(text);
  if (!armor.ok) {
    report.add(`the armor is malformed: ${armor.problem}`);
    return undefined;
  }
  const { label, headers, bodyLines, checksum } = armor.value;
  if (!label.includes("KEY")) report.add(`the armor holds a PGP ${label}, not a key`);
  for (const header of headers) {
    if (!/^.+: .+$/.test(header))
      report.add(
        `the armor header "${header.slice(0, 40)}" is not "Name: value", which PGPy's armor parser requires`,
      );
  }
  if (bodyLines.some((line) => !/^[A-Za-z0-9+/]{1,76}={0,2}$/.test(line))) {
    report.add("the armor has lines longer than 76 characters, which PGPy's armor parser rejects");
  }
  if (checksum === "missing") {
    report.add(
      "the armor has no CRC-24 checksum line, which PGPy 0.6 requires (openpgp.js omits it for v6 keys)",
    );
  }
  return report.problems.length === 0 ? armor.value.bytes : undefined;
}

/** A primary key or subkey, as far as the checks need it. */
interface KeyNode {
  label: string;
  keyId: string;
  fingerprint: string;
  algorithm: number;
  curve: string | undefined;
  created: number;
  signatures: SignatureNode[];
}

interface UserNode {
  label: string;
  isUserId: boolean;
  signatures: SignatureNode[];
}

interface SignatureNode {
  where: string;
  signature: SignatureV4;
  /** Key ID of the last Issuer subpacket (PGPSignature.signer), lower-case hex. */
  signer: string | undefined;
  /** The first Issuer Fingerprint subpacket (PGPSignature.signer_fingerprint), lower-case hex. */
  signerFingerprint: string | undefined;
  created: number;
}

// pgp.py PGPKey.parse: packets are grouped behind the last key, user ID or subkey packet.
function checkKeyBlock(packets: Packet[], now: Date, report: Report): void {
  let primary: KeyNode | undefined;
  let secret = false;
  let owner: KeyNode | UserNode | undefined;
  let blocks = 0;
  const users: UserNode[] = [];
  const subkeys: KeyNode[] = [];
  for (const [index, packet] of packets.entries()) {
    const { tag, body } = packet;
    if (tag === 12) continue; // Trust packets: PGPy filters them out.
    if (tag === 5 || tag === 6) {
      blocks++;
      secret = tag === 5;
      const label = blocks === 1 ? "the primary key" : `primary key ${blocks}`;
      const node = readKey(body, secret, label, report);
      if (blocks === 1) primary = node;
      owner = blocks === 1 ? node : undefined;
    } else if (tag === 7 || tag === 14) {
      if (index === 0) report.add("the key block starts with a subkey, not a primary key");
      if ((tag === 7) !== secret) {
        report.add(
          `a ${tag === 7 ? "secret" : "public"} subkey sits in a ${secret ? "secret" : "public"} key block, which PGPy refuses (TypeError)`,
        );
      }
      const node = readKey(body, tag === 7, `subkey ${subkeys.length + 1}`, report);
      owner = blocks === 1 ? node : undefined;
      if (node && blocks === 1) subkeys.push(node);
    } else if (tag === 13 || tag === 17) {
      if (index === 0) report.add("the key block starts with a user ID, not a primary key");
      const user = {
        label: tag === 13 ? `user ID "${userIdText(body)}"` : "a user attribute",
        isUserId: tag === 13,
        signatures: [],
      };
      owner = blocks === 1 ? user : undefined;
      if (blocks === 1) users.push(user);
    } else if (tag === 2) {
      if (index === 0) report.add("the key block starts with a signature, not a primary key");
      const signature = readSignature(
        body,
        `a signature on ${owner?.label ?? "the key"}`,
        report,
        false,
      );
      if (signature && owner) owner.signatures.push(signature);
    } else {
      report.add(`the key block holds a packet of tag ${tag}, which does not belong in a key`);
    }
  }
  if (!primary) return;
  checkSelfSignatures(primary, users, subkeys, now, report);
}

function userIdText(body: Uint8Array): string {
  const text = new TextDecoder().decode(body);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

// packet/packets.py PubKeyV4 / PrivKeyV4 and packet/fields.py key material.
function readKey(
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
    created: key.created,
    signatures: [],
  };
}

function algorithmName(algorithm: number): string {
  const name = ALGORITHM_NAMES[algorithm];
  return name ? `${algorithm} ${name}` : `${algorithm}`;
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

// packet/packets.py SignatureV4, packet/fields.py SubPackets and signature MPIs.
function readSignature(
  body: Uint8Array,
  where: string,
  report: Report,
  embedded: boolean,
): SignatureNode | undefined {
  if (body[0] !== 4) {
    report.add(`${where} is a version ${body[0]} signature, which PGPy ignores`);
    return undefined;
  }
  const read = readSignatureV4(body);
  if (!read.ok) {
    report.add(`${where} is malformed: ${read.problem}`);
    return undefined;
  }
  const signature = read.value;
  if (!SIGNATURE_TYPES.has(signature.type)) {
    report.add(
      `${where} has signature type 0x${signature.type.toString(16)}, which PGPy does not know`,
    );
  }
  if (!PUBLIC_KEY_ALGORITHMS.has(signature.publicKeyAlgorithm)) {
    report.add(
      `${where} is made with public-key algorithm ${algorithmName(signature.publicKeyAlgorithm)}, which PGPy does not know`,
    );
  }
  checkSignatureMaterial(signature, where, report, embedded);
  for (const subpacket of [...signature.hashed, ...signature.unhashed]) {
    checkSubpacketParses(subpacket, where, report, embedded);
  }
  const issuers = [...signature.hashed, ...signature.unhashed].filter(
    (s) => s.type === 16 && s.body.length === 8,
  );
  const fingerprint = [...signature.hashed, ...signature.unhashed].find((s) => s.type === 33);
  const created = [...signature.hashed].reverse().find((s) => s.type === 2 && s.body.length === 4);
  if (issuers.length === 0) {
    report.add(
      `${where} has no issuer key ID subpacket: PGPy cannot tell who made it and fails (IndexError)`,
    );
  }
  if (!created)
    report.add(`${where} has no hashed creation time, which PGPy needs to order signatures`);
  return {
    where,
    signature,
    signer: issuers.length > 0 ? hex(issuers[issuers.length - 1]?.body as Uint8Array) : undefined,
    signerFingerprint: fingerprint ? hex(fingerprint.body.subarray(1)) : undefined,
    created: created ? readUint32(created.body, 0) : 0,
  };
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

// PGPy's signature parse is not bounded by the packet length: the MPIs must end the packet, and
// algorithms without a signature class (OpaqueSignature) swallow everything that follows.
function checkSignatureMaterial(
  signature: SignatureV4,
  where: string,
  report: Report,
  embedded: boolean,
): void {
  const { publicKeyAlgorithm: algorithm, mpis, trailing } = signature;
  if (!PUBLIC_KEY_ALGORITHMS.has(algorithm)) return;
  if (!RSA.has(algorithm) && ![17, 19, 22].includes(algorithm)) {
    report.add(`${where} is made with algorithm ${algorithm}, whose signatures PGPy cannot parse`);
  } else if (!mpis) {
    report.add(`${where} is malformed: its signature numbers are cut short`);
  } else if (trailing > 0) {
    report.add(
      `${where} has ${trailing} octets after its signature, which PGPy misreads as the next packet`,
    );
  } else if (embedded && mpis.some((mpi) => !mpi.canonical)) {
    // An embedded signature is hashed as PGPy re-encodes it.
    report.add(`${where} has a signature number that is not minimally encoded`);
  }
}

// Subpacket rules that decide whether PGPy parses the key at all (ValueError, desync).
function checkSubpacketParses(
  subpacket: Subpacket,
  where: string,
  report: Report,
  embedded: boolean,
): void {
  const { type, body } = subpacket;
  const fixed = FIXED_SIZES[type];
  const badValues = (allowed: Set<number>, values: Iterable<number>) =>
    [...values].filter((value) => !allowed.has(value));
  if (fixed !== undefined && body.length !== fixed) {
    report.add(
      `${where} has a subpacket of type ${type} with ${body.length} octets where PGPy reads exactly ${fixed}`,
    );
  } else if (type === 11 && badValues(SYMMETRIC, body).length > 0) {
    report.add(
      `${where} prefers symmetric algorithms ${badValues(SYMMETRIC, body).join(", ")}, which PGPy does not know, so it cannot load the key`,
    );
  } else if (type === 21 && badValues(HASHES, body).length > 0) {
    const names = badValues(HASHES, body).map((id) =>
      HASH_NAMES[id] ? `${id} (${HASH_NAMES[id]})` : `${id}`,
    );
    report.add(
      `${where} prefers hash algorithms ${names.join(", ")}, which PGPy does not know (its enum stops at SHA-224, 11), so it cannot load the key`,
    );
  } else if (type === 22 && badValues(COMPRESSION, body).length > 0) {
    report.add(
      `${where} prefers compression algorithms ${badValues(COMPRESSION, body).join(", ")}, which PGPy does not know, so it cannot load the key`,
    );
  } else if (type === 12 && !PUBLIC_KEY_ALGORITHMS.has(body[1] as number)) {
    report.add(`${where} names a revocation key of algorithm ${body[1]}, which PGPy does not know`);
  } else if (type === 29 && !REVOCATION_REASONS.has(body[0] ?? -1)) {
    report.add(`${where} gives revocation reason ${body[0]}, which PGPy does not know`);
  } else if (
    type === 20 &&
    (body.length < 8 ||
      8 +
        ((body[4] as number) << 8) +
        (body[5] as number) +
        ((body[6] as number) << 8) +
        (body[7] as number) !==
        body.length)
  ) {
    report.add(`${where} has a notation whose lengths do not add up`);
  } else if (
    (type === 33 || type === 35) &&
    (body[0] === 4 ? 21 : body[0] === 5 ? 33 : body.length) !== body.length
  ) {
    report.add(`${where} has a fingerprint subpacket of the wrong length for its version`);
  } else if (type === 32) {
    if (embedded) report.add(`${where} nests an embedded signature in an embedded signature`);
    else readSignature(body, `the embedded signature of ${where}`, report, true);
  }
}

// Rules for the hashed subpackets of a signature PGPy verifies: it hashes them as it re-encodes
// them, so each must come back byte for byte.
function checkSubpacketRoundTrip(subpacket: Subpacket, where: string, report: Report): void {
  const { type, body } = subpacket;
  const nonAscii = (bytes: Uint8Array) => bytes.some((byte) => byte >= 0x80);
  const flags = FLAG_MASKS[type];
  const text = TEXT_SUBPACKETS[type];
  if (!subpacket.minimalLength) {
    report.add(
      `${where} writes a subpacket length in a longer form than needed; PGPy re-encodes it and the signature no longer verifies`,
    );
  } else if ((type === 4 || type === 7) && body[0] !== 0) {
    report.add(
      `${where} has ${type === 4 ? "an exportable" : "a revocable"} subpacket set to ${body[0]}; PGPy 0.6 re-encodes it as 0, so the signature no longer verifies`,
    );
  } else if (type === 25 && (body[0] as number) > 1) {
    report.add(
      `${where} has a primary-user-ID subpacket set to ${body[0]}; PGPy re-encodes it as 1, so the signature no longer verifies`,
    );
  } else if (text && nonAscii(body)) {
    report.add(
      `${where} has a non-ASCII ${text}; PGPy re-encodes it, so the signature no longer verifies`,
    );
  } else if (type === 29 && nonAscii(body.subarray(1))) {
    report.add(
      `${where} has a non-ASCII revocation reason; PGPy re-encodes it, so the signature no longer verifies`,
    );
  } else if (type === 20) {
    const name = body.subarray(8, 8 + (((body[4] as number) << 8) | (body[5] as number)));
    const value = body.subarray(8 + name.length);
    const humanReadable = ((body[0] as number) & 0x80) !== 0;
    if (
      ((body[0] as number) & 0x7f) !== 0 ||
      body[1] !== 0 ||
      body[2] !== 0 ||
      body[3] !== 0 ||
      nonAscii(name) ||
      (humanReadable && nonAscii(value))
    ) {
      report.add(
        `${where} has a notation (flags, or non-ASCII name or text) that PGPy re-encodes differently, so the signature no longer verifies`,
      );
    }
  } else if (type === 12 && ((body[0] as number) & ~0xc0) !== 0) {
    report.add(
      `${where} has revocation-key class bits PGPy drops, so the signature no longer verifies`,
    );
  } else if (flags) {
    // ByteFlag: each octet's known bits are OR-ed into one set, written back as one octet
    // padded with zeros to the old length.
    const merged = body.reduce((all, byte) => all | (byte & flags[1]), 0);
    if (body.length === 0 || body[0] !== merged || body.subarray(1).some((byte) => byte !== 0)) {
      report.add(
        `${where} has ${flags[0]} ${Array.from(body, (b) => `0x${b.toString(16).padStart(2, "0")}`).join(" ")}; PGPy keeps only ${`0x${merged.toString(16).padStart(2, "0")}`}, so the signature no longer verifies`,
      );
    }
  } else if (type === 32) {
    const inner = readSignatureV4(body);
    if (inner.ok) {
      for (const sub of [...inner.value.hashed, ...inner.value.unhashed])
        checkSubpacketRoundTrip(sub, where, report);
    }
  }
}

// pgp.py PGPKey.verify(key): every signature whose issuer is the key or one of its subkeys.
function checkSelfSignatures(
  primary: KeyNode,
  users: UserNode[],
  subkeys: KeyNode[],
  now: Date,
  report: Report,
): void {
  const own = new Map([primary, ...subkeys].map((key) => [key.keyId, key]));
  type Checked = [SignatureNode, KeyNode | UserNode, "key" | "user" | "subkey"];
  const checked = [
    ...primary.signatures.map((s): Checked => [s, primary, "key"]),
    ...users.flatMap((u) => u.signatures.map((s): Checked => [s, u, "user"])),
    ...subkeys.flatMap((k) => withBackSignatures(k).map((s): Checked => [s, k, "subkey"])),
  ].filter(([signature]) => signature.signer !== undefined && own.has(signature.signer));
  if (checked.length === 0)
    report.add("the key has no self-signature PGPy can find, so it cannot verify it");
  const expired = expiryProblem(primary, users, now);
  for (const [node, subject, kind] of checked) {
    const verifier = own.get(node.signer as string) as KeyNode;
    const { signature, where } = node;
    const allowed =
      kind === "key"
        ? [0x1f, 0x20]
        : kind === "user"
          ? [0x10, 0x11, 0x12, 0x13, 0x30]
          : [0x18, 0x19, 0x28];
    if (!allowed.includes(signature.type)) {
      report.add(
        `${where} has type 0x${signature.type.toString(16)}, which PGPy cannot verify on ${subject.label}`,
      );
    }
    if (
      !VERIFYING_ALGORITHMS.has(verifier.algorithm) ||
      (verifier.algorithm === 19 && verifier.curve?.endsWith("25519"))
    ) {
      report.add(
        `${verifier.label} (algorithm ${verifier.algorithm}) cannot verify signatures in PGPy`,
      );
    } else if (
      RSA.has(verifier.algorithm)
        ? !RSA.has(signature.publicKeyAlgorithm)
        : verifier.algorithm !== signature.publicKeyAlgorithm
    ) {
      report.add(
        `${where} claims algorithm ${signature.publicKeyAlgorithm}, but ${verifier.label} uses ${verifier.algorithm}`,
      );
    }
    if (!VERIFIABLE_HASHES.has(signature.hashAlgorithm)) {
      report.add(
        `${where} is hashed with ${HASH_NAMES[signature.hashAlgorithm] ?? `algorithm ${signature.hashAlgorithm}`}, which PGPy cannot verify`,
      );
    }
    for (const subpacket of signature.hashed) checkSubpacketRoundTrip(subpacket, where, report);
    if (expired && verifier === primary) report.add(expired);
  }
  for (const user of users) {
    const certified = user.signatures.some((s) =>
      s.signerFingerprint
        ? s.signerFingerprint === primary.fingerprint
        : s.signer === primary.keyId,
    );
    if (user.isUserId && !certified)
      report.add(
        `${user.label} has no self-certification, so PGPy cannot encrypt to or sign with the key`,
      );
  }
  if (!users.some((user) => user.isUserId))
    report.add("the key has no user ID, so PGPy cannot encrypt to it");
}

// PGPKey.__or__: embedded primary-key binding signatures of a subkey binding join the subkey.
function withBackSignatures(subkey: KeyNode): SignatureNode[] {
  const back: SignatureNode[] = [];
  for (const node of subkey.signatures) {
    if (node.signature.type !== 0x18) continue;
    for (const sub of [...node.signature.hashed, ...node.signature.unhashed]) {
      if (sub.type !== 32) continue;
      const inner = readSignature(
        sub.body,
        `the embedded signature of ${node.where}`,
        new Report(),
        true,
      );
      if (inner) back.push(inner);
    }
  }
  return [...subkey.signatures, ...back];
}

// PGPKey.expires_at takes the key expiration time from the newest self-certification of each
// user ID (the last user ID in its order wins), and PGPKey.verify fails every signature of an
// expired key. PGPy 0.6 also reads an expiration time of 0 ("never", RFC 4880) as "expired at creation".
function expiryProblem(primary: KeyNode, users: UserNode[], now: Date): string | undefined {
  const selfCertifications = users
    .map(
      (user) =>
        user.signatures
          .filter((s) => s.signer === primary.keyId)
          .sort((a, b) => b.created - a.created)[0],
    )
    .filter((s): s is SignatureNode => s !== undefined)
    .sort((a, b) => Number(isPrimaryUser(b)) - Number(isPrimaryUser(a)) || b.created - a.created);
  let expiresAfter: number | undefined;
  for (const node of selfCertifications) {
    const sub = [...node.signature.hashed, ...node.signature.unhashed].find(
      (s) => s.type === 9 && s.body.length === 4,
    );
    if (sub) expiresAfter = readUint32(sub.body, 0);
  }
  if (expiresAfter === undefined) return undefined;
  if (expiresAfter === 0) {
    return "the self-certification sets a key expiration time of 0 (never, in RFC 4880), which PGPy 0.6 reads as expired at creation, so it fails every self-signature";
  }
  const expiresAt = (primary.created + expiresAfter) * 1000;
  if (expiresAt > now.getTime()) return undefined;
  return `the key expired on ${new Date(expiresAt).toISOString()}, and PGPy fails every signature of an expired key`;
}

function isPrimaryUser(node: SignatureNode): boolean {
  return node.signature.hashed.some((s) => s.type === 25 && s.body[0] !== 0);
}
