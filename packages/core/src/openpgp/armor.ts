// ASCII armor (RFC 4880 §6, RFC 9580 §6): the first armored block of a text, its headers, body
// and CRC-24, decoded with atob (no `node:` imports in core).
import { fail, ok, type ReadResult } from "./result.js";

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
 * Text before the BEGIN line, after the END line and on the END line after its closing dashes
 * is ignored, as PGPy ignores it. Never throws: malformed text is `{ ok: false, problem }`.
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
  if (!lines[at]?.startsWith(`-----END PGP ${label}-----`)) {
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

/**
 * The label of every `-----BEGIN PGP ...-----` line of `text`, in order (CRs ignored).
 *
 * @example
 * armorLabels(publicKey + privateKey); // ["PUBLIC KEY BLOCK", "PRIVATE KEY BLOCK"]
 */
export function armorLabels(text: string): string[] {
  return [...text.matchAll(/^-----BEGIN PGP ([^\r\n]*?)-----\r?$/gm)].map((match) =>
    String(match[1]),
  );
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
