import { errorOf } from "@assmbl/testing/crypto-helpers";
import { armor, enums, PacketList, readKey, UserIDPacket } from "openpgp";
import { beforeAll, describe, expect, it } from "vitest";
import { certifiedUserIds } from "./certified-user-ids.js";
import { generateKeyPair, type KeyPairBundle } from "./keys.js";

let alice: KeyPairBundle;
let bob: KeyPairBundle;
beforeAll(async () => {
  [alice, bob] = await Promise.all([
    generateKeyPair({ name: "Alice", email: "alice@agents.test" }),
    generateKeyPair({ name: "Bob", email: "bob@agents.test" }),
  ]);
}, 60_000);

/** `armored` with `extra` spliced in right after the primary key packet. */
async function withPacketsAfterPrimary(armored: string, extra: PacketList<never>): Promise<string> {
  const packets = (await readKey({ armoredKey: armored })).toPacketList();
  const list = new PacketList();
  const [primary, ...rest] = Array.from(packets);
  if (!primary) throw new Error("the key has no packets");
  list.push(primary, ...extra, ...rest);
  return armor(enums.armor.publicKey, list.write());
}

describe("certifiedUserIds", () => {
  it("a generated key's one user id is certified", async () => {
    expect(await certifiedUserIds(alice.publicKeyArmored)).toEqual([
      { userId: "Alice <alice@agents.test>", certified: true },
    ]);
  });

  it("a user id added to someone else's key without a signature is not", async () => {
    const extra = new PacketList<never>();
    extra.push(UserIDPacket.fromObject({ email: "alice@agents.test" }) as never);
    const squatted = await withPacketsAfterPrimary(bob.publicKeyArmored, extra);
    expect(await certifiedUserIds(squatted)).toEqual([
      { userId: "<alice@agents.test>", certified: false },
      { userId: "Bob <bob@agents.test>", certified: true },
    ]);
  });

  it("a user id carrying another key's certification is not", async () => {
    // Alice's user id and its self-signature, grafted onto bob's primary key: the signature
    // verifies only with alice's primary key.
    const alicePackets = (await readKey({ armoredKey: alice.publicKeyArmored })).toPacketList();
    const extra = new PacketList<never>();
    extra.push(alicePackets[1] as never, alicePackets[2] as never);
    const grafted = await withPacketsAfterPrimary(bob.publicKeyArmored, extra);
    const ids = await certifiedUserIds(grafted);
    expect(ids.find((id) => id.userId === "Alice <alice@agents.test>")).toEqual({
      userId: "Alice <alice@agents.test>",
      certified: false,
    });
  });

  it("refuses what is not one public key", async () => {
    expect((await errorOf(certifiedUserIds("not a key"))).code).toBe("invalid_public_key");
  });
});
