// PGPy verifies a signature over the hashed subpackets as it writes them back from what it
// parsed (pgpy/packet/subpackets/signature.py): whatever it parses lossily breaks the signature.
import { readSignatureV4, type Subpacket } from "../openpgp/signature-packet.js";
import type { Report } from "./report.js";
import { FLAG_MASKS, TEXT_SUBPACKETS } from "./tables.js";

/**
 * Rules for the hashed subpackets of a signature PGPy verifies: it hashes them as it re-encodes
 * them, so each must come back byte for byte.
 *
 * @example
 * for (const subpacket of node.signature.hashed) checkSubpacketRoundTrip(subpacket, node.where, report);
 */
export function checkSubpacketRoundTrip(subpacket: Subpacket, where: string, report: Report): void {
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
