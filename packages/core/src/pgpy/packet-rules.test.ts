// PGPy's parse and verification rules (pgpy/packet, pgpy/pgp.py), one change at a time to
// GENERATED_ECC or PGPy's own RSA key (testing/key-mutations.ts).
import { describe, expect, it } from "vitest";
import type { Packet } from "../openpgp/packets.js";
import { pgpyKeyProblems } from "../pgpy-compat.js";
import {
  keep,
  mutated,
  onCertification,
  replace,
  subpacket,
  utf8,
  withHashed,
  withOctet,
  writeSubpacket,
} from "../testing/key-mutations.js";
import { GENERATED_ECC, PGPY_RSA } from "../testing/openpgp-fixtures.js";

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
