import { describe, expect, it } from "vitest";
import { dearmored, EARLIER_ECC, GENERATED_ECC, PGPY_RSA } from "../testing/openpgp-fixtures.js";
import { readKeyPacketV4, v4Fingerprint } from "./key-packet.js";
import { readPackets } from "./packets.js";

describe("key packets", () => {
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
});
