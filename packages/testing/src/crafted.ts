// Hand-built OpenPGP messages for the tests: correctly encrypted to
// a key (PKESK + SEIPD v1 with a valid MDC), with whatever packets a hostile sender chooses as the
// plaintext, as raw bytes.

import { hardenedConfig } from "@assmbl/crypto";
import {
  armor,
  encryptSessionKey,
  enums,
  generateSessionKey,
  PacketList,
  readKey,
  SymEncryptedIntegrityProtectedDataPacket,
} from "openpgp";

/**
 * An armored message encrypted to `publicKeyArmored` whose decrypted SEIPD content is exactly
 * `plaintextPackets` (any bytes: the MDC covers them, so only their meaning can be wrong).
 *
 * @example
 * const armored = await craftMessage(alice.publicKeyArmored, packet(11, literalBody(data)));
 */
export async function craftMessage(
  publicKeyArmored: string,
  plaintextPackets: Uint8Array,
): Promise<string> {
  const key = await readKey({ armoredKey: publicKeyArmored });
  const sessionKey = await generateSessionKey({ encryptionKeys: key, config: hardenedConfig });
  const keyPackets = await encryptSessionKey({
    ...sessionKey,
    encryptionKeys: key,
    format: "object",
    config: hardenedConfig,
  });
  const seipd = new SymEncryptedIntegrityProtectedDataPacket() as unknown as {
    version: number;
    packets: { write(): Uint8Array };
    encrypt(algorithm: number, key: Uint8Array, config: unknown): Promise<void>;
  };
  seipd.version = 1;
  seipd.packets = { write: () => plaintextPackets };
  await seipd.encrypt(enums.symmetric.aes256, sessionKey.data, hardenedConfig);
  const list = new PacketList();
  list.push(...keyPackets.packets, seipd as never);
  return armor(enums.armor.message, list.write() as Uint8Array);
}

/**
 * One new-format packet: `tag`, then the body in partial-length chunks of `chunk` bytes (a power
 * of two, as a streaming sender writes it) or, without `chunk`, with a five-octet length.
 *
 * @example
 * packet(11, literalBody(data), 8192);
 */
export function packet(tag: number, body: Uint8Array, chunk?: number): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.of(0xc0 | tag)];
  let at = 0;
  if (chunk) {
    const power = Math.log2(chunk);
    if (!Number.isInteger(power) || power < 9 || power > 30) throw new Error("bad chunk size");
    for (; body.length - at > chunk; at += chunk) {
      parts.push(Uint8Array.of(224 + power), body.subarray(at, at + chunk));
    }
  }
  const rest = body.length - at;
  parts.push(
    Uint8Array.of(255, rest >>> 24, (rest >>> 16) & 0xff, (rest >>> 8) & 0xff, rest & 0xff),
    body.subarray(at),
  );
  return concat(parts);
}

/**
 * The body of a binary Literal Data packet (format `b`, no file name, date 0) holding `data`.
 *
 * @example
 * packet(11, literalBody(new Uint8Array(10)));
 */
export function literalBody(data: Uint8Array): Uint8Array {
  return concat([Uint8Array.of(0x62, 0, 0, 0, 0, 0), data]);
}

/**
 * Bytes one after the other.
 *
 * @example
 * concat([packet(11, a), Uint8Array.of(0x67)]);
 */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
