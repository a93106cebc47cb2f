// What the directory needs to know about an armored OpenPGP public key to decide whom it may
// belong to: the fingerprints of its primary key and subkeys, and its user ids. Dependency-free
// (no openpgp.js: that lives in @assmbl/crypto only); core's `publicKeyBlockProblem` has already
// refused private keys and unreadable armor before this runs. Signatures are not verified: the
// dev server only refuses keys that claim someone else's identity or key material.
import { createHash } from "node:crypto";
import { parseAddress } from "@assmbl/core";

/** An armored public key's identity: fingerprints (lower-case hex) and user ids (UTF-8). */
export interface OpenPgpIdentity {
  /** The primary key's fingerprint first, then each subkey's. */
  fingerprints: string[];
  /** Every user id packet's text, as written. */
  userIds: string[];
}

/** Either the identity or why the text has none; the reason never quotes the key. */
export type OpenPgpIdentityResult =
  | { ok: true; identity: OpenPgpIdentity }
  | { ok: false; reason: string };

const PUBLIC_KEY = 6;
const PUBLIC_SUBKEY = 14;
const USER_ID = 13;
const MAX_PACKETS = 10_000;

/**
 * Reads the fingerprints and user ids of every armored `PUBLIC KEY BLOCK` in `armored`. Exactly
 * one primary key is allowed: a keyring of several keys is not one agent's key. Never throws.
 *
 * @example
 * const result = readOpenPgpIdentity(armored);
 * if (result.ok) console.log(result.identity.userIds); // ["My Agent <my-agent@agents.localhost>"]
 */
export function readOpenPgpIdentity(armored: string): OpenPgpIdentityResult {
  const blocks = armoredBlocks(armored);
  if (blocks.length === 0) return { ok: false, reason: "holds no armored public key block" };
  const fingerprints: string[] = [];
  const userIds: string[] = [];
  let primaries = 0;
  for (const bytes of blocks) {
    const packets = readPackets(bytes);
    if (typeof packets === "string") return { ok: false, reason: packets };
    for (const { tag, body } of packets) {
      if (tag === PUBLIC_KEY || tag === PUBLIC_SUBKEY) {
        const fingerprint = keyFingerprint(body);
        if (fingerprint === undefined) {
          return { ok: false, reason: "holds a key packet of an unknown version" };
        }
        if (tag === PUBLIC_KEY) primaries += 1;
        fingerprints.push(fingerprint);
      } else if (tag === USER_ID) {
        userIds.push(new TextDecoder().decode(body));
      }
    }
  }
  if (primaries !== 1) {
    return {
      ok: false,
      reason:
        primaries === 0 ? "holds no primary key" : `holds ${primaries} keys; register one key`,
    };
  }
  return { ok: true, identity: { fingerprints, userIds } };
}

/**
 * Whether a user id names `address`: the addr-spec of `Name <addr>`, or a bare address,
 * compared case-insensitively.
 *
 * @example
 * userIdNames("My Agent <My-Agent@agents.localhost>", "my-agent@agents.localhost"); // true
 */
export function userIdNames(userId: string, address: string): boolean {
  const angle = /<([^<>]*)>\s*$/.exec(userId)?.[1];
  const candidate = (angle ?? userId).trim();
  let parsed: string;
  try {
    parsed = parseAddress(candidate).address;
  } catch {
    return false;
  }
  return parsed.toLowerCase() === address.toLowerCase();
}

/** The decoded bytes of each armored block (headers and the CRC-24 line skipped). */
function armoredBlocks(text: string): Uint8Array[] {
  const lines = text.split("\n").map((line) => line.replace(/\r$/, ""));
  const blocks: Uint8Array[] = [];
  for (let at = 0; at < lines.length; at++) {
    if (!/^-----BEGIN PGP PUBLIC KEY BLOCK-----/.test(lines[at] ?? "")) continue;
    at++;
    while (at < lines.length && (lines[at] ?? "").includes(":")) at++;
    let body = "";
    for (; at < lines.length && !(lines[at] ?? "").startsWith("-----"); at++) {
      const line = lines[at] ?? "";
      if (line.startsWith("=") && line.length === 5) continue;
      body += line.trim();
    }
    blocks.push(new Uint8Array(Buffer.from(body, "base64")));
  }
  return blocks;
}

/** Packets (old and new headers, no partial lengths: key material never uses them), or why not. */
function readPackets(bytes: Uint8Array): Array<{ tag: number; body: Uint8Array }> | string {
  const packets: Array<{ tag: number; body: Uint8Array }> = [];
  let at = 0;
  while (at < bytes.length) {
    if (packets.length >= MAX_PACKETS) return `holds more than ${MAX_PACKETS} packets`;
    const ctb = bytes[at] as number;
    if ((ctb & 0x80) === 0) return "its packets cannot be read";
    let tag: number;
    let length: number;
    let start: number;
    if (ctb & 0x40) {
      tag = ctb & 0x3f;
      const first = bytes[at + 1];
      if (first === undefined) return "its last packet is cut short";
      if (first < 192) [length, start] = [first, at + 2];
      else if (first < 224) {
        [length, start] = [((first - 192) << 8) + (bytes[at + 2] ?? 0) + 192, at + 3];
      } else if (first === 255) [length, start] = [uint32(bytes, at + 2), at + 6];
      else return "a packet uses a partial body length";
    } else {
      tag = (ctb >> 2) & 0x0f;
      const type = ctb & 0x03;
      if (type === 3) [length, start] = [bytes.length - at - 1, at + 1];
      else {
        const size = 1 << type;
        length = 0;
        for (let i = 0; i < size; i++) length = length * 256 + (bytes[at + 1 + i] ?? 0);
        start = at + 1 + size;
      }
    }
    if (start + length > bytes.length) return "a packet runs past the end of the key";
    packets.push({ tag, body: bytes.subarray(start, start + length) });
    at = start + length;
  }
  return packets;
}

/**
 * A public key packet's fingerprint: v4 SHA-1 over 0x99, a 2-octet length and the body
 * (RFC 4880 §12.2); v5 / v6 SHA-256 over 0x9A / 0x9B, a 4-octet length and the body (RFC 9580).
 */
function keyFingerprint(body: Uint8Array): string | undefined {
  const version = body[0];
  if (version === 4) {
    return createHash("sha1")
      .update(Uint8Array.of(0x99, (body.length >> 8) & 0xff, body.length & 0xff))
      .update(body)
      .digest("hex");
  }
  if (version === 5 || version === 6) {
    const prefix = Buffer.alloc(5);
    prefix[0] = version === 5 ? 0x9a : 0x9b;
    prefix.writeUInt32BE(body.length, 1);
    return createHash("sha256").update(prefix).update(body).digest("hex");
  }
  return undefined;
}

function uint32(bytes: Uint8Array, at: number): number {
  return (
    ((((bytes[at] ?? 0) << 24) | ((bytes[at + 1] ?? 0) << 16) | ((bytes[at + 2] ?? 0) << 8)) +
      (bytes[at + 3] ?? 0)) >>>
    0
  );
}
