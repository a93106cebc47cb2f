// What PGPy encrypts to (pgp.py PGPKey.encrypt, decorators.py KeyAction): the key or subkey it
// picks, revoked or expired as it may be, and the user ID it takes preferences from. Keys are
// GENERATED_ECC changed packet by packet (nothing signed again: core reads, it never verifies).
import { describe, expect, it } from "vitest";
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
  writeSubpacket,
} from "../testing/key-mutations.js";
import { GENERATED_ECC } from "../testing/openpgp-fixtures.js";

// GENERATED_ECC: a primary key that signs and certifies, one user ID (marked primary), one
// Curve25519 subkey that encrypts.
const [key, userId, certification, subkey, binding] = packetsOf(GENERATED_ECC) as Packet[] &
  [Packet, Packet, Packet, Packet, Packet];
const SUBKEY = "subkey 1 (b6991c55b6dc3138)";
const later = { now: new Date("2031-01-01T00:00:00Z") };
const text = (packets: Packet[]) => mutated(GENERATED_ECC, () => packets);
// Another subkey: the same key material with another creation time (another key ID).
const otherSubkey = withOctet(subkey, 4, ((subkey.body[4] as number) + 1) & 0xff);
const revocationOf = (signature: Packet) => withOctet(signature, 1, 0x28);
const expiring = withHashed(binding, (h) => [...keep(h), subpacket(9, 0, 0, 0, 60)]);

describe("the subkey PGPy encrypts to", () => {
  it("a revoked one: PGPy encrypts to it anyway", () => {
    expect(
      pgpyKeyProblems(text([key, userId, certification, subkey, binding, revocationOf(binding)])),
    ).toEqual([
      `${SUBKEY} is revoked, yet it is the subkey PGPy encrypts to (PGPy does not check revocations; GnuPG and openpgp.js skip it): Python agents would encrypt to a revoked subkey`,
    ]);
  });

  it("an expired one: PGPy encrypts to it anyway", () => {
    const packets = [key, userId, certification, subkey, expiring];
    expect(pgpyKeyProblems(text(packets), later)).toEqual([
      `${SUBKEY} expired on 2026-11-29T17:26:28.000Z, yet it is the subkey PGPy encrypts to (PGPy does not check expiry when it encrypts): Python agents would encrypt to an expired subkey`,
    ]);
  });

  it("the first one that encrypts, even when a valid one follows", () => {
    const packets = [
      key,
      userId,
      certification,
      subkey,
      binding,
      revocationOf(binding),
      otherSubkey,
      binding,
    ];
    expect(pgpyKeyProblems(text(packets)).join()).toContain(`${SUBKEY} is revoked`);
  });

  it("not a revoked subkey that only signs: PGPy passes it by", () => {
    const signOnly = withHashed(binding, replace(27, 0x02));
    const packets = [
      key,
      userId,
      certification,
      subkey,
      signOnly,
      revocationOf(signOnly),
      otherSubkey,
      binding,
    ];
    expect(pgpyKeyProblems(text(packets))).toEqual([]);
  });

  it("its key flags come from its oldest binding signature", () => {
    // Oldest: encrypts; newer: signs only. PGPy still picks it, revoked.
    const newer = withHashed(binding, (h) =>
      h.map((s) =>
        s.type === 27
          ? subpacket(27, 0x02)
          : s.type === 2
            ? subpacket(2, 0x7f, 0, 0, 0)
            : writeSubpacket(s),
      ),
    );
    const packets = [key, userId, certification, subkey, newer, binding, revocationOf(binding)];
    expect(pgpyKeyProblems(text(packets)).join()).toContain(`${SUBKEY} is revoked`);
  });

  it("a subkey without a binding signature before it: PGPy fails (RuntimeError) looking for one", () => {
    const packets = [key, userId, certification, otherSubkey, subkey, binding];
    expect(pgpyKeyProblems(text(packets)).join()).toMatch(
      /has no binding signature PGPy reads, so PGPy fails \(RuntimeError\)/,
    );
  });

  it("a key whose only self-certification expired (signature expiration time): PGPy encrypts to it anyway", () => {
    const expiringCertification = withHashed(certification, (h) => [
      ...keep(h),
      subpacket(3, 0, 0, 0, 60),
    ]);
    const packets = [key, userId, expiringCertification, subkey, binding];
    expect(pgpyKeyProblems(text(packets), later)).toEqual([
      "every user ID's self-certification has expired (its signature expiration time has passed), so GnuPG and openpgp.js take the key as expired, and PGPy does not check: Python agents would encrypt to it",
    ]);
    // A newer certification without one keeps the key valid.
    const renewed = withHashed(certification, replace(2, 0x70, 0, 0, 0));
    expect(
      pgpyKeyProblems(text([...packets.slice(0, 3), renewed, subkey, binding]), later),
    ).toEqual([]);
  });

  it("a revocation whose signature expired does not count", () => {
    const expired = withHashed(revocationOf(binding), (h) => [
      ...keep(h),
      subpacket(3, 0, 0, 0, 60),
    ]);
    expect(
      pgpyKeyProblems(text([key, userId, certification, subkey, binding, expired]), later),
    ).toEqual([]);
  });
});

describe("the user ID PGPy takes preferences from", () => {
  const secondUserId: Packet = {
    tag: 13,
    body: new TextEncoder().encode("Second <second@agents.test>"),
  };
  const notPrimary = withHashed(certification, (h) => keep(h.filter((s) => s.type !== 25)));

  it("a user ID without self-certification is fine while another one is marked primary (PGPy loads, verifies and encrypts)", () => {
    expect(
      pgpyKeyProblems(text([key, userId, certification, secondUserId, subkey, binding])),
    ).toEqual([]);
  });

  it("with none marked primary, PGPy sorts the uncertified one first and fails when it encrypts", () => {
    for (const packets of [
      [key, userId, notPrimary, secondUserId, subkey, binding],
      [key, secondUserId, userId, notPrimary, subkey, binding],
    ]) {
      expect(pgpyKeyProblems(text(packets))).toEqual([
        'user ID "Second <second@agents.test>" has no self-certification, and PGPy takes the key\'s preferences from it (no user ID is marked primary), so it fails when it encrypts (AttributeError)',
      ]);
    }
  });
});
