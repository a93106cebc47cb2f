import { describe, expect, it } from "vitest";
import {
  crc24,
  MAX_PACKETS,
  MAX_SUBPACKETS,
  readArmor,
  readCurveOid,
  readKeyPacketV4,
  readMpi,
  readPackets,
  readSignatureV4,
  v4Fingerprint,
} from "./openpgp-packets.js";
import {
  armored,
  dearmored,
  EARLIER_ECC,
  GENERATED_ECC,
  PGPY_RSA,
} from "./testing/openpgp-fixtures.js";

const bytes = (...values: number[]) => Uint8Array.from(values);

describe("readArmor", () => {
  it("reads a key block: label, headers, body, a matching CRC-24", () => {
    const read = readArmor(GENERATED_ECC.armored);
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.value.label).toBe("PUBLIC KEY BLOCK");
    expect(read.value.checksum).toBe("valid");
    expect(read.value.bytes).toEqual(dearmored(GENERATED_ECC.armored));
    const withHeaders = readArmor(
      armored(read.value.bytes, "PUBLIC KEY BLOCK", { headers: ["Comment: hi", "Version: x"] }),
    );
    expect(withHeaders.ok && withHeaders.value.headers).toEqual(["Comment: hi", "Version: x"]);
  });

  it("accepts CRLF line ends, text around the block, and a missing checksum (RFC 9580)", () => {
    const crlf = `some text\r\n${GENERATED_ECC.armored.replaceAll("\n", "\r\n")}trailer`;
    expect(readArmor(crlf).ok).toBe(true);
    const noChecksum = readArmor(
      armored(dearmored(GENERATED_ECC.armored), "PUBLIC KEY BLOCK", { checksum: false }),
    );
    expect(noChecksum.ok && noChecksum.value.checksum).toBe("missing");
  });

  it.each([
    ["no armor at all", "hello", /no -----BEGIN PGP/],
    [
      "a damaged body",
      GENERATED_ECC.armored.replace("xjMEaw", "xjMEbw"),
      /checksum \(CRC-24\) does not match/,
    ],
    [
      "no END line",
      GENERATED_ECC.armored.replace("-----END PGP PUBLIC KEY BLOCK-----", ""),
      /no -----END PGP PUBLIC KEY BLOCK-----/,
    ],
    [
      "another END label",
      GENERATED_ECC.armored.replace("END PGP PUBLIC", "END PGP PRIVATE"),
      /no -----END/,
    ],
    [
      "trailing whitespace",
      GENERATED_ECC.armored.replace("xjMEaw", "xjMEaw ").replace(/\n(xjMEaw[^\n]*)/, "\n$1"),
      /whitespace|radix-64/,
    ],
    [
      "a line that is not radix-64",
      GENERATED_ECC.armored.replace("xjMEaw", "xj*Eaw"),
      /not radix-64/,
    ],
    [
      "padding in the middle",
      GENERATED_ECC.armored.replace("xjMEaw", "xj=Eaw"),
      /not valid base64/,
    ],
    [
      "an empty body",
      "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n-----END PGP PUBLIC KEY BLOCK-----\n",
      /holds no data/,
    ],
  ])("%s is malformed", (_label, text, problem) => {
    const read = readArmor(text);
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.problem).toMatch(problem);
  });

  it("crc24 is RFC 4880's (initial value 0xB704CE, generator 0x864CFB)", () => {
    expect(crc24(new Uint8Array())).toBe(0xb704ce);
    // The checksum line of the fixture, decoded.
    const line = GENERATED_ECC.armored
      .split("\n")
      .find((l) => /^=[A-Za-z0-9+/]{4}$/.test(l)) as string;
    const [a, b, c] = Array.from(atob(line.slice(1)), (ch) => ch.charCodeAt(0)) as [
      number,
      number,
      number,
    ];
    expect(crc24(dearmored(GENERATED_ECC.armored))).toBe((a << 16) | (b << 8) | c);
  });
});

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

