import { describe, expect, it } from "vitest";
import { dearmored, GENERATED_ECC } from "../testing/openpgp-fixtures.js";
import { readPackets } from "./packets.js";
import { MAX_SUBPACKETS, readSignatureV4 } from "./signature-packet.js";

const bytes = (...values: number[]) => Uint8Array.from(values);

describe("signature packets", () => {
  it("readSignatureV4: areas, subpackets, critical bits, length forms, MPIs", () => {
    const packets = readPackets(dearmored(GENERATED_ECC.armored));
    if (!packets.ok) throw new Error(packets.problem);
    const certification = packets.value[2];
    expect(certification?.tag).toBe(2);
    const read = readSignatureV4(certification?.body as Uint8Array);
    if (!read.ok) throw new Error(read.problem);
    const signature = read.value;
    expect([signature.type, signature.publicKeyAlgorithm]).toEqual([0x13, 22]);
    expect(signature.hashed.map((s) => s.type)).toContain(21);
    expect(Array.from(signature.hashed.find((s) => s.type === 21)?.body ?? [])).toEqual([
      10, 8, 9, 11,
    ]);
    expect(signature.hashed.find((s) => s.type === 27)?.critical).toBe(true);
    expect(signature.hashed.every((s) => s.minimalLength)).toBe(true);
    expect([signature.mpis?.length, signature.trailing]).toEqual([2, 0]);
    // A subpacket length written in five octets where one would do.
    const longForm = Uint8Array.from([4, 0x13, 22, 8, 0, 7, 255, 0, 0, 0, 2, 0x1b, 3, 0, 0, 0, 0]);
    const long = readSignatureV4(longForm);
    expect(long.ok && long.value.hashed[0]).toMatchObject({ type: 27, minimalLength: false });
  });

  it.each([
    ["a cut-short packet", bytes(4, 0x13, 22, 8, 0), /cut short/],
    [
      "a hashed area past the packet",
      bytes(4, 0x13, 22, 8, 0, 50, 0, 0, 0, 0),
      /longer than its packet/,
    ],
    ["a zero-length subpacket", bytes(4, 0x13, 22, 8, 0, 1, 0, 0, 0, 0, 0), /length 0/],
    [
      "a subpacket past its area",
      bytes(4, 0x13, 22, 8, 0, 2, 5, 2, 0, 0, 0, 0, 0, 0, 0, 0),
      /runs past its area/,
    ],
  ])("readSignatureV4 refuses %s", (_label, body, problem) => {
    const read = readSignatureV4(body);
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.problem).toMatch(problem);
  });

  it(`readSignatureV4 refuses more than ${MAX_SUBPACKETS} subpackets in one area`, () => {
    const count = MAX_SUBPACKETS + 1;
    const area = new Uint8Array(count * 2).map((_, i) => (i % 2 === 0 ? 1 : 100));
    const body = Uint8Array.from([
      4,
      0x13,
      22,
      8,
      area.length >> 8,
      area.length & 0xff,
      ...area,
      0,
      0,
      0,
      0,
    ]);
    const read = readSignatureV4(body);
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.problem).toMatch(/more than 256 subpackets/);
  });
});
