// What PGPy needs of a signature packet to parse it (pgpy/packet/packets.py SignatureV4,
// pgpy/packet/fields.py SubPackets and signature MPIs, pgpy/packet/subpackets/signature.py).
import { readUint32, toHex } from "../openpgp/result.js";
import { readSignatureV4, type SignatureV4, type Subpacket } from "../openpgp/signature-packet.js";
import type { SignatureNode } from "./model.js";
import type { Report } from "./report.js";
import {
  algorithmName,
  COMPRESSION,
  FINGERPRINT_LENGTHS,
  FIXED_SIZES,
  HASH_NAMES,
  HASHES,
  PUBLIC_KEY_ALGORITHMS,
  REVOCATION_REASONS,
  RSA,
  SIGNATURE_TYPES,
  SYMMETRIC,
} from "./tables.js";

/**
 * Reads a signature packet the way PGPy parses it, adding to `report` what makes PGPy refuse
 * the key; `undefined` when PGPy skips or cannot read it. An embedded signature (`embedded`) is
 * parsed the same way; whether it needs an issuer and a creation time is up to its use
 * ({@link requireIssuerAndCreation}).
 *
 * @example
 * const node = readSignature(packet.body, `a signature on ${owner.label}`, report, false);
 */
export function readSignature(
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
  return nodeOf(signature, where);
}

// The fields PGPSignature reads (pgp.py): `signer` is the last Issuer of both areas, `created`
// the last hashed creation time, the others the first of their kind.
function nodeOf(signature: SignatureV4, where: string): SignatureNode {
  const all = [...signature.hashed, ...signature.unhashed];
  const first = (type: number, from = all) => from.find((s) => s.type === type);
  const seconds = (type: number) => {
    const sub = first(type);
    return sub && sub.body.length === 4 ? readUint32(sub.body, 0) : undefined;
  };
  const issuers = all.filter((s) => s.type === 16 && s.body.length === 8);
  const fingerprint = first(33);
  const created = signature.hashed.filter((s) => s.type === 2 && s.body.length === 4).pop();
  const flags = first(27, signature.hashed);
  return {
    where,
    signature,
    signer: issuers.length > 0 ? toHex(issuers[issuers.length - 1]?.body as Uint8Array) : undefined,
    signerFingerprint: fingerprint ? toHex(fingerprint.body.subarray(1)) : undefined,
    created: created ? readUint32(created.body, 0) : 0,
    expiresAfter: seconds(3),
    keyExpiresAfter: seconds(9),
    keyFlags: flags ? flags.body.reduce((all, byte) => all | byte, 0) : 0,
    primaryUserId: (first(25, signature.hashed)?.body[0] ?? 0) !== 0,
  };
}

/**
 * PGPy reads the issuer key ID of every signature on a key (to pick its own) and the creation
 * time of every signature it sorts: without them it fails (IndexError).
 *
 * @example
 * requireIssuerAndCreation(node, report);
 */
export function requireIssuerAndCreation(node: SignatureNode, report: Report): void {
  if (node.signer === undefined) {
    report.add(
      `${node.where} has no issuer key ID subpacket: PGPy cannot tell who made it and fails (IndexError)`,
    );
  }
  if (!node.signature.hashed.some((s) => s.type === 2 && s.body.length === 4))
    report.add(`${node.where} has no hashed creation time, which PGPy needs to order signatures`);
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

const badValues = (allowed: Set<number>, values: Iterable<number>) =>
  [...values].filter((value) => !allowed.has(value));

// Subpacket rules that decide whether PGPy parses the key at all (ValueError, desync).
function checkSubpacketParses(
  subpacket: Subpacket,
  where: string,
  report: Report,
  embedded: boolean,
): void {
  const { type, body } = subpacket;
  const fixed = FIXED_SIZES[type];
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
  } else if (type === 20 && !notationAddsUp(body)) {
    report.add(`${where} has a notation whose lengths do not add up`);
  } else if (type === 33 || type === 35) {
    checkFingerprintSubpacket(subpacket, where, report);
  } else if (type === 32) {
    if (embedded) report.add(`${where} nests an embedded signature in an embedded signature`);
    else readSignature(body, `the embedded signature of ${where}`, report, true);
  }
}

function notationAddsUp(body: Uint8Array): boolean {
  if (body.length < 8) return false;
  const nameLength = ((body[4] as number) << 8) + (body[5] as number);
  const valueLength = ((body[6] as number) << 8) + (body[7] as number);
  return 8 + nameLength + valueLength === body.length;
}

// IssuerFingerprint, IntendedRecipient: PGPy reads 20 octets after version 4, 32 after version 5,
// and for any other version the subpacket's length minus one, one octet more than there is: the
// rest of the area is misread.
function checkFingerprintSubpacket({ type, body }: Subpacket, where: string, report: Report): void {
  const name = type === 33 ? "an issuer fingerprint" : "an intended recipient";
  const version = body[0];
  const length = version === undefined ? undefined : FINGERPRINT_LENGTHS[version];
  if (length === undefined) {
    report.add(
      `${where} has ${name} subpacket of version ${version ?? "(none)"}; PGPy reads versions 4 and 5 only and misreads the rest of the subpacket area`,
    );
  } else if (body.length !== 1 + length) {
    report.add(`${where} has a fingerprint subpacket of the wrong length for its version`);
  }
}
