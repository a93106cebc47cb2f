// Unit tests of the PGPy rules on keys made once by openpgp.js and PGPy (testing/openpgp-fixtures.ts),
// changed one field at a time. The proof against the real PGPy is @assmbl/crypto's
// pgpy-keys.test.ts, which runs every kind of key through PGPy itself.
import { describe, expect, it } from "vitest";
import { AgentMailError } from "./errors.js";
import { Limits } from "./limits.js";
import {
  type Packet,
  readPackets,
  readSignatureV4,
  type SignatureV4,
  type Subpacket,
} from "./openpgp-packets.js";
import { pgpyKeyProblems } from "./pgpy-compat.js";
import {
  armored,
  dearmored,
  EARLIER_ECC,
  EXPIRING_ECC,
  type FixtureKey,
  GENERATED_ECC,
  PGPY_RSA,
  writePackets,
} from "./testing/openpgp-fixtures.js";

function packetsOf(fixture: FixtureKey): Packet[] {
  const read = readPackets(dearmored(fixture.armored));
  if (!read.ok) throw new Error(read.problem);
  return read.value;
}

/** The fixture with its packets changed by `change`, armored again (valid CRC). */
function mutated(
  fixture: FixtureKey,
  change: (packets: Packet[]) => Packet[],
  label = "PUBLIC KEY BLOCK",
): string {
  return armored(writePackets(change(packetsOf(fixture))), label);
}

/** A packet with one octet of its body replaced. */
function withOctet(packet: Packet, at: number, value: number): Packet {
  const body = packet.body.slice();
  body[at] = value;
  return { tag: packet.tag, body };
}

function signatureOf(packet: Packet): SignatureV4 {
  const read = readSignatureV4(packet.body);
  if (!read.ok) throw new Error(read.problem);
  return read.value;
}

