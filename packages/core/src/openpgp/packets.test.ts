import { describe, expect, it } from "vitest";
import { MAX_PACKETS, readPackets } from "./packets.js";

const bytes = (...values: number[]) => Uint8Array.from(values);

describe("readPackets", () => {
  it("splits new-format packets with one-, two- and five-octet lengths", () => {
    const two = new Uint8Array(300).fill(7);
    const five = new Uint8Array(9000).fill(9);
    const data = Uint8Array.from([
      0xcd,
      3,
      1,
      2,
      3, // tag 13, length 3
      0xcd,
      192 + ((300 - 192) >> 8),
      (300 - 192) & 0xff,
      ...two, // two-octet length 300
      0xcd,
      255,
      0,
      0,
      0x23,
      0x28,
      ...five, // five-octet length 9000
    ]);
    const read = readPackets(data);
    expect(read.ok && read.value.map((p) => [p.tag, p.body.length])).toEqual([
      [13, 3],
      [13, 300],
      [13, 9000],
    ]);
  });

  it("splits old-format packets with one-, two-, four-octet and indeterminate lengths", () => {
    const data = Uint8Array.from([
      0xb4,
      2,
      65,
      66, // tag 13, 1-octet length
      0xb5,
      0,
      1,
      67, // tag 13, 2-octet length
      0xb6,
      0,
      0,
      0,
      1,
      68, // tag 13, 4-octet length
      0xb7,
      69,
      70,
      71, // tag 13, indeterminate: the rest
    ]);
    const read = readPackets(data);
    expect(read.ok && read.value.map((p) => new TextDecoder().decode(p.body))).toEqual([
      "AB",
      "C",
      "D",
      "EFG",
    ]);
  });

  it.each([
    ["a partial body length", bytes(0xcd, 0xe1, 1, 2), /partial body length/],
    ["a byte that is no packet header", bytes(0x0d, 1, 2), /not a packet header/],
    ["a body past the end", bytes(0xcd, 10, 1, 2), /runs past the end/],
    ["a cut-short header", bytes(0xcd), /cut short/],
    ["a cut-short two-octet length", bytes(0xcd, 0xc5), /cut short/],
    ["a cut-short five-octet length", bytes(0xcd, 0xff, 0, 0), /cut short/],
    ["a cut-short old-format length", bytes(0xb5, 0), /cut short/],
  ])("refuses %s", (_label, data, problem) => {
    const read = readPackets(data);
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.problem).toMatch(problem);
  });

  it(`refuses more than ${MAX_PACKETS} packets`, () => {
    const many = new Uint8Array((MAX_PACKETS + 1) * 2)
      .fill(0)
      .map((_, i) => (i % 2 === 0 ? 0xcc : 0));
    const read = readPackets(many);
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.problem).toMatch(/more than 4096 packets/);
  });
});

describe("readPackets with untilPartialLength (encrypted messages)", () => {
  // Two PKESK packets (tag 1), then a SEIPD packet (tag 18) with a partial body length: a first
  // chunk of 2^1 octets, then a last chunk of 3.
  const message = bytes(0xc1, 2, 3, 0xaa, 0xc1, 2, 3, 0xbb, 0xd2, 0xe1, 7, 8, 3, 9, 9, 9);

  it("returns the packets before it and the partial packet last, with its first chunk", () => {
    const read = readPackets(message, { untilPartialLength: true });
    expect(read.ok && read.value.map((p) => [p.tag, Array.from(p.body), p.partial])).toEqual([
      [1, [3, 0xaa], undefined],
      [1, [3, 0xbb], undefined],
      [18, [7, 8], true],
    ]);
  });

  it("without the option a partial length is malformed (keys never have one)", () => {
    const read = readPackets(message);
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.problem).toMatch(/packet 3 \(tag 18\) uses a partial body length/);
  });
});
