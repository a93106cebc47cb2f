// Tampering with ASCII-armored OpenPGP messages for integrity tests: the armor stays valid
// (base64 and CRC-24 recomputed), only the ciphertext changes. Used only by tests.
import { crc24 } from "../../../core/src/openpgp/armor.js";

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