function writeSubpacket(
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

/** A signature packet whose hashed subpackets are replaced by what `change` returns (written back as given). */
function withHashed(packet: Packet, change: (hashed: Subpacket[]) => number[][]): Packet {
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

const subpacket = (type: number, ...body: number[]) =>
  writeSubpacket({ type, critical: false, body: Uint8Array.from(body) });
const keep = (hashed: Subpacket[]) => hashed.map((s) => writeSubpacket(s));
const replace =
  (type: number, ...body: number[]) =>
  (hashed: Subpacket[]) =>
    hashed.map((s) =>
      s.type === type ? writeSubpacket({ ...s, body: Uint8Array.from(body) }) : writeSubpacket(s),
    );
const utf8 = (text: string) => Array.from(new TextEncoder().encode(text));
// GENERATED_ECC: [0] public key, [1] user ID, [2] its certification, [3] subkey, [4] its binding.
const onCertification = (change: (packet: Packet) => Packet) => (packets: Packet[]) =>
  packets.map((packet, index) => (index === 2 ? change(packet) : packet));

describe("pgpyKeyProblems on keys PGPy loads, and on the one it refused", () => {
  it("no problem with generateKeyPair's key or PGPy's own, public, armored with CRLF, or as a secret key block", () => {
    expect(pgpyKeyProblems(GENERATED_ECC.armored)).toEqual([]);
    expect(pgpyKeyProblems(PGPY_RSA.armored)).toEqual([]);
    expect(pgpyKeyProblems(GENERATED_ECC.armored.replaceAll("\n", "\r\n"))).toEqual([]);
    const secret = mutated(
      GENERATED_ECC,
      (packets) =>
        packets.map((p) =>
          p.tag === 6 || p.tag === 14
            ? { tag: p.tag === 6 ? 5 : 7, body: Uint8Array.from([...p.body, 0, 0, 1, 1, 0, 1]) }
            : p,
        ),
      "PRIVATE KEY BLOCK",
    );
    expect(pgpyKeyProblems(secret)).toEqual([]);
  });

  it("openpgp.js 6.3's defaults: the SHA3 hash preferences, and nothing else", () => {
    expect(pgpyKeyProblems(EARLIER_ECC.armored)).toEqual([
      'a signature on user ID "Earlier Agent <earlier@agents.test>" prefers hash algorithms 14 (SHA3-512), 12 (SHA3-256), which PGPy does not know (its enum stops at SHA-224, 11), so it cannot load the key',
    ]);
  });
});

describe("armor rules (pgpy/types.py Armorable)", () => {
  const packets = dearmored(GENERATED_ECC.armored);
  it.each([
    [
      "no checksum line",
      armored(packets, "PUBLIC KEY BLOCK", { checksum: false }),
      /no CRC-24 checksum line/,
    ],
    [
      "80-character lines",
      armored(packets, "PUBLIC KEY BLOCK", { lineLength: 80 }),
      /longer than 76 characters/,
    ],
    [
      "a header without a value",
      armored(packets, "PUBLIC KEY BLOCK", { headers: ["Comment:"] }),
      /is not "Name: value"/,
    ],
    [
      "a non-ASCII header",
      armored(packets, "PUBLIC KEY BLOCK", { headers: ["Comment: Grüße"] }),
      /non-ASCII/,
    ],
    ["a message, not a key", armored(packets, "MESSAGE"), /holds a PGP MESSAGE, not a key/],
    ["a damaged body", GENERATED_ECC.armored.replace("xjMEaw", "xjMEbw"), /damaged/],
    ["no armor", "not a key", /no -----BEGIN PGP/],
  ])("%s", (_label, text, problem) => {
    expect(pgpyKeyProblems(text).join("\n")).toMatch(problem);
  });

  it("76-character lines and ASCII headers are fine", () => {
    expect(
      pgpyKeyProblems(
        armored(packets, "PUBLIC KEY BLOCK", {
          lineLength: 76,
          headers: ["Comment: made by tests"],
        }),
      ),
    ).toEqual([]);
  });
});

describe("packet rules (pgpy/packet, pgpy/pgp.py), one change at a time", () => {
  const cases: [string, (packets: Packet[]) => Packet[], RegExp][] = [
    [
      "a version 5 key packet",
      (p) => [withOctet(p[0] as Packet, 0, 5), ...p.slice(1)],
      /version 5 key packet; PGPy reads version 4 keys only/,
    ],
    [
      "an RFC 9580 Ed25519 primary key",
      (p) => [withOctet(p[0] as Packet, 5, 27), ...p.slice(1)],
      /algorithm 27 Ed25519 \(RFC 9580\), which PGPy does not know/,
    ],
    [
      "an unknown curve",
      (p) => [withOctet(p[0] as Packet, 15, 0x02), ...p.slice(1)],
      /curve OID 1\.3\.6\.1\.4\.1\.11591\.15\.2, which PGPy does not know/,
    ],
    [
      "an EdDSA point not in native form",
      (p) => [withOctet(p[0] as Packet, 18, 0x04), ...p.slice(1)],
      /point in a form PGPy refuses/,
    ],
    [
      "ECDH KDF with SHA3",
      (p) => p.map((q, i) => (i === 3 ? withOctet(q, q.body.length - 2, 14) : q)),
      /ECDH KDF parameters PGPy cannot parse/,
    ],
    [
      "octets after a public key",
      (p) => [{ tag: 6, body: Uint8Array.from([...(p[0] as Packet).body, 0]) }, ...p.slice(1)],
      /not minimally encoded/,
    ],
    [
      "a SHA3-256 hash preference",
      onCertification((c) => withHashed(c, replace(21, 10, 8, 12))),
      /prefers hash algorithms 12 \(SHA3-256\)/,
    ],
    [
      "symmetric preference 5",
      onCertification((c) => withHashed(c, replace(11, 9, 5))),
      /prefers symmetric algorithms 5/,
    ],
    [
      "compression preference 4",
      onCertification((c) => withHashed(c, replace(22, 0, 4))),
      /prefers compression algorithms 4/,
    ],
    [
      "features 0x09",
      onCertification((c) => withHashed(c, replace(30, 0x09))),
      /features 0x09; PGPy keeps only 0x01/,
    ],
    [
      "key flags with bit 0x40",
      onCertification((c) => withHashed(c, replace(27, 0x43))),
      /key flags 0x43; PGPy keeps only 0x03/,
    ],
    [
      "key flags with a second octet",
      onCertification((c) => withHashed(c, replace(27, 0x03, 0x04))),
      /key flags 0x03 0x04; PGPy keeps only 0x07/,
    ],
    [
      "a five-octet subpacket length",
      onCertification((c) => withHashed(c, (h) => h.map((s) => writeSubpacket(s, s.type === 27)))),
      /longer form than needed/,
    ],
    [
      "revocable set to 1",
      onCertification((c) => withHashed(c, (h) => [...keep(h), subpacket(7, 1)])),
      /a revocable subpacket set to 1/,
    ],
    [
      "exportable set to 1",
      onCertification((c) => withHashed(c, (h) => [...keep(h), subpacket(4, 1)])),
      /an exportable subpacket set to 1/,
    ],
    [
      "primary user ID set to 2",
      onCertification((c) => withHashed(c, replace(25, 2))),
      /primary-user-ID subpacket set to 2/,
    ],
    [
      "a non-ASCII policy URI",
      onCertification((c) =>
        withHashed(c, (h) => [...keep(h), subpacket(26, ...utf8("https://x.test/ü"))]),
      ),
      /non-ASCII policy URI/,
    ],
    [
      "a non-ASCII human-readable notation",
      onCertification((c) =>
        withHashed(c, (h) => [
          ...keep(h),
          subpacket(20, 0x80, 0, 0, 0, 0, 1, 0, 2, 0x6e, ...utf8("ü")),
        ]),
      ),
      /notation/,
    ],
    [
      "a notation whose lengths do not add up",
      onCertification((c) =>
        withHashed(c, (h) => [...keep(h), subpacket(20, 0, 0, 0, 0, 0, 5, 0, 0, 0x6e)]),
      ),
      /lengths do not add up/,
    ],
    [
      "a creation time of 5 octets",
      onCertification((c) => withHashed(c, replace(2, 0, 0, 0, 0, 1))),
      /type 2 with 5 octets where PGPy reads exactly 4/,
    ],
    [
      "revocation reason 9",
      onCertification((c) => withHashed(c, (h) => [...keep(h), subpacket(29, 9)])),
      /revocation reason 9/,
    ],
    [
      "key expiration time 0",
      onCertification((c) => withHashed(c, (h) => [...keep(h), subpacket(9, 0, 0, 0, 0)])),
      /key expiration time of 0/,
    ],
    [
      "no issuer key ID",
      onCertification((c) => withHashed(c, (h) => keep(h.filter((s) => s.type !== 16)))),
      /no issuer key ID subpacket/,
    ],
    [
      "no creation time",
      onCertification((c) => withHashed(c, (h) => keep(h.filter((s) => s.type !== 2)))),
      /no hashed creation time/,
    ],
    [
      "a SHA3-512 signature hash",
      onCertification((c) => withOctet(c, 3, 14)),
      /is hashed with SHA3-512, which PGPy cannot verify/,
    ],
    [
      "a RIPEMD-160 signature hash",
      onCertification((c) => withOctet(c, 3, 3)),
      /is hashed with RIPEMD-160, which PGPy cannot verify/,
    ],
    [
      "signature type 0x14",
      onCertification((c) => withOctet(c, 1, 0x14)),
      /signature type 0x14, which PGPy does not know/,
    ],
    [
      "a binding signature type on a user ID",
      onCertification((c) => withOctet(c, 1, 0x18)),
      /type 0x18, which PGPy cannot verify on user ID/,
    ],
    [
      "a version 3 signature",
      onCertification((c) => withOctet(c, 0, 3)),
      /version 3 signature, which PGPy ignores/,
    ],
    [
      "an octet after the signature",
      onCertification((c) => ({ tag: 2, body: Uint8Array.from([...c.body, 0]) })),
      /1 octets after its signature/,
    ],
    ["a key block that starts with a user ID", (p) => p.slice(1), /starts with a user ID/],
    [
      "a literal data packet in the block",
      (p) => [...p, { tag: 11, body: Uint8Array.of(0x62, 0, 0, 0, 0, 0) }],
      /packet of tag 11, which does not belong/,
    ],
    [
      "no signatures at all",
      (p) => p.filter((q) => q.tag !== 2),
      /no self-signature PGPy can find/,
    ],
    [
      "no user ID",
      (p) => [p[0] as Packet, ...p.slice(3)],
      /no user ID, so PGPy cannot encrypt to it/,
    ],
    [
      "a public subkey in a secret key block",
      (p) => [
        { tag: 5, body: Uint8Array.from([...(p[0] as Packet).body, 0, 0, 0]) },
        ...p.slice(1),
      ],
      /public subkey sits in a secret key block/,
    ],
  ];
  it.each(cases)("%s", (_label, change, problem) => {
    expect(pgpyKeyProblems(mutated(GENERATED_ECC, change)).join("\n")).toMatch(problem);
  });

  it("controls that PGPy round-trips: exportable 0, no-modify key server preference, an ASCII notation", () => {
    for (const extra of [
      subpacket(4, 0),
      subpacket(23, 0x80),
      subpacket(20, 0x80, 0, 0, 0, 0, 1, 0, 2, 0x6e, 0x6f, 0x6b),
    ]) {
      expect(
        pgpyKeyProblems(
          mutated(
            GENERATED_ECC,
            onCertification((c) => withHashed(c, (h) => [...keep(h), extra])),
          ),
        ),
      ).toEqual([]);
    }
  });

  it("an RSA modulus with a leading zero octet: PGPy would compute another fingerprint", () => {
    const text = mutated(PGPY_RSA, (packets) => {
      const body = (packets[0] as Packet).body;
      const bits = ((body[6] as number) << 8) | (body[7] as number);
      // n's bit count + 8, and a zero octet in front of its value.
      const bigger = Uint8Array.from([
        ...body.subarray(0, 6),
        (bits + 8) >> 8,
        (bits + 8) & 0xff,
        0,
        ...body.subarray(8),
      ]);
      return [{ tag: 6, body: bigger }, ...packets.slice(1)];
    });
    expect(pgpyKeyProblems(text).join("\n")).toMatch(/not minimally encoded/);
  });

  it.each([
    ["S2K usage 253 (AEAD)", [253, 9, 2, 3], /S2K usage 253 \(AEAD, RFC 9580\)/],
    ["S2K type 4 (Argon2)", [254, 9, 4, 1, 1, 1], /S2K type 4 \(Argon2\)/],
    ["a SHA3 S2K hash", [254, 9, 3, 14], /S2K type 3, hash 14/],
    ["cipher 0 with a passphrase", [254, 0, 3, 8], /encrypted with cipher 0/],
    ["a legacy S2K usage octet", [9, 1, 2], /S2K usage 9/],
    ["a bad GnuPG S2K extension", [254, 9, 101, 0, 0x47, 0x4e, 0x58, 1], /GnuPG|S2K type 101/],
  ])("secret key packets: %s", (_label, protection, problem) => {
    const text = mutated(
      GENERATED_ECC,
      (packets) =>
        packets.map((p) =>
          p.tag === 6
            ? { tag: 5, body: Uint8Array.from([...p.body, ...protection]) }
            : p.tag === 14
              ? { tag: 7, body: Uint8Array.from([...p.body, 0, 0, 1, 1, 0, 1]) }
              : p,
        ),
      "PRIVATE KEY BLOCK",
    );
    expect(pgpyKeyProblems(text).join("\n")).toMatch(problem);
  });

  it("a GnuPG stub secret key (S2K 101, 0x00 GNU) is fine", () => {
    const text = mutated(
      GENERATED_ECC,
      (packets) =>
        packets.map((p) =>
          p.tag === 6
            ? { tag: 5, body: Uint8Array.from([...p.body, 255, 0, 101, 0, 0x47, 0x4e, 0x55, 1]) }
            : p.tag === 14
              ? { tag: 7, body: Uint8Array.from([...p.body, 0, 0, 1, 1, 0, 1]) }
              : p,
        ),
      "PRIVATE KEY BLOCK",
    );
    expect(pgpyKeyProblems(text)).toEqual([]);
  });
});

describe("expiry, judged at `now`", () => {
  it("a key that expires is fine until it has expired", () => {
    expect(
      pgpyKeyProblems(EXPIRING_ECC.armored, { now: new Date("2030-01-01T12:00:00Z") }),
    ).toEqual([]);
    expect(
      pgpyKeyProblems(EXPIRING_ECC.armored, { now: new Date("2030-01-03T00:00:00Z") }),
    ).toEqual([
      "the key expired on 2030-01-02T00:00:00.000Z, and PGPy fails every signature of an expired key",
    ]);
  });
});

describe("bounds and bad input", () => {
  it("a key over the size limit is one problem, not parsed", () => {
    const huge = `${GENERATED_ECC.armored}${" ".repeat(Limits.armoredKeyBytes)}`;
    expect(pgpyKeyProblems(huge)).toEqual([expect.stringMatching(/at most 65536 are accepted/)]);
  });

  it("not a string, or unknown options → invalid_options", () => {
    for (const call of [
      () => pgpyKeyProblems(42 as never),
      () => pgpyKeyProblems(GENERATED_ECC.armored, { nwo: new Date() } as never),
      () => pgpyKeyProblems(GENERATED_ECC.armored, { now: "today" } as never),
    ]) {
      expect(call).toThrow(AgentMailError);
      expect(call).toThrow(expect.objectContaining({ code: "invalid_options" }));
    }
  });

  it("every mutation of a key is answered with problems, never an exception (seeded fuzz)", () => {
    let state = 0x2545f491;
    const random = (n: number) => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) % n;
    };
    for (const fixture of [GENERATED_ECC, PGPY_RSA, EARLIER_ECC]) {
      const original = dearmored(fixture.armored);
      for (let round = 0; round < 400; round++) {
        const data = original.slice(0, round % 5 === 0 ? random(original.length) : original.length);
        for (let flips = 1 + random(3); flips > 0; flips--) data[random(data.length)] = random(256);
        const problems = pgpyKeyProblems(armored(data));
        expect(Array.isArray(problems)).toBe(true);
        expect(problems.length).toBeLessThanOrEqual(33);
        for (const problem of problems) expect(typeof problem).toBe("string");
      }
    }
    for (let round = 0; round < 200; round++) {
      const text = Array.from({ length: random(400) }, () => String.fromCharCode(random(128))).join(
        "",
      );
      expect(
        Array.isArray(pgpyKeyProblems(`-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n${text}`)),
      ).toBe(true);
    }
  });
});
