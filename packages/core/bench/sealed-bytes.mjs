// What keeping an encrypted attachment's bytes as they were checked costs, per send: the copy
// validatePreparedMessage makes of each encrypted byte array (and hands the transport), against
// checking the bytes again (core's ciphertext guard), over armored messages of 1, 10 and 40 MiB.
// The copy is what runs; the figure for the check is why it is not run a second time.
// Run: pnpm --filter @assmbl/core build && node packages/core/bench/sealed-bytes.mjs
import { guardCiphertext } from "../dist/index.js";

const ROUNDS = 5;

// One OpenPGP packet, new format, five-octet length.
function packet(tag, body) {
  const head = Uint8Array.of(0xc0 | tag, 0xff, 0, 0, 0, 0);
  new DataView(head.buffer).setUint32(2, body.length);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

function crc24(bytes) {
  let crc = 0xb704ce;
  for (const byte of bytes) {
    crc ^= byte << 16;
    for (let i = 0; i < 8; i++) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= 0x1864cfb;
    }
  }
  return crc & 0xffffff;
}

// A v3 PKESK (RSA, 256-bit filler MPI), then a v1 SEIPD of `size` pseudo-random octets.
function armored(size) {
  const pkesk = packet(
    1,
    Uint8Array.of(3, 1, 2, 3, 4, 5, 6, 7, 8, 1, 1, 0, ...new Uint8Array(32).fill(0x5a)),
  );
  const body = new Uint8Array(size + 1);
  body[0] = 1;
  let state = 7;
  for (let i = 1; i < body.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    body[i] = state >>> 24;
  }
  const seipd = packet(18, body);
  const bytes = new Uint8Array(pkesk.length + seipd.length);
  bytes.set(pkesk);
  bytes.set(seipd, pkesk.length);
  const lines = Buffer.from(bytes)
    .toString("base64")
    .match(/.{1,64}/g);
  const sum = crc24(bytes);
  const crc = Buffer.from([sum >> 16, (sum >> 8) & 0xff, sum & 0xff]).toString("base64");
  const text = `-----BEGIN PGP MESSAGE-----\n\n${lines.join("\n")}\n=${crc}\n-----END PGP MESSAGE-----\n`;
  return new TextEncoder().encode(text);
}

for (const mib of [1, 10, 40]) {
  const bytes = armored(mib * 1024 * 1024);
  guardCiphertext(bytes, "bench", { allowV6: true });
  let start = performance.now();
  for (let i = 0; i < ROUNDS; i++) new Uint8Array(bytes);
  const copy = (performance.now() - start) / ROUNDS;
  start = performance.now();
  for (let i = 0; i < ROUNDS; i++) guardCiphertext(bytes, "bench", { allowV6: true });
  const check = (performance.now() - start) / ROUNDS;
  const size = (bytes.length / 1024 / 1024).toFixed(1);
  console.log(
    `${mib} MiB plaintext, ${size} MiB armored: copy ${copy.toFixed(2)} ms, check ${check.toFixed(1)} ms`,
  );
}
