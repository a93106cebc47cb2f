// Expiry and revocation as PGPy 0.6 judges them (pgp.py PGPKey.verify, check_soundness;
// constants.py SecurityIssues): it skips verification only when the verifying key's issues are
// exactly "Expired", and it encrypts without looking at expiry or revocation.
import { readPgpyKeyFile } from "@assmbl/testing/pgpy-key-files";
import { describe, expect, it } from "vitest";
import { readKeyPacketV4 } from "../openpgp/key-packet.js";
import type { Packet } from "../openpgp/packets.js";
import { pgpyKeyProblems } from "../pgpy-compat.js";
import {
  keep,
  mutated,
  packetsOf,
  replace,
  subpacket,
  withHashed,
  withOctet,
} from "../testing/key-mutations.js";
import { EXPIRING_ECC, type FixtureKey, GENERATED_ECC } from "../testing/openpgp-fixtures.js";

const keyFile = (file: string): FixtureKey => ({
  armored: readPgpyKeyFile(file),
  fingerprint: "",
});
const at = (iso: string) => ({ now: new Date(iso) });

/**
 * The key with GENERATED_ECC's Curve25519 subkey and its binding signature appended, the
 * binding's issuer and algorithm changed to the key's (its signature is not redone: core never
 * verifies one).
 */
function withEncryptionSubkey(fixture: FixtureKey): string {
  const [primary] = packetsOf(fixture);
  const key = readKeyPacketV4((primary as Packet).body, false);
  if (!key.ok) throw new Error(key.problem);
  const fingerprint = (key.value.fingerprint.match(/../g) ?? []).map((byte) =>
    Number.parseInt(byte, 16),
  );
  const [, , , subkey, binding] = packetsOf(GENERATED_ECC) as Packet[];
  const rebound = withHashed(binding as Packet, (h) => [
    ...keep(h.filter((s) => s.type !== 16 && s.type !== 33)),
    subpacket(16, ...fingerprint.slice(-8)),
    subpacket(33, 4, ...fingerprint),
  ]);
  // The binding is made by the primary key: its algorithm octet says so.
  return mutated(fixture, (packets) => [
    ...packets,
    subkey as Packet,
    withOctet(rebound, 2, key.value.algorithm),
  ]);
}

describe("expiry, judged at `now`", () => {
  it("a key that expires is fine until it has expired", () => {
    expect(pgpyKeyProblems(EXPIRING_ECC.armored, at("2030-01-01T12:00:00Z"))).toEqual([]);
    expect(pgpyKeyProblems(EXPIRING_ECC.armored, at("2030-01-03T00:00:00Z"))).toEqual([
      "the key expired on 2030-01-02T00:00:00.000Z, and PGPy fails every signature of an expired key",
    ]);
  });

  it("an expired NIST P-256 or brainpool key: PGPy verifies it (it rates the curve weak too), and would encrypt to it", () => {
    for (const file of ["expired-nistp256.pub.asc", "expired-brainpoolP256r1.pub.asc"]) {
      const armored = withEncryptionSubkey(keyFile(file));
      expect(pgpyKeyProblems(armored, at("2023-11-30T18:00:00Z"))).toEqual([]);
      expect(pgpyKeyProblems(armored, at("2024-01-01T00:00:00Z"))).toEqual([
        "the key expired on 2023-12-01T17:47:01.000Z, which PGPy 0.6 overlooks here (it skips its expiry check for a key it also rates weak, such as a NIST or brainpool curve, or revoked): Python agents would encrypt to an expired key",
      ]);
      // As GnuPG made them, they only sign: PGPy has nothing to encrypt to, so nothing to say.
      expect(pgpyKeyProblems(keyFile(file).armored, at("2024-01-01T00:00:00Z"))).toEqual([]);
    }
    // The Ed25519 key expired at the same time: PGPy fails its signatures.
    expect(pgpyKeyProblems(keyFile("expired-ed25519.pub.asc").armored)).toEqual([
      "the key expired on 2023-12-01T17:47:01.000Z, and PGPy fails every signature of an expired key",
    ]);
  });

  it("an expiration time of 0 fails an Ed25519 key's signatures in PGPy, not a NIST P-256 key's (and both encrypt)", () => {
    const zero = (fixture: FixtureKey) =>
      mutated(fixture, (packets) =>
        packets.map((p, i) => (i === 2 ? withHashed(p, replace(9, 0, 0, 0, 0)) : p)),
      );
    expect(pgpyKeyProblems(zero(keyFile("expired-ed25519.pub.asc"))).join()).toMatch(
      /expiration time of 0 .* fails every self-signature/,
    );
    expect(pgpyKeyProblems(zero(keyFile("expired-nistp256.pub.asc")))).toEqual([]);
  });
});

describe("revocation", () => {
  // EXPIRING_ECC: [0] key, [1] user ID, [2] certification, [3] subkey, [4] binding. A copy of the
  // certification retyped 0x20 after the key is a key revocation as far as PGPy's checks go
  // (they read the type and issuer; the mathematics is crypto's inspectPublicKey's to check).
  const revoked = (change: (packet: Packet) => Packet = (packet) => packet) =>
    mutated(EXPIRING_ECC, ([key, ...rest]) => [
      key as Packet,
      change(withOctet(rest[1] as Packet, 1, 0x20)),
      ...rest,
    ]);

  it("a revoked key: PGPy does not check revocations, so Python agents would still encrypt to it", () => {
    expect(pgpyKeyProblems(revoked(), at("2030-01-01T12:00:00Z"))).toEqual([
      "the key is revoked, and PGPy does not check revocations: Python agents would still encrypt to it",
    ]);
  });

  it("revoked and expired: PGPy's issues are Expired | Revoked, not in its set, so it verifies the key", () => {
    expect(pgpyKeyProblems(revoked(), at("2030-01-03T00:00:00Z"))).toEqual([
      "the key is revoked, and PGPy does not check revocations: Python agents would still encrypt to it",
      "the key expired on 2030-01-02T00:00:00.000Z, which PGPy 0.6 overlooks here (it skips its expiry check for a key it also rates weak, such as a NIST or brainpool curve, or revoked): Python agents would encrypt to an expired key",
    ]);
  });

  it("a revocation whose signature has expired does not count (PGPKey.revocation_signatures)", () => {
    const expiredRevocation = revoked((p) =>
      withHashed(p, (h) => [...keep(h), subpacket(3, 0, 0, 0, 60)]),
    );
    expect(pgpyKeyProblems(expiredRevocation, at("2030-01-01T12:00:00Z"))).toEqual([]);
  });
});
