// Keys and messages a recipient policy must refuse, made with openpgp.js for tests outside
// @assmbl/crypto (the security suite's fail-closed matrix), which do not depend on openpgp.js themselves.
import { armor, createMessage, enums, generateKey, readKey, revokeKey } from "openpgp";
import { concat } from "./crafted.js";

const DAY_SECONDS = 86_400;

/** A user id naming an agent's address. */
export interface AgentUserId {
  name: string;
  email: string;
}

/**
 * Armored public keys that fail the recipient policy, each naming `userId`: revoked, expired,
 * with only an expired encryption subkey, and a version 6 key (with its private key).
 *
 * @example
 * const { revoked } = await refusedKeys((id) => ({ name: id, email: `${id}@agents.example.com` }));
 */
export async function refusedKeys(userId: (agentId: string) => AgentUserId) {
  const past = new Date(Date.now() - 10 * DAY_SECONDS * 1000);
  const [toRevoke, expired, subkeyExpired, v6] = await Promise.all([
    generateKey({ userIDs: [userId("fc-pgp-revoked")], format: "object" }),
    generateKey({ userIDs: [userId("fc-expired")], date: past, keyExpirationTime: DAY_SECONDS }),
    generateKey({
      userIDs: [userId("fc-subkey-expired")],
      date: past,
      subkeys: [{ keyExpirationTime: DAY_SECONDS }],
    }),
    generateKey({ type: "curve25519", userIDs: [userId("fc-v6")], config: { v6Keys: true } }),
  ]);
  return {
    revoked: (await revokeKey({ key: toRevoke.privateKey, format: "armored" })).publicKey,
    expired: expired.publicKey,
    subkeyExpired: subkeyExpired.publicKey,
    v6: v6.publicKey,
    v6Private: v6.privateKey,
  };
}

/**
 * One `PUBLIC KEY BLOCK` holding every key given (openpgp.js's `readKey` would use the first).
 *
 * @example
 * const block = await oneBlockOfKeys([alice.publicKeyArmored, bob.publicKeyArmored]);
 */
export async function oneBlockOfKeys(armoredKeys: readonly string[]): Promise<string> {
  const keys = await Promise.all(armoredKeys.map((armoredKey) => readKey({ armoredKey })));
  return armor(enums.armor.publicKey, concat(keys.map((key) => key.toPacketList().write())));
}

/**
 * An armored OpenPGP message holding only a literal data packet: plaintext, not encrypted.
 *
 * @example
 * const notEncrypted = await armoredLiteral("the secret plan");
 */
export async function armoredLiteral(text: string): Promise<string> {
  return (await createMessage({ text })).armor();
}
