// Hand-built OpenPGP message packets for tests of the ciphertext check: well-formed messages
// (PKESK packets, then one SEIPD) without any cryptography, and the malformed shapes a faulty
// crypto implementation could return (literal data, SED, two SEIPDs, trailing packets, ...).
import { concatBytes, crc24 } from "./bytes.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** The wildcard key id a PKESK may carry (refused from a MailCrypto, fine in caller ciphertext). */
export const WILDCARD_KEY_ID = "0000000000000000";
// Fake SEIPD bodies carry their payload in clear after the version octet, padded past the
// smallest real SEIPD (33 octets), so core's own tests can read back what they "encrypted".
const PAD = 32;

/**
 * One packet with a new-format header (one, two or five octet length).
 *
 * @example
 * packet(11, literalBody); // a literal data packet
 */
export function packet(tag: number, body: Uint8Array): Uint8Array {
  const n = body.length;
  const length =
    n < 192
      ? [n]
      : n < 8384
        ? [((n - 192) >> 8) + 192, (n - 192) & 0xff]
        : [255, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  return join(Uint8Array.of(0xc0 | tag, ...length), body);
}

/**
 * A made-up key id, the `n`th: real-looking (never the wildcard), naming no real key.
 *
 * @example
 * fakeKeyId(0); // "fa4e000000000000"
 */
export function fakeKeyId(n = 0): string {
  return `fa4e${n.toString(16).padStart(12, "0")}`;
}

/**
 * A PKESK packet (tag 1) of `version` (3 by default) naming `keyIdHex` ({@link fakeKeyId} by
 * default), its one "MPI" `mpi` (32 octets of filler by default).
 *
 * @example
 * pkesk("0123456789abcdef");
 */
export function pkesk(
  keyIdHex: string = fakeKeyId(),
  version = 3,
  mpi: Uint8Array = new Uint8Array(32).fill(0x5a),
): Uint8Array {
  const keyId = Array.from({ length: 8 }, (_, i) =>
    Number.parseInt(keyIdHex.slice(i * 2, i * 2 + 2), 16),
  );
  const bits = mpi.length * 8;
  // RSA (1), then the "MPI".
  return packet(1, join(Uint8Array.of(version, ...keyId, 1, bits >> 8, bits & 0xff), mpi));
}

/**
 * A SEIPD packet (tag 18) of `version` carrying `payload` (in clear: this is a fixture).
 *
 * @example
 * seipd("hello");
 */
export function seipd(payload: string | Uint8Array = "", version = 1): Uint8Array {
  const bytes = typeof payload === "string" ? encoder.encode(payload) : payload;
  const extra = version === 2 ? 52 : PAD;
  return packet(18, join(Uint8Array.of(version), bytes, new Uint8Array(extra)));
}

/**
 * ASCII armor around binary packets, 64-character lines, with a CRC-24 line unless `crc: false`.
 *
 * @example
 * armorMessage(join(pkesk(), seipd("x")));
 */
export function armorMessage(
  bytes: Uint8Array,
  options: { crc?: boolean; label?: string } = {},
): string {
  const label = options.label ?? "MESSAGE";
  const base64 = toBase64(bytes);
  const lines = base64.match(/.{1,64}/g) ?? [];
  const sum = crc24(bytes);
  const crc =
    options.crc === false
      ? ""
      : `=${btoa(String.fromCharCode((sum >> 16) & 0xff, (sum >> 8) & 0xff, sum & 0xff))}\n`;
  return `-----BEGIN PGP ${label}-----\n\n${lines.join("\n")}\n${crc}-----END PGP ${label}-----\n`;
}

/**
 * A well-formed (fake) encrypted message: one PKESK per key id (or per agent id of `to`, which
 * its PKESK carries for {@link fakeRecipientsOf}, or `count` ones, with made-up key ids), then
 * one SEIPD holding `payload`. No armor headers: the mailer refuses them.
 *
 * @example
 * fakeEncryptedMessage("hi", { count: 2 });
 * fakeEncryptedMessage("hi", { to: ["other-agent", "cc-agent"] });
 */
export function fakeEncryptedMessage(
  payload: string | Uint8Array,
  options: { keyIds?: readonly string[]; count?: number; to?: readonly string[] } = {},
): string {
  if (options.to) {
    const keys = options.to.map((agentId, i) => pkesk(fakeKeyId(i), 3, encoder.encode(agentId)));
    return armorMessage(join(...keys, seipd(payload)));
  }
  const ids =
    options.keyIds ??
    Array.from({ length: Math.max(1, options.count ?? 1) }, (_, i) => fakeKeyId(i));
  return armorMessage(join(...ids.map((id) => pkesk(id)), seipd(payload)));
}

/**
 * The agent ids a {@link fakeEncryptedMessage} made with `to` was "encrypted" to, in order.
 *
 * @example
 * fakeRecipientsOf(fakeEncryptedMessage("hi", { to: ["a", "b"] })); // ["a", "b"]
 */
export function fakeRecipientsOf(armored: string): string[] {
  return packetsOf(armored)
    .filter((p) => p.tag === 1)
    .map((p) => decoder.decode(p.body.subarray(12)));
}

/**
 * The payload of a {@link fakeEncryptedMessage}, as text.
 *
 * @example
 * fakePayloadOf(fakeEncryptedMessage("hi")); // "hi"
 */
export function fakePayloadOf(armored: string): string {
  const data = packetsOf(armored).find((p) => p.tag === 18)?.body ?? new Uint8Array(0);
  return decoder.decode(data.subarray(1, data.length - PAD));
}

// The packets of an armored fake message (new-format headers, partial lengths joined).
function packetsOf(armored: string): { tag: number; body: Uint8Array }[] {
  const body = armored
    .split("\n")
    .filter((line) => /^[A-Za-z0-9+/]+=*$/.test(line))
    .join("");
  const bytes = Uint8Array.from(atob(body), (ch) => ch.charCodeAt(0));
  const packets: { tag: number; body: Uint8Array }[] = [];
  let at = 0;
  while (at < bytes.length) {
    const tag = (bytes[at] as number) & 0x3f;
    at++;
    const parts: Uint8Array[] = [];
    for (;;) {
      // New-format lengths; a partial length (224..254) is followed by another length.
      const first = bytes[at] as number;
      const [length, start, partial] =
        first < 192
          ? [first, at + 1, false]
          : first < 224
            ? [((first - 192) << 8) + (bytes[at + 1] as number) + 192, at + 2, false]
            : first === 255
              ? [new DataView(bytes.buffer).getUint32(at + 1), at + 5, false]
              : [1 << (first & 0x1f), at + 1, true];
      parts.push(bytes.subarray(start, start + length));
      at = start + length;
      if (!partial) break;
    }
    packets.push({ tag, body: join(...parts) });
  }
  return packets;
}

/**
 * An attack on armor checks that read radix-64 with a forgiving decoder (atob skips spaces and
 * tabs): `sessionKeys` (PKESK packets), then a SEIPD holding `seipdBody` whose length is stretched
 * over a last armor line of readable `words` (base64 letters and digits with spaces), so the
 * packets still parse and the words go out in clear. No CRC line.
 *
 * @example
 * textInArmorBody(pkesk(), seipdBodyOf(...), "the launch code is 4242");
 */
export function textInArmorBody(
  sessionKeys: Uint8Array,
  seipdBody: Uint8Array,
  words: string,
): string {
  let line = words;
  while (line.replace(/[ \t]/g, "").length % 4 !== 0) line += "A";
  const extra = (line.replace(/[ \t]/g, "").length / 4) * 3;
  // The armored bytes before the words must be whole base64 groups: pad inside the SEIPD.
  const head = sessionKeys.length + 6;
  const pad = (3 - ((head + seipdBody.length) % 3)) % 3;
  const total = seipdBody.length + pad + extra;
  const bytes = join(
    sessionKeys,
    Uint8Array.of(
      0xd2,
      0xff,
      (total >>> 24) & 0xff,
      (total >>> 16) & 0xff,
      (total >>> 8) & 0xff,
      total & 0xff,
    ),
    seipdBody,
    new Uint8Array(pad),
  );
  const lines = toBase64(bytes).match(/.{1,64}/g) ?? [];
  return `-----BEGIN PGP MESSAGE-----\n\n${lines.join("\n")}\n${line}\n-----END PGP MESSAGE-----\n`;
}

/**
 * Joins byte arrays (core's `concatBytes`, under the name these fixtures read best with).
 *
 * @example
 * join(pkesk(), seipd());
 */
export const join = concatBytes;

/**
 * A stream "encryption" for tests: wraps its input, chunk by chunk and without reading ahead,
 * in a well-formed armored message (one PKESK with a made-up key id per recipient, then a SEIPD
 * with partial body lengths, as openpgp.js streams it, in 64-character lines). The input sits
 * in clear inside: this is a fixture.
 *
 * @example
 * const armored = plaintextStream.pipeThrough(fakeEncryptingStream());
 */
export function fakeEncryptingStream(recipients = 1): TransformStream<Uint8Array, Uint8Array> {
  let carry = new Uint8Array(0);
  const emit = (
    controller: TransformStreamDefaultController<Uint8Array>,
    bytes: Uint8Array,
    final = false,
  ) => {
    const all = join(carry, bytes);
    // Whole 64-character lines (48 octets) until the end.
    const usable = final ? all.length : all.length - (all.length % 48);
    carry = all.slice(usable);
    if (usable === 0) return;
    const lines = toBase64(all.subarray(0, usable)).match(/.{1,64}/g) ?? [];
    controller.enqueue(encoder.encode(`${lines.join("\n")}\n`));
  };
  return new TransformStream({
    start(controller) {
      controller.enqueue(encoder.encode("-----BEGIN PGP MESSAGE-----\n\n"));
      const keys = Array.from({ length: recipients }, (_, i) => pkesk(fakeKeyId(i)));
      // SEIPD, new format, a first partial chunk of one octet: the version.
      emit(controller, join(...keys, Uint8Array.of(0xd2, 0xe0, 1)));
    },
    transform(chunk, controller) {
      // Partial chunks are powers of two: one per set bit of the length.
      let at = 0;
      for (let bit = 30; bit >= 0; bit--) {
        const size = 2 ** bit;
        if ((chunk.length - at) & size) {
          emit(controller, join(Uint8Array.of(0xe0 | bit), chunk.subarray(at, at + size)));
          at += size;
        }
      }
    },
    flush(controller) {
      emit(controller, join(Uint8Array.of(PAD), new Uint8Array(PAD)), true);
      controller.enqueue(encoder.encode("-----END PGP MESSAGE-----\n"));
    },
  });
}

// btoa over binary text built in slices (spreading a large array overflows the call stack).
function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let at = 0; at < bytes.length; at += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  }
  return btoa(binary);
}