describe("fields", () => {
  it("readMpi: the bit count must be the value's exact length for canonical", () => {
    expect(readMpi(bytes(0, 9, 1, 0xff), 0)).toMatchObject({
      ok: true,
      value: { mpi: { bits: 9, canonical: true }, end: 4 },
    });
    expect(readMpi(bytes(0, 16, 0, 0xff), 0)).toMatchObject({
      ok: true,
      value: { mpi: { canonical: false } },
    });
    expect(readMpi(bytes(0, 10, 1, 0xff), 0)).toMatchObject({
      ok: true,
      value: { mpi: { canonical: false } },
    });
    expect(readMpi(bytes(0, 0), 0)).toMatchObject({
      ok: true,
      value: { mpi: { canonical: false } },
    });
    expect(readMpi(bytes(0, 17, 1, 2), 0)).toMatchObject({ ok: false });
    expect(readMpi(bytes(0), 0)).toMatchObject({ ok: false });
  });

  it("readCurveOid: dotted decimal, non-minimal arcs flagged, reserved lengths refused", () => {
    const ed25519 = bytes(9, 0x2b, 0x06, 0x01, 0x04, 0x01, 0xda, 0x47, 0x0f, 0x01);
    expect(readCurveOid(ed25519, 0)).toEqual({
      ok: true,
      value: { oid: "1.3.6.1.4.1.11591.15.1", canonical: true, end: 10 },
    });
    expect(readCurveOid(bytes(3, 0x2b, 0x80, 0x06), 0)).toMatchObject({
      ok: true,
      value: { oid: "1.3.6", canonical: false },
    });
    expect(readCurveOid(bytes(0), 0).ok).toBe(false);
    expect(readCurveOid(bytes(0xff), 0).ok).toBe(false);
    expect(readCurveOid(bytes(2, 0x2b, 0x86), 0).ok).toBe(false);
    expect(readCurveOid(bytes(5, 0x2b), 0).ok).toBe(false);
  });

  it("readKeyPacketV4 and v4Fingerprint give the fingerprints openpgp.js and PGPy computed (SHA-1, one and many blocks)", () => {
    for (const fixture of [GENERATED_ECC, EARLIER_ECC, PGPY_RSA]) {
      const packets = readPackets(dearmored(fixture.armored));
      if (!packets.ok) throw new Error(packets.problem);
      const primary = packets.value[0];
      expect(primary?.tag).toBe(6);
      const key = readKeyPacketV4(primary?.body as Uint8Array, false);
      expect(key.ok && key.value.fingerprint).toBe(fixture.fingerprint);
      expect(key.ok && key.value.trailing).toBe(0);
    }
    expect(v4Fingerprint(new Uint8Array())).toMatch(/^[0-9a-f]{40}$/);
  });

  it("readKeyPacketV4: ECC keys carry their curve, ECDH its KDF; secret packets their protection", () => {
    const packets = readPackets(dearmored(GENERATED_ECC.armored));
    if (!packets.ok) throw new Error(packets.problem);
    const [primary, , , subkey] = packets.value;
    const key = readKeyPacketV4(primary?.body as Uint8Array, false);
    expect(
      key.ok && [key.value.algorithm, key.value.curve?.oid, key.value.mpis[0]?.value[0]],
    ).toEqual([22, "1.3.6.1.4.1.11591.15.1", 0x40]);
    const sub = readKeyPacketV4(subkey?.body as Uint8Array, false);
    expect(
      sub.ok && [sub.value.algorithm, sub.value.curve?.oid, Array.from(sub.value.kdf ?? [])],
    ).toEqual([18, "1.3.6.1.4.1.3029.1.5.1", [3, 1, 8, 7]]);
    // The same public fields as a secret packet, protected with S2K usage 254, AES-256, iterated, SHA-256.
    const secret = Uint8Array.from([
      ...(primary as { body: Uint8Array }).body,
      254,
      9,
      3,
      8,
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8,
      0xe0,
    ]);
    const locked = readKeyPacketV4(secret, true);
    expect(locked.ok && locked.value.protection).toEqual({
      usage: 254,
      cipher: 9,
      s2kType: 3,
      s2kHash: 8,
      gnuMarker: false,
    });
    expect(locked.ok && locked.value.fingerprint).toBe(GENERATED_ECC.fingerprint);
  });

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
