// Keys for the PGPy tests (not exported by the package): the "earlier version" keys (openpgp.js
// with its defaults, as this package generated them before it rebuilt self-signatures) and keys
// whose self-certification is rebuilt with chosen properties, to prove each PGPy rule.
import {
  armor,
  enums,
  generateKey,
  type PrivateKey,
  SignaturePacket,
  type UserIDPacket,
} from "openpgp";
import { hardenedConfig } from "../config.js";
import { HASH_PREFERENCES, internals } from "../self-signatures.js";

/**
 * A key as openpgp.js 6.3 makes it with its own defaults (ECC, SHA3 in the hash preferences):
 * what `generateKeyPair` returned before it rebuilt self-certifications.
 *
 * @example
 * const old = await earlierVersionKey({ passphrase: "pw" });
 */
export async function earlierVersionKey(
  options: { passphrase?: string; type?: "ecc" | "rsa"; aeadProtect?: boolean } = {},
): Promise<{ publicKey: string; privateKey: string }> {
  return generateKey({
    ...(options.type === "rsa" ? { type: "rsa", rsaBits: 2048 } : {}),
    userIDs: [{ name: "Earlier Agent", email: "earlier@agents.test" }],
    ...(options.passphrase ? { passphrase: options.passphrase } : {}),
    ...(options.aeadProtect ? { config: { aeadProtect: true } } : {}),
  });
}

/** An unprotected ECC key (openpgp.js defaults otherwise), as an object to rework. */
export async function eccKeyObject(
  options: { date?: Date; keyExpirationTime?: number } = {},
): Promise<PrivateKey> {
  const { privateKey } = await generateKey({
    type: "ecc",
    curve: "ed25519Legacy",
    userIDs: [{ name: "Crafted Agent", email: "crafted@agents.test" }],
    format: "object",
    config: hardenedConfig,
    ...options,
  });
  return privateKey;
}

/**
 * The public key of a fresh ECC key whose user-ID self-certification is signed again with
 * SHA-2 hash preferences and then `overrides` (any SignaturePacket property), the way
 * openpgp.js signs certifications.
 *
 * @example
 * const key = await recertified({ revocable: true });
 */
export async function recertified(
  overrides: Partial<SignaturePacket> & { extraNotation?: SignaturePacket["rawNotations"][number] },
  key?: PrivateKey,
): Promise<string> {
  const privateKey = key ?? (await eccKeyObject());
  const user = privateKey.users[0];
  const old = user?.selfCertifications[0];
  if (!user?.userID || !old) throw new Error("no user ID to recertify");
  const { extraNotation, ...properties } = overrides;
  const fresh = Object.assign(new SignaturePacket(), old, {
    preferredHashAlgorithms: [...HASH_PREFERENCES],
    ...properties,
  });
  fresh.rawNotations = [
    ...old.rawNotations.filter((notation) => notation.name !== "salt@notations.openpgpjs.org"),
    ...(extraNotation ? [extraNotation] : []),
  ];
  fresh.unhashedSubpackets = [];
  const sign = fresh.sign as unknown as (...args: unknown[]) => Promise<void>;
  const data = { userID: user.userID as UserIDPacket, key: privateKey.keyPacket };
  await sign.call(fresh, internals(privateKey).keyPacket, data, old.created, false, hardenedConfig);
  user.selfCertifications = [fresh];
  return privateKey.toPublic().armor(hardenedConfig);
}

/**
 * An armored public key with a CRC-24 line even where openpgp.js would leave it out (v6 keys),
 * so that a check gets past the armor to the packets.
 *
 * @example
 * const armored = withChecksum(v6Key.toPublic());
 */
export function withChecksum(key: { write(): Uint8Array }): string {
  return armor(enums.armor.publicKey, key.write(), undefined, undefined, undefined, true);
}
