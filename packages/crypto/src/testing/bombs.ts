// Decompression bombs for the tests (not exported by the package): a Compressed Data packet,
// tens of KiB or less, holding a literal packet of many MiB of zeros. Built by streaming, so the
// test process never holds the expanded plaintext.
import { spawn } from "node:child_process";
import { Readable } from "node:stream";
import { createDeflate, createDeflateRaw } from "node:zlib";
import { concat } from "@assmbl/testing/crafted";
import { enums } from "openpgp";

const ZEROS = new Uint8Array(1024 * 1024);

/** The packet header of a five-octet length new-format packet. */
function header(tag: number, length: number): Uint8Array {
  return Uint8Array.of(
    0xc0 | tag,
    255,
    length >>> 24,
    (length >>> 16) & 0xff,
    (length >>> 8) & 0xff,
    length & 0xff,
  );
}

// A literal packet of `mebibytes` MiB of zeros, as a stream of chunks.
function* literalOfZeros(mebibytes: number): Generator<Uint8Array> {
  const body = mebibytes * ZEROS.length + 6;
  yield concat([header(11, body), Uint8Array.of(0x62, 0, 0, 0, 0, 0)]);
  for (let i = 0; i < mebibytes; i++) yield ZEROS;
}

async function collect(stream: NodeJS.ReadableStream): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk as Uint8Array);
  return concat(chunks);
}

/**
 * A Compressed Data packet (algorithm `zip`, `zlib` or `bzip2`, as openpgp.js's
 * `enums.compression` names them) whose content decompresses to a literal packet of
 * `mebibytes` MiB of zeros. bzip2 comes from /usr/bin/bzip2 (openpgp.js only decompresses it).
 *
 * @example
 * const bomb = await compressedBomb("zlib", 64); // ~64 KiB that expands to 64 MiB
 */
export async function compressedBomb(
  algorithm: "zip" | "zlib" | "bzip2",
  mebibytes: number,
): Promise<Uint8Array> {
  const source = Readable.from(literalOfZeros(mebibytes));
  let compressed: Uint8Array;
  if (algorithm === "bzip2") {
    const bzip2 = spawn("/usr/bin/bzip2", ["-9", "-c"], { stdio: ["pipe", "pipe", "inherit"] });
    source.pipe(bzip2.stdin);
    compressed = await collect(bzip2.stdout);
  } else {
    compressed = await collect(
      source.pipe(
        algorithm === "zip" ? createDeflateRaw({ level: 9 }) : createDeflate({ level: 9 }),
      ),
    );
  }
  const body = concat([Uint8Array.of(enums.compression[algorithm]), compressed]);
  return concat([header(8, body.length), body]);
}
