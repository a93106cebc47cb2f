// PGPy's subpacket parse rules for fingerprint subpackets and embedded signatures
// (pgpy/packet/subpackets/signature.py, pgp.py PGPKey.__or__), on GENERATED_ECC.
import { describe, expect, it } from "vitest";
import { pgpyKeyProblems } from "../pgpy-compat.js";
import { keep, mutated, onCertification, subpacket, withHashed } from "../testing/key-mutations.js";
import { GENERATED_ECC } from "../testing/openpgp-fixtures.js";

describe("fingerprint subpackets (IssuerFingerprint, IntendedRecipient)", () => {
  const fingerprint = (type: number, version: number, length: number) =>
    mutated(
      GENERATED_ECC,
      onCertification((c) =>
        withHashed(c, (h) => [
          ...keep(h.filter((s) => s.type !== 33)),
          subpacket(type, version, ...new Array(length).fill(0x22)),
        ]),
      ),
    );

  it.each([
    [33, 6, 32, "an issuer fingerprint subpacket of version 6"],
    [33, 3, 20, "an issuer fingerprint subpacket of version 3"],
    [35, 6, 32, "an intended recipient subpacket of version 6"],
  ])(
    "type %i, version %i: PGPy reads the subpacket length minus one octets, one too many",
    (type, version, length, named) => {
      expect(pgpyKeyProblems(fingerprint(type, version, length)).join("\n")).toContain(
        `has ${named}; PGPy reads versions 4 and 5 only and misreads the rest of the subpacket area`,
      );
    },
  );

  it("an empty one (version 9, nothing after it) too", () => {
    const text = mutated(
      GENERATED_ECC,
      onCertification((c) => withHashed(c, (h) => [...keep(h), subpacket(33, 9)])),
    );
    expect(pgpyKeyProblems(text).join("\n")).toMatch(/issuer fingerprint subpacket of version 9/);
  });

  it("versions 4 (20 octets) and 5 (32 octets) are read as written", () => {
    expect(pgpyKeyProblems(fingerprint(35, 4, 20))).toEqual([]);
    expect(pgpyKeyProblems(fingerprint(35, 5, 32))).toEqual([]);
    expect(pgpyKeyProblems(fingerprint(35, 4, 32)).join()).toMatch(/wrong length for its version/);
  });
});

describe("embedded signatures", () => {
  // A bare v4 embedded signature: type 0x19, EdDSA, SHA-256, no subpackets, two 1-bit MPIs.
  const bare = [4, 0x19, 22, 8, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 1];

  it("one inside a user ID certification is only parsed (PGPy never sorts or verifies it): no issuer or creation time needed", () => {
    const text = mutated(
      GENERATED_ECC,
      onCertification((c) => withHashed(c, (h) => [...keep(h), subpacket(32, ...bare)])),
    );
    expect(pgpyKeyProblems(text)).toEqual([]);
  });

  it("one inside a subkey binding joins the subkey's signatures, so it needs both (IndexError otherwise)", () => {
    const text = mutated(GENERATED_ECC, (packets) =>
      packets.map((packet, index) =>
        index === 4 ? withHashed(packet, (h) => [...keep(h), subpacket(32, ...bare)]) : packet,
      ),
    );
    const problems = pgpyKeyProblems(text).join("\n");
    expect(problems).toMatch(
      /the embedded signature of a signature on subkey 1 .* no issuer key ID/,
    );
    expect(problems).toMatch(/the embedded signature of .* no hashed creation time/);
  });

  it("one that does not parse is a problem wherever it sits", () => {
    const text = mutated(
      GENERATED_ECC,
      onCertification((c) =>
        withHashed(c, (h) => [...keep(h), subpacket(32, 4, 0x19, 22, 8, 0, 9)]),
      ),
    );
    expect(pgpyKeyProblems(text).join()).toMatch(/the embedded signature of .* is malformed/);
  });
});
