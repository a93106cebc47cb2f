import { AgentMailError, concatBytes as concat, type DirectoryAlgorithm } from "@assmbl/core";
import type { PublicKey } from "openpgp";

// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT STRING }.
const ED25519_SPKI_PREFIX = Uint8Array.from([
  0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
]);
// AlgorithmIdentifier of rsaEncryption (1.2.840.113549.1.1.1) with NULL parameters.
const RSA_ALGORITHM = Uint8Array.from([
  0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
]);

/** The primary key as the directory knows it: SPKI DER and the directory's algorithm name. */
export interface DirectoryKey {
  spkiDer: Uint8Array;
  algorithm: DirectoryAlgorithm;
}

/**
 * The DER SubjectPublicKeyInfo of an OpenPGP primary key (the directory's `public_key`):
 * Ed25519 for EdDSA keys, rsaEncryption for RSA keys of 2048 or 4096 bits.
 *
 * @example
 * const { spkiDer, algorithm } = directoryKeyOf(publicKey); // algorithm: "Ed25519"
 * @throws {AgentMailError} `invalid_public_key` for other algorithms.
 */
export function directoryKeyOf(key: PublicKey): DirectoryKey {
  const params = key.keyPacket.publicParams as { Q?: Uint8Array; n?: Uint8Array; e?: Uint8Array };
  const { algorithm, bits } = key.getAlgorithmInfo();
  if (algorithm === "eddsaLegacy" && params.Q?.length === 33 && params.Q[0] === 0x40) {
    return { spkiDer: concat(ED25519_SPKI_PREFIX, params.Q.subarray(1)), algorithm: "Ed25519" };
  }
  if ((algorithm === "rsaEncryptSign" || algorithm === "rsaSign") && params.n && params.e) {
    const rsaPublicKey = der(0x30, concat(derInteger(params.n), derInteger(params.e)));
    const spkiDer = der(
      0x30,
      concat(RSA_ALGORITHM, der(0x03, concat(Uint8Array.of(0), rsaPublicKey))),
    );
    return { spkiDer, algorithm: bits === 4096 ? "RSA4096" : bits === 2048 ? "RSA2048" : "RSA" };
  }
  throw new AgentMailError({
    code: "invalid_public_key",
    message: `a primary key of algorithm ${algorithm} has no directory form; use an Ed25519 (ecc) or RSA key`,
  });
}

/**
 * PEM armor of DER SPKI bytes (`-----BEGIN PUBLIC KEY-----`).
 *
 * @example
 * toPem(spkiDer); // "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA...\n-----END PUBLIC KEY-----\n"
 */
export function toPem(der: Uint8Array): string {
  const base64 = btoa(String.fromCharCode(...der));
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN PUBLIC KEY-----\n${lines.join("\n")}\n-----END PUBLIC KEY-----\n`;
}

function derInteger(unsigned: Uint8Array): Uint8Array {
  let start = 0;
  while (start < unsigned.length - 1 && unsigned[start] === 0) start++;
  const value = unsigned.subarray(start);
  // A set high bit would read as negative: DER integers then take a leading zero byte.
  return der(0x02, (value[0] ?? 0) & 0x80 ? concat(Uint8Array.of(0), value) : value);
}

function der(tag: number, content: Uint8Array): Uint8Array {
  const n = content.length;
  const length =
    n < 0x80
      ? Uint8Array.of(n)
      : n < 0x100
        ? Uint8Array.of(0x81, n)
        : Uint8Array.of(0x82, n >> 8, n & 0xff);
  return concat(Uint8Array.of(tag), length, content);
}
