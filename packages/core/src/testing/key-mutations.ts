// Keys changed one field at a time, for the unit tests of the PGPy rules: the fixtures of
// ./openpgp-fixtures.ts taken apart into packets, changed, and armored again (valid CRC). Nothing
// is signed again: core's checks never verify signatures, and the tests say when that matters.
import { type Packet, readPackets } from "../openpgp/packets.js";
import { readSignatureV4, type SignatureV4, type Subpacket } from "../openpgp/signature-packet.js";
import { armored, dearmored, type FixtureKey, writePackets } from "./openpgp-fixtures.js";

/**
 * The packets of a fixture.
 *
 * @example
 * const [primary, userId, certification, subkey, binding] = packetsOf(GENERATED_ECC);
 */
export function packetsOf(fixture: FixtureKey): Packet[] {
  const read = readPackets(dearmored(fixture.armored));
  if (!read.ok) throw new Error(read.problem);
  return read.value;
}

/**
 * The fixture with its packets changed by `change`, armored again (valid CRC).
 *
 * @example
 * mutated(GENERATED_ECC, (packets) => packets.slice(0, 3));
 */
export function mutated(
  fixture: FixtureKey,
  change: (packets: Packet[]) => Packet[],
  label = "PUBLIC KEY BLOCK",
): string {
  return armored(writePackets(change(packetsOf(fixture))), label);
}

/**
 * A packet with one octet of its body replaced.
 *
 * @example
 * withOctet(certification, 1, 0x28); // now a subkey revocation
 */
export function withOctet(packet: Packet, at: number, value: number): Packet {
  const body = packet.body.slice();
  body[at] = value;
  return { tag: packet.tag, body };
}

/**
 * The signature in a packet.
 *
 * @example
 * signatureOf(certification).hashed;
 */
export function signatureOf(packet: Packet): SignatureV4 {
  const read = readSignatureV4(packet.body);
  if (!read.ok) throw new Error(read.problem);
  return read.value;
}

/**
 * The octets of a subpacket: its length (shortest form, or five octets), type and body.
 *
 * @example
 * writeSubpacket({ type: 25, critical: false, body: Uint8Array.of(1) });
 */
export function writeSubpacket(
  subpacket: Pick<Subpacket, "type" | "critical" | "body">,
  fiveOctets = false,
): number[] {
  const n = subpacket.body.length + 1;
  const length = fiveOctets
    ? [255, 0, 0, n >> 8, n & 0xff]
    : n < 192
      ? [n]
      : [((n - 192) >> 8) + 192, (n - 192) & 0xff];
  return [...length, subpacket.type | (subpacket.critical ? 0x80 : 0), ...subpacket.body];
}

/**
 * A signature packet whose hashed subpackets are replaced by what `change` returns (written
 * back as given).
 *
 * @example
 * withHashed(certification, (hashed) => [...keep(hashed), subpacket(25, 1)]);
 */
export function withHashed(packet: Packet, change: (hashed: Subpacket[]) => number[][]): Packet {
  const signature = signatureOf(packet);
  const area = change(signature.hashed).flat();
  const unhashedStart = 6 + (((packet.body[4] as number) << 8) | (packet.body[5] as number));
  const body = Uint8Array.from([
    ...packet.body.subarray(0, 4),
    area.length >> 8,
    area.length & 0xff,
    ...area,
    ...packet.body.subarray(unhashedStart),
  ]);
  return { tag: 2, body };
}

/**
 * A subpacket of `type` with `body`, written.
 *
 * @example
 * subpacket(9, 0, 0, 0, 60); // key expiration time: 60 s
 */
export const subpacket = (type: number, ...body: number[]): number[] =>
  writeSubpacket({ type, critical: false, body: Uint8Array.from(body) });

/**
 * The subpackets as they are, written.
 *
 * @example
 * withHashed(certification, (hashed) => keep(hashed));
 */
export const keep = (hashed: Subpacket[]): number[][] => hashed.map((s) => writeSubpacket(s));

/**
 * The subpackets with every one of `type` given `body`.
 *
 * @example
 * withHashed(certification, replace(21, 10, 8));
 */
export const replace =
  (type: number, ...body: number[]) =>
  (hashed: Subpacket[]): number[][] =>
    hashed.map((s) =>
      s.type === type ? writeSubpacket({ ...s, body: Uint8Array.from(body) }) : writeSubpacket(s),
    );

/**
 * The UTF-8 octets of `text`.
 *
 * @example
 * subpacket(26, ...utf8("https://x.test/ü"));
 */
export const utf8 = (text: string): number[] => Array.from(new TextEncoder().encode(text));

/**
 * GENERATED_ECC's packets: [0] public key, [1] user ID, [2] its certification, [3] subkey,
 * [4] its binding. This changes the certification.
 *
 * @example
 * mutated(GENERATED_ECC, onCertification((c) => withOctet(c, 3, 14)));
 */
export const onCertification =
  (change: (packet: Packet) => Packet) =>
  (packets: Packet[]): Packet[] =>
    packets.map((packet, index) => (index === 2 ? change(packet) : packet));
